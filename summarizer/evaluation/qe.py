"""``eval qe``: how well the detection stage's quality (1 - badness) tracks human judgement.

Pearson and Spearman with human DA ``z_mean`` and with -HTER (95% bootstrap intervals),
beside the glass-box baseline (the MT model's own log-probability) and a length
baseline; word-level F1 of BAD words when the data has tags and the stage gives spans.
"""

from __future__ import annotations

import time
from typing import Any

from .baselines import length_quality
from .cache import ItemCache, item_key, process
from .datasets import SegmentSet
from .metrics import correlation, spans_to_word_tags, tag_f1, token_char_spans
from .signature import make_signature, system_fingerprint


def _reason_code(r: Any) -> str:
    if isinstance(r, str):
        return r
    if isinstance(r, dict):
        return str(r.get("code", r))
    return str(getattr(r, "code", r))


def _spans(a: Any) -> list[list[int]] | None:
    spans = getattr(a, "bad_spans", None)
    if spans is None:
        return None
    return [[int(s), int(e)] for s, e in spans]


def evaluate_qe(data: SegmentSet, ctx, *, mode: str = "bilingual", cache_dir=None, progress: bool = True,
                assessor=None, batch_size: int = 32, n_resamples: int = 1000) -> dict[str, Any]:
    if mode not in ("target", "bilingual"):
        raise ValueError(f"mode must be target or bilingual, not {mode!r}")
    if assessor is None:
        from ..assess import Assessor

        assessor = Assessor(ctx)
    segs = data.segments
    fingerprint = system_fingerprint(ctx.config, {"task": "qe", "mode": mode}, task="qe")
    cache = ItemCache.for_run(cache_dir, "qe", data.name, data.split, mode, fingerprint)
    bilingual = mode == "bilingual"

    def compute(batch):
        mt = [s.mt for s in batch]
        src = [s.src or "" for s in batch] if bilingual else None
        start = time.perf_counter()
        out = assessor.score_segments(mt, src=src, src_lang=data.src_lang if bilingual else None)
        sec = (time.perf_counter() - start) / max(1, len(batch))
        return [{"quality": round(1.0 - float(a.score), 6), "score": float(a.score), "bad_spans": _spans(a),
                 "reasons": sorted({_reason_code(r) for r in (getattr(a, "reasons", None) or [])}),
                 "seconds": round(sec, 4)} for a in out]

    if bilingual and any(s.src is None for s in segs):
        raise ValueError(f"{data.name}: bilingual mode needs the source sentences ({data.split}.src); "
                         "use --mode target")
    keys = [item_key(s.mt, s.src if bilingual else None, data.src_lang if bilingual else None) for s in segs]
    start = time.perf_counter()
    records, computed = process(segs, keys, [s.index for s in segs], cache, compute, batch_size=batch_size,
                                desc=f"qe {data.name}", progress=progress)
    wall = time.perf_counter() - start
    cache.put_models(dict(ctx.models.used))

    quality = [r["quality"] for r in records]
    systems = {"summarizer": quality,
               "glass-box (MT model log-prob)": [s.model_score for s in segs],
               "length (-tokens)": [length_quality(s.mt) for s in segs]}
    human = {"z_mean": [s.z_mean for s in segs],
             "-hter": [None if s.hter is None else -s.hter for s in segs]}
    table = []
    for name, values in systems.items():
        if all(v is None for v in values):
            continue
        for target, gold in human.items():
            if all(g is None for g in gold):
                continue
            c = correlation(_nan(values), _nan(gold), n_resamples=n_resamples)
            table.append({"system": name, "against": target, **c})

    word = _word_level(segs, records)
    # gold values ride along so the JSON alone is enough to rescore or replot
    items = [{"index": s.index, "quality": r["quality"], "bad_spans": r["bad_spans"], "reasons": r["reasons"],
              "z_mean": s.z_mean, "hter": s.hter}
             for s, r in zip(segs, records)]
    models = {**cache.models, **ctx.models.used}
    sig = make_signature(task="qe", data=data.name, split=data.split, n=len(segs), total=data.total, mode=mode,
                         models=models, config=ctx.config, fingerprint=fingerprint,
                         settings={"src_lang": data.src_lang, **data.notes, "detector": _detector_meta(assessor)},
                         metrics={"correlation": "scipy pearsonr/spearmanr, 95% percentile bootstrap "
                                                 f"({n_resamples} paired resamples, seed 0)",
                                  "word_level": "sklearn f1_score of BAD/OK words; a word is BAD when any "
                                                "of its characters is in a bad span"})
    secs = [r.get("seconds") for r in records if r.get("seconds") is not None]
    return {"signature": sig, "table": table, "word_level": word,
            "timing": {"items_computed": computed, "items_cached": len(segs) - computed,
                       "wall_seconds": round(wall, 2),
                       "stage_seconds_per_item": round(sum(secs) / len(secs), 4) if secs else None},
            "items": items}


def _nan(values):
    return [float("nan") if v is None else v for v in values]


def _word_level(segs, records) -> dict[str, Any] | None:
    tagged = [(s, r) for s, r in zip(segs, records) if s.tags is not None and s.mt_tokens]
    if not tagged:
        return None
    if all(r["bad_spans"] is None for _, r in tagged):
        return {"note": "the detection stage returned no bad spans; word-level F1 not computed"}
    gold, pred, all_bad = [], [], []
    for s, r in tagged:
        spans = token_char_spans(s.mt_tokens, s.mt)
        gold.append(s.tags)
        pred.append(spans_to_word_tags(spans, r["bad_spans"] or []))
        all_bad.append(["BAD"] * len(s.tags))
    return {"summarizer": tag_f1(gold, pred), "all-BAD baseline": tag_f1(gold, all_bad), "segments": len(tagged)}


def format_qe(result: dict[str, Any]) -> str:
    lines = [f"QE {result['signature']['data']} {result['signature']['split']} "
             f"n={result['signature']['n']} mode={result['signature']['mode']}",
             f"{'system':<32} {'vs':<7} {'pearson':>8} {'95% CI':>17} {'spearman':>9} {'95% CI':>17}"]
    for row in result["table"]:
        lines.append(f"{row['system']:<32} {row['against']:<7} {_f(row['pearson']):>8} {_ci(row['pearson_ci']):>17} "
                     f"{_f(row['spearman']):>9} {_ci(row['spearman_ci']):>17}")
    w = result.get("word_level")
    if w and "summarizer" in w:
        for name in ("summarizer", "all-BAD baseline"):
            m = w[name]
            lines.append(f"word-level {name:<20} F1-BAD {_f(m['f1_bad'])}  F1-OK {_f(m['f1_ok'])}  "
                         f"F1-mult {_f(m['f1_mult'])}  MCC {_f(m['mcc'])}  ({m['words']} words)")
    elif w:
        lines.append(w["note"])
    lines.append(result["signature"]["string"])
    return "\n".join(lines)


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def _ci(ci) -> str:
    return "-" if not ci or ci[0] is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _detector_meta(assessor) -> dict | None:
    """What the detection model was trained/tuned on (so dev numbers can be read right)."""
    models = getattr(assessor, "models", None)
    meta = models.get("meta") if isinstance(models, dict) else None
    meta = dict(meta) if isinstance(meta, dict) else None
    look = getattr(assessor, "second_look", None)
    if meta is not None and look is not None:  # which segments the generator re-read, fitted on what
        meta["second_look"] = {"band": list(look.band), "weights": look.weights, "bias": look.bias,
                               "train_rows": look.spec.get("meta", {}).get("train_rows")}
    return meta
