"""Run one task end to end (read data, evaluate, print, write JSON + plot), and
``eval all``: every task on every available dataset, with a combined Markdown table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..config import PROJECT_ROOT, Config
from .datasets import SHARED_DATA, read_jsonl_segments, read_jsonl_stories, read_mlqe, read_neus
from .repair import paired_text
from .summarize import significance_text

RESULTS_DIR = PROJECT_ROOT / "eval" / "results"
# --quick: small fixed limits so `eval all --quick` takes minutes on 2 CPU cores
QUICK_LIMITS = {"qe": 50, "repair": 10, "summarize": 5}
MLQE_SPLIT, NEUS_SPLIT = "dev", "val"


def load_segments(fmt: str, data: str, split: str, limit: int | None, src_lang: str | None = None):
    if fmt == "jsonl":
        return read_jsonl_segments(data, limit=limit, src_lang=src_lang)
    seg = read_mlqe(data, split, limit=limit)
    if src_lang:
        seg.src_lang = src_lang
    return seg


def load_stories(fmt: str, data: str, split: str, limit: int | None):
    if fmt == "jsonl":
        return read_jsonl_stories(data, limit=limit)
    return read_neus(data, split, limit=limit)


def run_task(task: str, config: Config, *, fmt: str, data: str, split: str, limit: int | None,
             mode: str = "bilingual", json_out: str | Path | None = None, cache_dir=None, progress: bool = True,
             src_lang: str | None = None, ctx=None, pipeline=None) -> dict[str, Any]:
    from . import plots

    if task in ("qe", "repair"):
        segset = load_segments(fmt, data, split, limit, src_lang)
        if ctx is None:
            from ..context import Context

            ctx = Context.create(config)
        if task == "qe":
            from .qe import evaluate_qe, format_qe

            result = evaluate_qe(segset, ctx, mode=mode, cache_dir=cache_dir, progress=progress)
            text = format_qe(result)
        else:
            from .repair import evaluate_repair, format_repair

            result = evaluate_repair(segset, ctx, mode=mode, cache_dir=cache_dir, progress=progress)
            text = format_repair(result)
    elif task == "summarize":
        from .summarize import evaluate_summarize, format_summarize

        stories = load_stories(fmt, data, split, limit)
        result = evaluate_summarize(stories, config, cache_dir=cache_dir, progress=progress, pipeline=pipeline)
        text = format_summarize(result)
    else:
        raise ValueError(f"unknown task {task!r}")
    print(text)
    if json_out:
        out = Path(json_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        png = _plot(task, result, out.with_suffix(".png"), plots)
        print(f"wrote {out}" + (f" and {png}" if png else ""), file=sys.stderr)
    return result


def _plot(task: str, result: dict[str, Any], png: Path, plots) -> Path | None:
    sig = result["signature"]
    title = f"{task} {sig['data']} {sig['split']} n={sig['n']}"
    if task == "qe":
        z = [i.get("z_mean") for i in result["items"]]
        if all(v is None for v in z):
            return None
        row = next((r for r in result["table"] if r["system"] == "summarizer" and r["against"] == "z_mean"), None)
        return plots.qe_scatter([i["quality"] for i in result["items"]], z, png, title,
                                r=row["pearson"] if row else None)
    if task == "repair":
        systems = {name: result["scores"]["all"][name] for name in ("summarizer", "do-nothing")}
        return plots.metric_bars(systems, ["bleu", "chrf", "ter"], png, title + " (all segments, vs post-edit)")
    systems = {name: {k: v for k, v in m.items()} for name, m in result["scores"].items()}
    return plots.metric_bars(systems, ["rouge1", "rouge2", "rougeL"], png, title + " ROUGE F1")


# --- eval all ---------------------------------------------------------------------------

def run_all(config: Config, *, quick: bool, data_root: str | Path | None = None, out_dir: str | Path | None = None,
            cache_dir=None, progress: bool = True, tasks=("qe", "repair", "summarize")) -> list[dict[str, Any]]:
    root = Path(data_root) if data_root else SHARED_DATA
    out_dir = Path(out_dir) if out_dir else RESULTS_DIR
    summaries = []
    mlqe = root / "mlqe-pe"
    pairs = sorted(p.name for p in mlqe.iterdir() if (p / f"{MLQE_SPLIT}.mt").is_file()) if mlqe.is_dir() else []
    from ..context import Context

    ctx = Context.create(config)
    for task in ("qe", "repair"):
        if task not in tasks:
            continue
        for pair in pairs:
            res = run_task(task, config, fmt="mlqe", data=str(mlqe / pair), split=MLQE_SPLIT,
                           limit=QUICK_LIMITS[task] if quick else None, mode="bilingual",
                           json_out=out_dir / f"{task}-{pair}-{MLQE_SPLIT}.json", cache_dir=cache_dir,
                           progress=progress, ctx=ctx)
            summaries.append(res)
    neus = root / "neus"
    if "summarize" in tasks and (neus / f"{NEUS_SPLIT}.source").is_file():
        res = run_task("summarize", config, fmt="neus", data=str(neus), split=NEUS_SPLIT,
                       limit=QUICK_LIMITS["summarize"] if quick else None,
                       json_out=out_dir / f"summarize-neus-{NEUS_SPLIT}.json", cache_dir=cache_dir,
                       progress=progress)
        summaries.append(res)
    # the table covers every result in the folder, so running one task refreshes its rows
    # without dropping the others
    every = []
    for path in sorted(out_dir.glob("*-*-*.json")):
        try:
            every.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    order = {"qe": 0, "repair": 1, "summarize": 2}
    every.sort(key=lambda r: (order.get(r["signature"]["task"], 3), r["signature"]["data"]))
    readme = out_dir / "README.md"
    readme.write_text(results_markdown(every or summaries, quick=quick), encoding="utf-8")
    print(f"wrote {readme}", file=sys.stderr)
    return summaries


def _n(v, fmt="{:.3f}") -> str:
    return "–" if v is None else fmt.format(v)


def results_markdown(results: list[dict[str, Any]], quick: bool) -> str:
    lines = ["# Evaluation results", "",
             f"Generated by `summarizer eval all{' --quick' if quick else ''}`"
             + (f" (quick: first {QUICK_LIMITS['qe']} / {QUICK_LIMITS['repair']} / {QUICK_LIMITS['summarize']} "
                "items of each split for qe / repair / summarize; small samples, wide intervals)" if quick else "")
             + ". Every JSON beside this file has the full signature and every item's output.", ""]
    qe = [r for r in results if r["signature"]["task"] == "qe"]
    if qe:
        lines += ["## Detection (QE): correlation of quality (1 - badness) with human judgements", "",
                  "| data | n | mode | system | Pearson z_mean [95% CI] | Spearman z_mean | Pearson -HTER [95% CI] | Spearman -HTER |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in qe:
            sig = r["signature"]
            by = {}
            for row in r["table"]:
                by.setdefault(row["system"], {})[row["against"]] = row
            for system, rows in by.items():
                z, h = rows.get("z_mean", {}), rows.get("-hter", {})
                lines.append(f"| {sig['data']} {sig['split']} | {sig['n']} | {sig['mode']} | {system} | "
                             f"{_n(z.get('pearson'))} {_ci(z.get('pearson_ci'))} | {_n(z.get('spearman'))} | "
                             f"{_n(h.get('pearson'))} {_ci(h.get('pearson_ci'))} | {_n(h.get('spearman'))} |")
            w = r.get("word_level") or {}
            if "summarizer" in w:
                lines.append(f"| {sig['data']} {sig['split']} | {w['segments']} | {sig['mode']} | word-level | "
                             f"F1-BAD {_n(w['summarizer']['f1_bad'])} (all-BAD {_n(w['all-BAD baseline']['f1_bad'])}) "
                             f"| F1-mult {_n(w['summarizer']['f1_mult'])} | | |")
        lines.append("")
    rep = [r for r in results if r["signature"]["task"] == "repair"]
    if rep:
        lines += ["## Repair: output and untouched MT (do nothing) against the human post-edit", "",
                  "| data | n | flagged | repaired | guard-rejected | subset | system | BLEU | chrF | TER |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rep:
            sig, c = r["signature"], r["counts"]
            for subset, rows in r["scores"].items():
                for name, m in rows.items():
                    lines.append(f"| {sig['data']} {sig['split']} | {sig['n']} | {c['flagged']} | {c['repaired']} | "
                                 f"{c['rejected_by_guard']} | {subset} (n={m['n']}) | {name} | {_n(m['bleu'], '{:.2f}')} | "
                                 f"{_n(m['chrf'], '{:.2f}')} | {_n(m['ter'], '{:.2f}')} |")
        lines += ["", "Summarizer minus do nothing on the same segments, with sacreBLEU's paired bootstrap "
                  "p-value (1000 resamples; TER: lower is better):", "",
                  "| data | n | mode | subset | BLEU | chrF | TER |", "|---|---|---|---|---|---|---|"]
        for r in rep:
            sig = r["signature"]
            for subset, test in (r.get("significance") or {}).items():
                n = r["scores"][subset]["summarizer"]["n"]
                lines.append(f"| {sig['data']} {sig['split']} | {sig['n']} | {sig['mode']} | {subset} (n={n}) | "
                             + " | ".join(paired_text(test.get(k)) for k in ("bleu", "chrf", "ter")) + " |")
        lines.append("")
    summ = [r for r in results if r["signature"]["task"] == "summarize"]
    if summ:
        lines += ["## Summaries: ROUGE F1 against the human neutral roundup", "",
                  "| data | n | system | ROUGE-1 | ROUGE-2 | ROUGE-L | avg words |", "|---|---|---|---|---|---|---|"]
        for r in summ:
            sig = r["signature"]
            for name, m in r["scores"].items():
                lines.append(f"| {sig['data']} {sig['split']} | {sig['n']} | {name} | {_n(m['rouge1'], '{:.2f}')} | "
                             f"{_n(m['rouge2'], '{:.2f}')} | {_n(m['rougeL'], '{:.2f}')} | {m['avg_words']} |")
        lines += ["", "Summarizer minus each baseline, per story: mean [95% bootstrap interval] and two-sided p "
                  "(1000 paired resamples):", "",
                  "| data | n | baseline | ROUGE-1 | ROUGE-2 | ROUGE-L |", "|---|---|---|---|---|---|"]
        for r in summ:
            sig = r["signature"]
            for name, by_type in (r.get("significance") or {}).items():
                lines.append(f"| {sig['data']} {sig['split']} | {sig['n']} | {name} | "
                             + " | ".join(significance_text(by_type[k]) for k in ("rouge1", "rouge2", "rougeL")) + " |")
        lines.append("")
    lines += ["## Signatures", ""] + [f"- `{r['signature']['string']}`" for r in results] + [""]
    return "\n".join(lines)


def _ci(ci) -> str:
    return "" if not ci or ci[0] is None else f"[{ci[0]:.2f}, {ci[1]:.2f}]"
