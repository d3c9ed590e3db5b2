"""The ``openai`` generator backend against a real OpenAI-compatible server:
llama-cpp-python's own (``python -m llama_cpp.server``, the ``server`` extra) serving
the packaged SmolLM2 on a local port. No fake server: what is tested is the HTTP path
a user with vLLM, llama.cpp's server or a hosted API takes."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from summarizer.errors import ModelError
from summarizer.models.openai_server import OpenAIServerGenerator

pytestmark = pytest.mark.skipif(importlib.util.find_spec("sse_starlette") is None,
                                reason="llama-cpp-python's server extra is not installed (pip install -e '.[test]')")

MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name one city in France."}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    from summarizer.models.registry import smollm2_path

    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()),
                                 "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1", "--n_ctx", "2048"],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_chat_stream_and_batch_agree(server_url):
    gen = OpenAIServerGenerator(server_url)
    assert gen.backend == "openai" and gen.name.endswith(".gguf")  # the server's own model id
    one = gen.chat(MESSAGES, max_tokens=12, temperature=0.0)
    assert one and len(one.split()) <= 12
    assert "".join(gen.stream_chat(MESSAGES, max_tokens=12, temperature=0.0)).strip() == one
    other = [{"role": "user", "content": "Say hello."}]
    done = []
    batch = gen.chat_batch([MESSAGES, other, MESSAGES], max_tokens=[12, 8, 12], temperature=0.0,
                           on_done=done.append)
    assert batch[0] == batch[2] == one and batch[1] == gen.chat(other, max_tokens=8, temperature=0.0)
    assert sorted(done) == [0, 1, 2]
    assert gen.complete("The capital of France is", max_tokens=4, temperature=0.0).strip()


def test_doctor_checks_the_server(server_url, config, capsys):
    from summarizer.doctor import run_doctor

    run_doctor(config.replace(generator_url=server_url), load=True)
    lines = capsys.readouterr().out.splitlines()
    line = next(x for x in lines if "generator server" in x)
    assert line.split()[0] == "ok" and server_url in line and "says" in line
    assert any(x.strip().startswith("cpu: ") and " cores" in x for x in lines)  # what its speeds mean


def test_token_count_comes_from_the_servers_tokenizer(server_url):
    from summarizer.models.generator import LlamaCppGenerator
    from summarizer.models.registry import smollm2_path

    gen = OpenAIServerGenerator(server_url)
    local = LlamaCppGenerator(smollm2_path(), n_ctx=512, n_threads=1, prompt_cache=None)
    text = "Ukrainian Foreign Minister Dmytro Kuleba spoke with Jean-Yves Le Drian."
    assert gen.count_tokens(text) == local.count_tokens(text)
    with pytest.raises(NotImplementedError, match="log-probabilities"):
        gen.token_logprobs(text)  # said, not guessed (see openai_server.py)


def test_pipeline_repairs_through_the_server(server_url, config):
    from summarizer import Article, Pipeline
    from summarizer.repair import NAME_FIX_MODEL

    pipe = Pipeline(config.replace(generator_url=server_url, summary=False))
    report = pipe.run([
        Article(text="Foreign Minister Dmytro Kuleba spoke with his French counterpart on Saturday. "
                     "He urged the West to stay vigilant and firm.", title="a"),
        Article(text="Kuleba talked on Saturday with French minister Le Drian. "
                     "gentlemen. Kuleba Urged the West to remain vigilant And firm in talks with Russia.", title="b")])
    assert report.models["generator"]["backend"] == "openai"
    assert report.models["generator"]["url"] == server_url
    rewritten = [s for d in report.documents for s in d.sentences
                 if s.repair is not None and s.repair.model != NAME_FIX_MODEL]
    assert rewritten and all(s.repair.model.endswith(".gguf") for s in rewritten)
    assert report.documents[1].text.startswith("Kuleba talked")  # the original is never altered


def test_unreachable_or_bad_address_is_a_clear_error():
    with pytest.raises(ModelError, match="cannot reach the generator server"):
        OpenAIServerGenerator(f"http://127.0.0.1:{_free_port()}/v1", timeout=5)
    with pytest.raises(ModelError, match="not an http"):
        OpenAIServerGenerator("localhost:8080/v1")
