"""Seconds per pipeline stage and peak memory, and how they grow with the number of articles.

    python eval/bench_pipeline.py                          # 5 seeds, then 5/10/20/50 articles
    python eval/bench_pipeline.py --sizes 5 --transformers-sizes 5 --no-summary   # quick

Articles are the five seed articles in ../shared/seeds, repeated with varied source
names to reach each size. Each (backend, size) runs in a fresh process, so peak RSS is
that run's own and model loading is counted (models load lazily in the first stage
that needs them; its time shows up in that stage). The same runs with the generator on
the transformers backend are reported as a time ratio to llama.cpp.

Caveat: repeated seeds repeat sentences; the embedder caches repeated texts, so the
align stage grows more slowly here than with distinct articles.
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

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
STAGES = ("ingest", "segment", "language", "translate", "assess", "repair", "align", "summarize")


def _articles(n: int, seeds_dir: Path):
    from summarizer import Article

    files = sorted(seeds_dir.glob("*.txt"))
    if not files:
        raise SystemExit(f"no seed articles in {seeds_dir}")
    out = []
    for k in range(n):
        f = files[k % len(files)]
        copy = k // len(files)
        out.append(Article(text=f.read_text(encoding="utf-8"),
                           source=f.stem if copy == 0 else f"{f.stem}-copy{copy}"))
    return out


def worker(n: int, backend: str, seeds_dir: Path, repair: bool, summary: bool) -> dict:
    from summarizer import Config, Pipeline

    # reply_cache off: every reply generated, so the seconds measure the models
    config = Config.load(generator_backend=backend, max_articles=max(50, n), reply_cache=False)
    start = time.perf_counter()
    pipe = Pipeline(config, repair=repair, summary=summary)
    report = pipe.run(_articles(n, seeds_dir))
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"n": n, "backend": backend, "timings": report.timings, "wall": round(wall, 2),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "sentences": sum(len(d.sentences) for d in report.documents),
            "flagged": sum(s.flagged for d in report.documents for s in d.sentences),
            "errors": len(report.errors), "models": report.models}


def _run_child(n: int, backend: str, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--n", str(n), "--backend", backend, "--seeds", str(args.seeds)]
    if args.no_repair:
        cmd.append("--no-repair")
    if args.no_summary:
        cmd.append("--no-summary")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_WAIT_POLICY": "PASSIVE"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
    if proc.returncode != 0:
        return {"n": n, "backend": backend, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    stages = [s for s in STAGES if any(s in r.get("timings", {}) for r in rows)]
    head = f"{'backend':<13}{'articles':>9}{'sents':>7}" + "".join(f"{s[:9]:>10}" for s in stages) \
        + f"{'total s':>9}{'s/article':>10}{'peak MB':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['backend']:<13}{r['n']:>9}  failed: {r['error'][:90]}")
            continue
        t = r["timings"]
        lines.append(f"{r['backend']:<13}{r['n']:>9}{r['sentences']:>7}"
                     + "".join(f"{t.get(s, 0.0):>10.2f}" for s in stages)
                     + f"{t.get('total', 0.0):>9.1f}{t.get('total', 0.0) / r['n']:>10.2f}{r['peak_rss_mb']:>9.0f}")
    return "\n".join(lines)


def ratios(rows: list[dict]) -> str:
    base = {r["n"]: r for r in rows if r["backend"] == "llamacpp" and "error" not in r}
    lines = []
    for r in rows:
        if r["backend"] != "transformers" or "error" in r or r["n"] not in base:
            continue
        b = base[r["n"]]
        parts = [f"{s} {r['timings'][s] / b['timings'][s]:.1f}x" for s in ("repair", "summarize", "total")
                 if b["timings"].get(s, 0) > 0.05 and s in r["timings"]]
        lines.append(f"transformers / llama.cpp at {r['n']} articles: " + (", ".join(parts) or "no generator stage ran")
                     + f"; peak RSS {r['peak_rss_mb']:.0f} vs {b['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="5,10,20,50", help="article counts on llama.cpp (default 5,10,20,50)")
    p.add_argument("--transformers-sizes", default="5",
                   help="article counts on the transformers backend ('' to skip; slow: ~2 tok/s, ~9 GB)")
    p.add_argument("--seeds", type=Path, default=SEEDS)
    p.add_argument("--no-repair", action="store_true")
    p.add_argument("--no-summary", action="store_true")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per run before giving up")
    p.add_argument("--json", help="also write the rows as JSON here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--backend", default="llamacpp", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.n, args.backend, args.seeds, not args.no_repair, not args.no_summary)))
        return 0
    plan = [(int(n), "llamacpp") for n in args.sizes.split(",") if n.strip()]
    plan += [(int(n), "transformers") for n in args.transformers_sizes.split(",") if n.strip()]
    rows = []
    for n, backend in plan:
        print(f"running {n} articles on {backend} ...", file=sys.stderr, flush=True)
        rows.append(_run_child(n, backend, args))
    print(table(rows))
    r = ratios(rows)
    if r:
        print(r)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
