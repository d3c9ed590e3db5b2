"""``summarizer eval qe | repair | summarize | all``.

The main CLI calls ``add_eval_parser(subparsers)`` and dispatches ``eval`` to
``run_eval(args)``; ``python -m summarizer.evaluation.cli ...`` runs it standalone.
Exit codes as the main CLI: 0 ok, 2 bad input (data that cannot be read), 1 internal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cache import DEFAULT_CACHE_DIR

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def _common(p: argparse.ArgumentParser, *, data_help: str, split_default: str | None) -> None:
    p.add_argument("--data", required=True, help=data_help)
    p.add_argument("--split", default=split_default, required=split_default is None,
                   help="split name: files DIR/SPLIT.* (ignored with --format jsonl)")
    p.add_argument("--limit", type=int, help="evaluate the first N items of the split")
    p.add_argument("--json", dest="json_out", help="write the result (signature, scores, every item) here; "
                                                   "a plot is written next to it (.png)")


def _runtime(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache-dir", default=str(DEFAULT_CACHE_DIR),
                   help="per-item output cache (JSON lines; default eval/cache)")
    p.add_argument("--no-cache", action="store_true", help="recompute every item and do not write the cache")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    from ..cli import _add_model_options

    _add_model_options(p)  # --config, --backend, --server-url, --model, --threads: as `summarizer run`
    p.add_argument("--threshold", type=float, help="badness above which a sentence is flagged")


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    ev = subparsers.add_parser("eval", help="offline evaluation: detection (qe), repair, summaries",
                               description="Offline evaluation with baselines in the same run.")
    sub = ev.add_subparsers(dest="eval_command", metavar="{qe,repair,summarize,all,cluster}")
    sub.required = True

    for name, helptext in (("qe", "correlation of the detection score with human quality (MLQE-PE)"),
                           ("repair", "BLEU/chrF/TER of repairs against post-edits, vs doing nothing")):
        p = sub.add_parser(name, help=helptext)
        _common(p, data_help="MLQE-PE pair folder (DIR/SPLIT.mt, .src, .pe, .hter, .da.tsv, .tags) "
                             "or, with --format jsonl, a file of {\"src\", \"mt\", \"ref\"} lines", split_default="dev")
        p.add_argument("--mode", choices=["target", "bilingual"], default="bilingual",
                       help="target: the MT alone; bilingual: with its source (default)")
        p.add_argument("--format", choices=["mlqe", "jsonl"], default="mlqe", help="input layout (default mlqe)")
        p.add_argument("--src-lang", help="source language code (default: from the MLQE-PE folder name)")
        _runtime(p)

    p = sub.add_parser("summarize", help="ROUGE of the merged summary against references (NeuS)")
    _common(p, data_help="NeuS folder (DIR/SPLIT.source, DIR/SPLIT.target) or, with --format jsonl, "
                         "a file of {\"documents\": [...], \"summary\": ...} lines", split_default="val")
    p.add_argument("--format", choices=["neus", "jsonl"], default="neus", help="input layout (default neus)")
    _runtime(p)

    p = sub.add_parser("cluster", help="one run on a cluster (the seeds) against held-out annotations, "
                                       "reference repairs or a reference summary")
    p.add_argument("--report", required=True, help="the JSON report of `summarizer run --json`")
    p.add_argument("--annotation", help="JSON lines {\"source\", \"sentence\", \"bad\"}: detection P/R/F1")
    p.add_argument("--repairs", help="JSON lines {\"source\", \"sentence\", \"reference\"}: chrF gap closed, "
                                     "invented facts")
    p.add_argument("--summary-reference", help="a reference summary (text file): ROUGE-1/2/L")
    p.add_argument("--json", dest="json_out", help="write the result here")

    p = sub.add_parser("all", help="every task on every available dataset; writes eval/results/")
    p.add_argument("--quick", action="store_true", help="small fixed limits (a few minutes)")
    p.add_argument("--data-root", help="folder holding mlqe-pe/ and neus/ (default ../shared/data)")
    p.add_argument("--out", help="results folder (default eval/results)")
    p.add_argument("--tasks", default="qe,repair,summarize", help="comma-separated subset of tasks")
    _runtime(p)
    return ev


def _config(args):
    from ..config import Config

    return Config.load(getattr(args, "config", None),
                       generator_backend=getattr(args, "generator_backend", None),
                       generator_model=getattr(args, "generator_model", None),
                       generator_url=getattr(args, "generator_url", None),
                       threads=getattr(args, "threads", None),
                       threshold=getattr(args, "threshold", None))


def _run_cluster(args) -> int:
    import json

    from .cluster import evaluate_cluster, format_cluster
    from .datasets import DataError

    try:
        result = evaluate_cluster(args.report, annotation=args.annotation, repairs=args.repairs,
                                  summary_reference=args.summary_reference)
    except DataError as exc:
        print(f"summarizer eval cluster: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(format_cluster(result))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return EXIT_OK


def run_eval(args) -> int:
    from .datasets import DataError
    from .runner import run_all, run_task

    if args.eval_command == "cluster":
        return _run_cluster(args)
    config = _config(args)
    cache_dir = None if args.no_cache else args.cache_dir
    progress = not args.quiet
    try:
        if args.eval_command == "all":
            tasks = tuple(t.strip() for t in args.tasks.split(",") if t.strip())
            unknown = set(tasks) - {"qe", "repair", "summarize"}
            if unknown:
                print(f"summarizer eval all: unknown task(s) {', '.join(sorted(unknown))}", file=sys.stderr)
                return EXIT_INPUT
            run_all(config, quick=args.quick, data_root=args.data_root, out_dir=args.out, cache_dir=cache_dir,
                    progress=progress, tasks=tasks)
        else:
            run_task(args.eval_command, config, fmt=args.format, data=args.data, split=args.split, limit=args.limit,
                     mode=getattr(args, "mode", "bilingual"), json_out=args.json_out, cache_dir=cache_dir,
                     progress=progress, src_lang=getattr(args, "src_lang", None))
    except DataError as exc:
        print(f"summarizer eval {args.eval_command}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ValueError as exc:
        if "mode" in str(exc) or "needs" in str(exc) or "no post-edits" in str(exc):
            print(f"summarizer eval {args.eval_command}: {exc}", file=sys.stderr)
            return EXIT_INPUT
        raise
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from ..config import apply_runtime_environment

    apply_runtime_environment()
    parser = argparse.ArgumentParser(prog="summarizer")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "eval":  # standalone: `python -m summarizer.evaluation.cli qe ...`
        argv = ["eval", *argv]
    return run_eval(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
