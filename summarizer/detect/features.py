"""One feature vector per segment, shared by training (eval/train_qe.py) and the
assess stage, so the combiner sees exactly the same evidence in both."""

from __future__ import annotations

import math

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


# What each feature measures, in words a reader of the report follows: a score no named
# finding explains is told as the features that raised it ("raised by: length (214
# characters)"), not as "log_chars=5.37".
_DESCRIPTIONS = {
    "n_words": lambda v: f"length ({v:.0f} words)",
    "log_chars": lambda v: f"length ({math.expm1(v):.0f} characters)",
    "frac_cap": lambda v: f"share of capitalised words ({v:.0%})",
    "frac_digit": lambda v: f"share of words with digits ({v:.0%})",
    "frac_nonalpha": lambda v: f"share of words without letters ({v:.0%})",
    "avg_word_len": lambda v: f"average word length ({v:.1f} characters)",
    "max_word_len": lambda v: f"longest word ({v:.0f} characters)",
    "punct_per_word": lambda v: f"punctuation per word ({v:.2f})",
    "ends_with_punct": lambda v: "ends with closing punctuation" if v else "no closing punctuation",
    "lm_mean": lambda v: f"language-model fluency (mean word log-prob {v:.1f})",
    "lm_common_mean": lambda v: f"language-model fluency of common words (mean log-prob {v:.1f})",
    "lm_rare_mean": lambda v: f"language-model surprise at names and numbers (mean log-prob {v:.1f})",
    "lm_min_window": lambda v: f"least fluent three words (mean log-prob {v:.1f})",
    "lm_p10": lambda v: f"least fluent tenth of the words (log-prob {v:.1f})",
    "lm_frac_low": lambda v: f"share of very unlikely words ({v:.0%})",
    "lm_std": lambda v: f"uneven fluency (log-prob spread {v:.1f})",
    "lm_first": lambda v: f"unlikely first word (log-prob {v:.1f})",
    "bi_cos": lambda v: f"cross-lingual similarity to the source ({v:.2f})",
    "bi_len_ratio": lambda v: f"translation/source length ratio ({v:.2f})",
    "bi_abs_log_len_ratio": lambda v: f"length difference from the source (log ratio {v:.2f})",
    "bi_num_missing": lambda v: f"numbers of the source missing ({v:.0f})",
    "bi_num_added": lambda v: f"numbers not in the source ({v:.0f})",
    "bi_name_missing": lambda v: f"names of the source missing ({v:.0f})",
    "bi_src_words": lambda v: f"source length ({v:.0f} words)",
    "bi_punct_diff": lambda v: f"punctuation differing from the source ({v:.0f})",
    "bi_xl_head": lambda v: f"quality read off the embeddings ({v:+.2f} DA z)",
}


def describe(name: str, value: float) -> str:
    """``name`` (a feature of FEATURE_SETS) and its value, in words; a surface count as
    "glued words: 1"."""
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name](value)
    if name.startswith("sf_"):
        return f"{name[3:].replace('_', ' ')}: {value:.0f}"
    return f"{name} {value:.2f}"


def segment_features(mt: str, lm_raw: dict | None = None, src: str | None = None, cos: float | None = None,
                     langid=None, xl_head: float | None = None, translate=None):
    """(features, findings, word_scores) for one MT segment. ``lm_raw`` is the dict from
    detect.lm.score_texts; ``cos`` the source/MT embedding cosine; ``xl_head`` the
    cross-lingual head's prediction from the same embeddings (xlhead.py); ``translate``
    a translation model for source names (bilingual.name_missing)."""
    findings: list[Finding] = detect_all(mt, langid)
    feats = surface_features(mt, findings)
    ws = []
    if lm_raw is not None:
        lf, ws = lm_features(mt, lm_raw["tokens"], lm_raw["offsets"], lm_raw["logprobs"], lm_raw["first"])
        feats.update(lf)
    if src is not None and cos is not None:
        bf, bfind, _ = bilingual_features(src, mt, cos, xl_head, translate)
        feats.update(bf)
        findings = findings + bfind
    return feats, findings, ws
