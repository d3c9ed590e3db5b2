"""Settings precedence and prompt files."""

import pytest

from summarizer.config import Config
from summarizer.prompts import load_prompt, parse_prompt


def test_precedence_defaults_file_env_arguments(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[summarizer]\ngenerator_backend = "transformers"\nthreshold = 0.7\nsummary_words = 90\n')
    env = {"SUMMARIZER_THRESHOLD": "0.6", "SUMMARIZER_REPAIR": "false"}
    cfg = Config.load(toml, env=env, summary_words=None, generator_model="smollm2")
    assert cfg.generator_backend == "transformers"  # file
    assert cfg.threshold == 0.6 and cfg.repair is False  # env beats file
    assert cfg.summary_words == 90  # None arguments do not override
    assert cfg.generator_model == "smollm2"  # arguments beat everything
    assert Config.load(env={}).generator_model == "qwen"


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="threshold"):
        Config.load(env={"SUMMARIZER_THRESHOLD": "high"})
    with pytest.raises(TypeError, match="unknown setting"):
        Config().replace(no_such_setting=1)


def test_prompt_files_parse_and_fill(tmp_path):
    p = parse_prompt("t", "comment\n=== system ===\nBe careful.\n=== user ===\nFix: $text {braces} ok\n")
    msgs = p.messages(text="a {b} c")
    assert msgs == [{"role": "system", "content": "Be careful."},
                    {"role": "user", "content": "Fix: a {b} c {braces} ok"}]
    with pytest.raises(KeyError):
        p.messages()
    assert "translat" in load_prompt("translate").system.lower()


def test_the_machine_is_read_from_cpuinfo_on_x86_and_arm():
    from summarizer.machine import describe, parse_cpuinfo

    x86 = ("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx fma f16c avx2 bmi2\n\n"
           "processor\t: 1\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx fma f16c avx2 bmi2\n")
    assert parse_cpuinfo(x86) == ("AMD EPYC 7B13", ["avx2", "fma", "f16c"])
    arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes\n"
    assert parse_cpuinfo(arm) == ("", ["asimd"])
    line = describe({"cpu": "AMD EPYC 7B13", "arch": "x86_64", "cores": 2, "isa": ["avx2"]})
    assert line == "AMD EPYC 7B13 (x86_64), 2 cores, avx2"
