"""``eval repair``: does detection + repair bring the MT closer to the human post-edit?

BLEU, chrF and TER against the post-edit for the tool's output and for the untouched MT
(the do-nothing baseline), on all segments and on the subset the tool changed, plus how
many segments were flagged, repaired, and rejected by the guard.
"""

from __future__ import annotations

import time
from typing import Any

from .cache import ItemCache, item_key, process
from .datasets import SegmentSet
from .metrics import MIN_PAIRED, mt_scores, mt_signatures, paired_mt_test
from .signature import make_signature, system_fingerprint
from ..models.reply_cache import replies_since
from ..repair import NO_CHANGE, UNVERIFIABLE


def evaluate_repair(data: SegmentSet, ctx, *, mode: str = "bilingual", cache_dir=None, progress: bool = True,
                    repairer=None, assessor=None, batch_size: int = 4) -> dict[str, Any]:
    if mode not in ("target", "bilingual"):
        raise ValueError(f"mode must be target or bilingual, not {mode!r}")
    segs = [s for s in data.segments if s.pe is not None]
    if not segs:
        raise ValueError(f"{data.name}: no post-edits ({data.split}.pe / \"ref\") to score repairs against")
    bilingual = mode == "bilingual"
    if bilingual and any(s.src is None for s in segs):
        raise ValueError(f"{data.name}: bilingual mode needs the source sentences; use --mode target")
    if repairer is None:
        from ..repair import Repairer

        repairer = Repairer(ctx)
    if assessor is None:
        try:
            from ..assess import Assessor

            assessor = Assessor(ctx)
        except ImportError:
            assessor = None  # the repairer assesses by itself when given no assessments
    fingerprint = system_fingerprint(ctx.config, {"task": "repair", "mode": mode}, task="repair")
    cache = ItemCache.for_run(cache_dir, "repair", data.name, data.split, mode, fingerprint)

    def compute(batch):
        mt = [s.mt for s in batch]
        src = [s.src or "" for s in batch] if bilingual else None
        lang = data.src_lang if bilingual else None
        start = time.perf_counter()
        assessments = assessor.score_segments(mt, src=src, src_lang=lang) if assessor is not None else None
        out = repairer.repair_segments(mt, src=src, src_lang=lang, assessments=assessments)
        sec = (time.perf_counter() - start) / max(1, len(batch))
        recs = []
        for k, r in enumerate(out):
            recs.append({"output": r.output, "flagged": bool(r.flagged), "applied": bool(r.applied),
                         "guard": str(getattr(r, "guard", "") or ""),
                         "score": None if assessments is None else float(assessments[k].score),
                         "seconds": round(sec, 4)})
        return recs

    keys = [item_key(s.mt, s.src if bilingual else None, data.src_lang if bilingual else None) for s in segs]
    replies_before = ctx.models.reply_cache_counts()
    start = time.perf_counter()
    records, computed = process(segs, keys, [s.index for s in segs], cache, compute, batch_size=batch_size,
                                desc=f"repair {data.name}", progress=progress)
    wall = time.perf_counter() - start
    replies_now = ctx.models.reply_cache_counts()
    cache.put_models(dict(ctx.models.used))

    out = [r["output"] for r in records]
    mt = [s.mt for s in segs]
    pe = [s.pe for s in segs]
    changed = [k for k, (o, m) in enumerate(zip(out, mt)) if o.strip() != m.strip()]
    scores = {
        "all": {"summarizer": mt_scores(out, pe), "do-nothing": mt_scores(mt, pe)},
        "changed": {"summarizer": mt_scores([out[k] for k in changed], [pe[k] for k in changed]),
                    "do-nothing": mt_scores([mt[k] for k in changed], [pe[k] for k in changed])},
    }
    # the tool against do nothing on the same segments: more than chance?
    significance = {"all": paired_mt_test(mt, out, pe),
                    "changed": paired_mt_test([mt[k] for k in changed], [out[k] for k in changed],
                                              [pe[k] for k in changed])}
    flagged = sum(r["flagged"] for r in records)
    applied = sum(r["applied"] for r in records)
    # the stage reports "no change proposed" / "not flagged" in .guard too: not rejections
    def no_change_proposed(r) -> bool:
        return r["guard"].startswith(NO_CHANGE)

    rejected = sum(1 for r in records if r["flagged"] and not r["applied"]
                   and r["guard"] not in ("", "ok", "not flagged", UNVERIFIABLE) and not no_change_proposed(r))
    no_change = sum(1 for r in records if r["flagged"] and no_change_proposed(r))
    unverifiable = sum(1 for r in records if r["flagged"] and r["guard"] == UNVERIFIABLE)
    counts = {"segments": len(segs), "flagged": flagged, "repaired": applied, "rejected_by_guard": rejected,
              "no_change_proposed": no_change, "not_rewritten_unverifiable": unverifiable,
              "changed": len(changed), "untouched_post_edits": sum(1 for s in segs if s.hter == 0)}
    items = [{"index": s.index, "output": r["output"], "flagged": r["flagged"], "applied": r["applied"],
              "guard": r["guard"]} for s, r in zip(segs, records)]
    models = {**cache.models, **ctx.models.used}
    sig = make_signature(task="repair", data=data.name, split=data.split, n=len(segs), total=data.total, mode=mode,
                         models=models, config=ctx.config, fingerprint=fingerprint,
                         settings={"src_lang": data.src_lang, **data.notes, "detector": _detector_meta(assessor)},
                         metrics={**mt_signatures(), "significance": significance["all"].get(
                             "signature", f"none: under {MIN_PAIRED} segments, the difference only")})
    secs = [r.get("seconds") for r in records if r.get("seconds") is not None]
    return {"signature": sig, "scores": scores, "significance": significance, "counts": counts,
            "timing": {"items_computed": computed, "items_cached": len(segs) - computed,
                       "generator_replies": replies_since(replies_before, replies_now),
                       "wall_seconds": round(wall, 2),
                       "stage_seconds_per_item": round(sum(secs) / len(secs), 4) if secs else None},
            "items": items}


