"""One feature vector per segment, shared by training (eval/train_qe.py) and the
assess stage, so the combiner sees exactly the same evidence in both."""

from __future__ import annotations

from .bilingual import BI_FEATURES, bilingual_features
from .lm import LM_FEATURES, lm_features
from .surface import SURFACE_CODES, Finding, detect_all, surface_features

SURFACE_FEATURES = tuple(f"sf_{c}" for c in SURFACE_CODES) + (
    "n_words", "log_chars", "frac_cap", "frac_digit", "frac_nonalpha", "avg_word_len", "max_word_len",
    "punct_per_word", "ends_with_punct")

# feature sets of the four combiners: mode (target-only / bilingual) x tier (cheap / with LM)
FEATURE_SETS = {
    "target_cheap": SURFACE_FEATURES,
    "target_lm": SURFACE_FEATURES + LM_FEATURES,
    "bi_cheap": SURFACE_FEATURES + BI_FEATURES,
    "bi_lm": SURFACE_FEATURES + LM_FEATURES + BI_FEATURES,
}


def segment_features(mt: str, lm_raw: dict | None = None, src: str | None = None, cos: float | None = None,
                     langid=None, xl_head: float | None = None):
    """(features, findings, word_scores) for one MT segment. ``lm_raw`` is the dict from
    detect.lm.score_texts; ``cos`` the source/MT embedding cosine; ``xl_head`` the
    cross-lingual head's prediction from the same embeddings (xlhead.py)."""
    findings: list[Finding] = detect_all(mt, langid)
    feats = surface_features(mt, findings)
    ws = []
    if lm_raw is not None:
        lf, ws = lm_features(mt, lm_raw["tokens"], lm_raw["offsets"], lm_raw["logprobs"], lm_raw["first"])
        feats.update(lf)
    if src is not None and cos is not None:
        bf, bfind, _ = bilingual_features(src, mt, cos, xl_head)
        feats.update(bf)
        findings = findings + bfind
    return feats, findings, ws
