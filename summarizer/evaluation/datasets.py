"""Readers for the evaluation data: MLQE-PE, NeuS and a generic JSON-lines format.

Each reader returns plain records (one per item of the split, in file order) so the
task runners never look at file layouts. ``limit`` takes the first N items.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import PROJECT_ROOT
from .metrics import DETOK_NAME, detokenize, word_tags

# ../shared/data beside the project's root (development and CI only; users bring their own)
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


class DataError(ValueError):
    """A dataset folder or file that cannot be read; the message names it."""


@dataclass
class Segment:
    """One MT segment: what the stages see (detokenized) and the references."""

    index: int
    mt: str  # detokenized MT: what detection and repair receive
    src: str | None = None  # source sentence (detokenized where the data has it)
    pe: str | None = None  # detokenized post-edit (repair reference)
    mt_tokens: list[str] | None = None  # the tokenized MT the word tags refer to
    tags: list[str] | None = None  # gold word tags (OK/BAD) over mt_tokens
    hter: float | None = None
    z_mean: float | None = None  # human DA quality (higher is better)
    model_score: float | None = None  # the MT system's own log-probability (glass-box)


@dataclass
class SegmentSet:
    name: str  # e.g. "ru-en"
    split: str
    segments: list[Segment]
    src_lang: str | None = None
    total: int = 0  # items in the split before --limit
    notes: dict = field(default_factory=dict)  # e.g. tokenization handling


@dataclass
class Story:
    """One summarization item: several source articles and a reference summary."""

    index: int
    documents: list[dict]  # [{"title": ..., "text": ...}]
    reference: str


@dataclass
class StorySet:
    name: str
    split: str
    stories: list[Story]
    total: int = 0


def _lines(path: Path) -> list[str]:
    # split on "\n" only: str.splitlines also breaks on U+2028/U+0085, which occur
    # inside MLQE-PE sentences and would misalign the line-aligned files
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _take(n_total: int, limit: int | None) -> int:
    return n_total if limit is None or limit <= 0 else min(limit, n_total)


# --- MLQE-PE ---------------------------------------------------------------------------

def read_mlqe(data_dir: str | Path, split: str, limit: int | None = None) -> SegmentSet:
    """``DIR/SPLIT.{src,mt,pe,hter,da.tsv,tags}``, line-aligned; only ``.mt`` is required."""
    d = Path(data_dir)
    mt_path = d / f"{split}.mt"
    if not mt_path.is_file():
        raise DataError(f"{mt_path}: not found (expected the MLQE-PE layout DIR/SPLIT.mt, .src, .pe, ...)")
    mt_tok = _lines(mt_path)
    n = _take(len(mt_tok), limit)
    cols: dict[str, list] = {}
    for ext in ("src", "pe", "hter", "tags"):
        p = d / f"{split}.{ext}"
        if p.is_file():
            cols[ext] = _lines(p)
            if len(cols[ext]) != len(mt_tok):
                raise DataError(f"{p}: {len(cols[ext])} lines but {mt_path} has {len(mt_tok)}")
    da = None
    da_path = d / f"{split}.da.tsv"
    if da_path.is_file():
        with open(da_path, encoding="utf-8", newline="") as fh:
            da = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(da) != len(mt_tok):
            raise DataError(f"{da_path}: {len(da)} rows but {mt_path} has {len(mt_tok)}")
    segments = []
    agree = 0
    for i in range(n):
        row = da[i] if da else None
        detok_mt = detokenize(mt_tok[i])
        if row is not None:
            agree += detok_mt == row["translation"]
        seg = Segment(
            index=i,
            # the data's own detokenized MT and source when it has them
            mt=row["translation"] if row else detok_mt,
            src=(row["original"] if row else detokenize(cols["src"][i])) if ("src" in cols or row) else None,
            pe=detokenize(cols["pe"][i]) if "pe" in cols else None,
            mt_tokens=mt_tok[i].split(),
            tags=word_tags(cols["tags"][i]) if "tags" in cols else None,
            hter=float(cols["hter"][i]) if "hter" in cols else None,
            z_mean=_float(row.get("z_mean")) if row else None,
            model_score=_float(row.get("model_scores")) if row else None,
        )
        if seg.tags is not None and len(seg.tags) != len(seg.mt_tokens):
            seg.tags = None  # misaligned line: word-level scoring skips it rather than guess
        segments.append(seg)
    pair = d.name
    src_lang = pair.split("-")[0] if re.fullmatch(r"[a-z]{2,3}-[a-z]{2,3}", pair) else None
    notes = {"tokenization": f"MLQE-PE .mt/.pe are tokenized; mt and pe detokenized with {DETOK_NAME}, "
                             "stages receive the data's own detokenized MT (dev.da.tsv 'translation') "
                             "when present, all scored with sacrebleu 13a"}
    if da and n:
        notes["detok_agreement"] = round(agree / n, 4)
    return SegmentSet(name=pair, split=split, segments=segments, src_lang=src_lang, total=len(mt_tok), notes=notes)


def _float(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# --- NeuS ------------------------------------------------------------------------------

_MARKERS = re.compile(r"\s*\b(?:TITLE|ARTICLE)=>\s*")


def strip_markers(text: str) -> str:
    """Remove NeuS's ``TITLE=>`` / ``ARTICLE=>`` markers (from sources and targets alike)."""
    return re.sub(r"\s{2,}", " ", _MARKERS.sub(" ", text)).strip()