def format_repair(result: dict[str, Any]) -> str:
    sig = result["signature"]
    c = result["counts"]
    lines = [f"repair {sig['data']} {sig['split']} n={sig['n']} mode={sig['mode']}: flagged {c['flagged']}, "
             f"repaired {c['repaired']}, rejected by guard {c['rejected_by_guard']}, changed {c['changed']}",
             f"{'subset':<8} {'system':<12} {'n':>5} {'BLEU':>7} {'chrF':>7} {'TER':>7}"]
    for subset, rows in result["scores"].items():
        for name, m in rows.items():
            lines.append(f"{subset:<8} {name:<12} {m['n']:>5} {_f(m['bleu']):>7} {_f(m['chrf']):>7} {_f(m['ter']):>7}")
    for subset, test in (result.get("significance") or {}).items():
        lines.append(f"{subset}: summarizer minus do-nothing (sacreBLEU paired bootstrap p): "
                     + ", ".join(f"{k.upper() if k != 'chrf' else 'chrF'} {paired_text(test.get(k))}"
                                 for k in ("bleu", "chrf", "ter")))
    lines.append(sig["string"])
    return "\n".join(lines)


def _f(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def paired_text(test: dict | None) -> str:
    """'+0.06 (p=0.41)': the tool minus do nothing and sacreBLEU's paired bootstrap p."""
    if not test or test.get("delta") is None:
        return "-"
    return f"{test['delta']:+.2f} (p={test['p_value']:.2g})" if test.get("p_value") is not None else f"{test['delta']:+.2f}"


def _detector_meta(assessor) -> dict | None:
    """What the detection model was trained/tuned on (so dev numbers can be read right)."""
    models = getattr(assessor, "models", None)
    meta = models.get("meta") if isinstance(models, dict) else None
    return meta if isinstance(meta, dict) else None
