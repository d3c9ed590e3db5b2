"""``eval cluster``: score one run on a cluster (the seeds) against held-out annotations.

The issues check the seeds with files this project does not have: a sentence-level
annotation of which sentences are badly translated, reference repairs, and a reference
summary. This scores a ``summarizer run --json`` report against any of them:

- ``--annotation`` (JSON lines ``{"source": file name, "sentence": text, "bad": bool}``):
  detection precision, recall and F1 on the bad sentences, and the share of clean
  sentences flagged;
- ``--repairs`` (``{"source", "sentence", "reference"}``): corpus chrF of the untouched
  sentences and of the tool's output against the references, the share of that gap the
  tool closed, and invented facts: names and numbers of applied repairs that no article
  of the cluster contains;
- ``--summary-reference`` (a text file): ROUGE-1/2/L F1 of the summary.

A line's ``sentence`` is matched to the report's sentences of that source by its text
(whitespace-normalised; a unique substring is enough); ``source`` may be left out when
the text is unique in the cluster. A line that matches no sentence, or several, is an
error naming the line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..align import names_in, numbers_in
from .datasets import DataError


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def _lines(path: str | Path) -> list[dict]:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: not found")
    rows = []
    for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}:{k}: not JSON ({exc.msg})") from None
    return rows


def _digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _find(report: dict, row: dict, where: str) -> tuple[dict, dict]:
    """The (document, sentence) of the report a line names."""
    want = _norm(row.get("sentence", ""))
    if not want:
        raise DataError(f"{where}: no \"sentence\"")
    source = row.get("source")
    hits = []
    for doc in report.get("documents", []):
        if source and source not in (doc.get("source"), doc.get("id")):
            continue
        for s in doc.get("sentences", []):
            text = _norm(s.get("text", ""))
            if text == want:
                return doc, s
            if want in text or (len(text) > 20 and text in want):
                hits.append((doc, s))
    if len(hits) != 1:
        raise DataError(f"{where}: {'no' if not hits else len(hits)} sentence(s) of "
                        f"{source or 'the cluster'} match {want[:80]!r}")
    return hits[0]


def _english(s: dict) -> str:
    return s.get("translation") if s.get("translation") is not None else s.get("text", "")


def detection_scores(report: dict, rows: list[dict], name: str = "annotation") -> dict[str, Any]:
    tp = fp = fn = clean = 0
    for k, row in enumerate(rows, 1):
        _, s = _find(report, row, f"{name} line {k}")
        bad, flagged = bool(row.get("bad")), bool(s.get("flagged"))
        tp += bad and flagged
        fp += flagged and not bad
        fn += bad and not flagged
        clean += not bad
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return {"n": len(rows), "bad": tp + fn, "clean": clean, "tp": tp, "fp": fp, "fn": fn,
            "precision": precision, "recall": recall, "f1": f1,
            "clean_flagged": fp / clean if clean else None}


def repair_scores(report: dict, rows: list[dict], name: str = "repairs") -> dict[str, Any]:
    from sacrebleu.metrics import CHRF

    sources = " ".join(_norm(d.get("text", "")) + " " + " ".join(_norm(s.get("translation") or "")
                                                                for s in d.get("sentences", []))
                       for d in report.get("documents", []))
    original, output, refs, invented = [], [], [], []
    for k, row in enumerate(rows, 1):
        if not _norm(row.get("reference", "")):
            raise DataError(f"{name} line {k}: no \"reference\"")
        _, s = _find(report, row, f"{name} line {k}")
        before = _english(s)
        rep = s.get("repair") or {}
        after = rep.get("text") if rep.get("applied") else before
        original.append(before)
        output.append(after)
        refs.append(row["reference"])
        if rep.get("applied"):
            new = [w for w in dict.fromkeys(names_in(after) + numbers_in(after))
                   if w not in names_in(before) + numbers_in(before) and w not in sources]
            invented += [f"{w!r} in {after[:80]!r}" for w in new]
    chrf = CHRF()
    c0 = chrf.corpus_score(original, [refs]).score
    c1 = chrf.corpus_score(output, [refs]).score
    return {"n": len(rows), "changed": sum(a != b for a, b in zip(original, output)),
            "chrf_original": round(c0, 2), "chrf_tool": round(c1, 2),
            "gap_closed": round((c1 - c0) / (100 - c0), 4) if c0 < 100 else None,
            "invented_facts": len(invented), "invented": invented}


def evaluate_cluster(report_path: str | Path, *, annotation: str | Path | None = None,
                     repairs: str | Path | None = None, summary_reference: str | Path | None = None) -> dict[str, Any]:
    path = Path(report_path)
    if not path.is_file():
        raise DataError(f"{path}: not found (a report written by `summarizer run --json`)")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not a JSON report ({exc.msg})") from None
    if not (annotation or repairs or summary_reference):
        raise DataError("give at least one of --annotation, --repairs, --summary-reference")
    out: dict[str, Any] = {}
    parts = [f"report:{_digest(path)}"]
    if annotation:
        out["detection"] = detection_scores(report, _lines(annotation))
        parts.append(f"annotation:{_digest(annotation)}")
    if repairs:
        out["repair"] = repair_scores(report, _lines(repairs))
        parts.append(f"repairs:{_digest(repairs)}")
    if summary_reference:
        from .metrics import rouge

        ref = Path(summary_reference)
        if not ref.is_file():
            raise DataError(f"{ref}: not found")
        summary = " ".join(s.get("text", "") for s in report.get("summary", {}).get("sentences", []))
        out["summary"] = rouge([summary], [ref.read_text(encoding="utf-8")]) | {"words": len(summary.split())}
        parts.append(f"summary_reference:{_digest(ref)}")
    gen = (report.get("models") or {}).get("generator") or {}
    threshold = (report.get("settings") or {}).get("threshold")
    out["signature"] = "|".join(["task:cluster", *parts, f"generator:{gen.get('name', '-')}",
                                 f"thr:{threshold}", f"version:{__version__}"])
    return out


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def format_cluster(result: dict[str, Any]) -> str:
    lines = []
    if "detection" in result:
        d = result["detection"]
        f1 = "-" if d["f1"] is None else f"{d['f1']:.3f}"
        lines.append(f"detection: {d['n']} annotated ({d['bad']} bad, {d['clean']} clean): precision "
                     f"{_pct(d['precision'])}, recall {_pct(d['recall'])}, F1 {f1}, clean flagged "
                     f"{_pct(d['clean_flagged'])} (tp {d['tp']}, fp {d['fp']}, fn {d['fn']})")
    if "repair" in result:
        r = result["repair"]
        lines.append(f"repair: {r['n']} references, {r['changed']} changed: chrF untouched {r['chrf_original']:.2f}"
                     f" -> tool {r['chrf_tool']:.2f}, gap closed {_pct(r['gap_closed'])}; invented facts "
                     f"{r['invented_facts']}")
        lines += [f"  invented: {x}" for x in r["invented"]]
    if "summary" in result:
        s = result["summary"]
        lines.append(f"summary: ROUGE-1/2/L {s['rouge1']}/{s['rouge2']}/{s['rougeL']} ({s['words']} words)")
    lines.append(result["signature"])
    return "\n".join(lines)