def parse_neus_part(part: str) -> dict:
    """``TITLE=> t ARTICLE=> a`` -> {"title": t, "text": a}."""
    m = re.match(r"\s*TITLE=>\s*(.*?)\s*ARTICLE=>\s*(.*)\s*$", part, re.S)
    if not m:
        return {"title": None, "text": strip_markers(part)}
    return {"title": m.group(1).strip() or None, "text": m.group(2).strip()}


def read_neus(data_dir: str | Path, split: str, limit: int | None = None) -> StorySet:
    """``DIR/SPLIT.source`` (parts joined by `` [SEP] ``) and ``DIR/SPLIT.target``."""
    d = Path(data_dir)
    src, tgt = d / f"{split}.source", d / f"{split}.target"
    for p in (src, tgt):
        if not p.is_file():
            raise DataError(f"{p}: not found (expected the NeuS layout DIR/SPLIT.source and DIR/SPLIT.target)")
    sources, targets = _lines(src), _lines(tgt)
    if len(sources) != len(targets):
        raise DataError(f"{src} has {len(sources)} lines but {tgt} has {len(targets)}")
    n = _take(len(sources), limit)
    stories = [Story(index=i, documents=[parse_neus_part(p) for p in sources[i].split(" [SEP] ") if p.strip()],
                     reference=strip_markers(targets[i])) for i in range(n)]
    return StorySet(name=d.name, split=split, stories=stories, total=len(sources))


# --- generic JSON lines ----------------------------------------------------------------

def _jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise DataError(f"{path}: not found")
    out = []
    for k, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{k}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{k}: expected a JSON object per line")
        out.append(obj)
    return out


def read_jsonl_segments(path: str | Path, limit: int | None = None, src_lang: str | None = None) -> SegmentSet:
    """Lines of ``{"src": ..., "mt": ..., "ref": ...}``; optional ``"score"`` (human quality,
    higher is better) and ``"hter"``. Without ``hter``, TER(mt, ref) stands in for it."""
    from .metrics import sentence_ter

    p = Path(path)
    rows = _jsonl(p)
    n = _take(len(rows), limit)
    segs = []
    for i, r in enumerate(rows[:n]):
        if not isinstance(r.get("mt"), str):
            raise DataError(f"{p}: item {i + 1} has no \"mt\" string")
        ref = r.get("ref")
        hter = _float(r.get("hter"))
        if hter is None and isinstance(ref, str):
            hter = sentence_ter(r["mt"], ref)
        segs.append(Segment(index=i, mt=r["mt"], src=r.get("src"), pe=ref, hter=hter, z_mean=_float(r.get("score"))))
    return SegmentSet(name=p.stem, split=p.suffix.lstrip(".") or "jsonl", segments=segs, src_lang=src_lang,
                      total=len(rows), notes={"tokenization": "jsonl text used as given; sacrebleu 13a"})


def read_jsonl_stories(path: str | Path, limit: int | None = None) -> StorySet:
    """Lines of ``{"documents": [str | {"title", "text"}], "summary": str}``."""
    p = Path(path)
    rows = _jsonl(p)
    n = _take(len(rows), limit)
    stories = []
    for i, r in enumerate(rows[:n]):
        docs = r.get("documents")
        if not isinstance(docs, list) or not docs or not isinstance(r.get("summary"), str):
            raise DataError(f"{p}: item {i + 1} needs \"documents\" (a list) and \"summary\" (a string)")
        norm = [d if isinstance(d, dict) else {"title": None, "text": str(d)} for d in docs]
        stories.append(Story(index=i, documents=[{"title": d.get("title"), "text": d.get("text", "")} for d in norm],
                             reference=r["summary"]))
    return StorySet(name=p.stem, split=p.suffix.lstrip(".") or "jsonl", stories=stories, total=len(rows))
