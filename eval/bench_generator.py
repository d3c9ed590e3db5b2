"""Generator benchmark: load time, prompt and generation speed, peak memory, per
backend and model, on one fixed prompt; plus the memory-bandwidth roofline.

Each (backend, model) runs in its own subprocess so peak RSS is its own.

    python eval/bench_generator.py                 # SmolLM2 + Qwen on llama.cpp and transformers
    python eval/bench_generator.py --skip-slow     # without Qwen on transformers (~9 GB, ~2 tok/s)

Roofline: a decoder reads (about) every weight once per generated token, so
tokens/s <= bandwidth / model bytes. The table prints that ceiling and the measured
fraction of it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPT_SYSTEM = "You are a careful news editor. Answer in plain English."
PROMPT_USER = ("Here is a paragraph from a news article about diplomacy in Europe. The foreign ministers of "
               "several countries met on Saturday to discuss the crisis, and they agreed that talks should "
               "continue next week in Berlin, while their leaders prepared new proposals on security. "
               "Write a detailed, neutral explanation of what happened, for a reader who knows nothing of it, "
               "in about 150 words.")
GEN_TOKENS = 96


def measure_bandwidth(size_mb: int = 512, repeats: int = 5) -> float:
    """Sustained memory bandwidth in GB/s from a large numpy copy (read + write)."""
    import numpy as np

    a = np.ones(size_mb * 2**20 // 8)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best / 1e9


def run_one(backend: str, model: str, threads: int) -> dict:
    from summarizer.config import Config
    from summarizer.models.generator import load_generator
    from summarizer.models.registry import resolve_gguf

    config = Config.load(threads=threads)
    t = time.perf_counter()
    gen = load_generator(config, model=model, backend=backend)
    load_s = time.perf_counter() - t
    messages = [{"role": "system", "content": PROMPT_SYSTEM}, {"role": "user", "content": PROMPT_USER}]
    n_prompt = gen.count_tokens(PROMPT_SYSTEM + PROMPT_USER) + 10  # + chat template tokens

    def fresh():
        if backend == "llamacpp":
            gen._llm.reset()  # measure prompt evaluation from scratch, not from the prefix cache

    gen.chat(messages, max_tokens=1)  # warm-up (allocations, kernels)
    fresh()
    t = time.perf_counter()
    gen.chat(messages, max_tokens=1)
    prompt_s = time.perf_counter() - t
    fresh()
    t = time.perf_counter()
    pieces = list(gen.stream_chat(messages, max_tokens=GEN_TOKENS))
    total_s = time.perf_counter() - t
    n_gen = gen.count_tokens("".join(pieces))
    # prefix cache: the same system prompt, a different question
    cached_s = None
    if backend == "llamacpp":
        t = time.perf_counter()
        gen.chat([messages[0], {"role": "user", "content": PROMPT_USER + " Be brief."}], max_tokens=1)
        cached_s = time.perf_counter() - t
    gguf = resolve_gguf(model, config)
    return {
        "backend": backend, "model": gen.name, "threads": threads, "load_s": load_s,
        "prompt_tokens": n_prompt, "prompt_tok_s": n_prompt / prompt_s,
        "gen_tokens": n_gen, "gen_tok_s": max(n_gen - 1, 1) / max(total_s - prompt_s, 1e-6),
        "prompt_again_s": cached_s, "prompt_s": prompt_s,
        "model_bytes": gguf.stat().st_size if gguf else None,
        "streamed_bytes": (sum(p.numel() * p.element_size() for p in gen.model.parameters())
                           if backend == "transformers" else (gguf.stat().st_size if gguf else None)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-slow", action="store_true", help="skip Qwen on transformers (~9 GB RAM)")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.threads)))
        return 0

    combos = [("llamacpp", "smollm2"), ("transformers", "smollm2"), ("llamacpp", "qwen")]
    if not args.skip_slow:
        combos.append(("transformers", "qwen"))
    bandwidth = measure_bandwidth()
    rows = []
    for backend, model in combos:
        print(f"running {backend} / {model} ...", file=sys.stderr, flush=True)
        res = subprocess.run([sys.executable, __file__, "--one", backend, model, "--threads", str(args.threads)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            print(f"  failed: {res.stderr.strip().splitlines()[-1] if res.stderr.strip() else res.returncode}",
                  file=sys.stderr)
            continue
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))

    print(f"\nmemory bandwidth (numpy copy, read+write): {bandwidth:.1f} GB/s; threads {args.threads}\n")
    header = ("| backend | model | load s | prompt tok/s | gen tok/s | prompt again (prefix cached) s | "
              "peak RSS MB | bytes/token MB | roofline tok/s | % of roofline |")
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        # bytes read per generated token: the GGUF weights for llama.cpp; the dequantised
        # float32 parameters for transformers
        weights = r["streamed_bytes"] or 0
        streamed = weights
        roof = bandwidth * 1e9 / streamed if streamed else float("nan")
        again = f"{r['prompt_again_s']:.2f} (cold {r['prompt_s']:.2f})" if r["prompt_again_s"] is not None else "-"
        print(f"| {r['backend']} | {r['model']} | {r['load_s']:.1f} | {r['prompt_tok_s']:.0f} | "
              f"{r['gen_tok_s']:.1f} | {again} | {r['peak_rss_mb']:.0f} | {weights / 2**20:.0f} | "
              f"{roof:.0f} | {100 * r['gen_tok_s'] / roof:.0f}% |")
    if args.json:
        Path(args.json).write_text(json.dumps({"bandwidth_gb_s": bandwidth, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
