"""Thin wrappers over the metric libraries, so every task computes them the same way.

sacrebleu for BLEU/chrF/TER, rouge-score for ROUGE (with a Unicode-aware tokenizer),
scipy for correlations and their bootstrap intervals. No hand-written metric formulas
except word-level F1 of BAD tags, which has no library implementation here.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Sequence

import numpy as np

# --- MT metrics (sacrebleu) ---------------------------------------------------------


def mt_scores(hyps: Sequence[str], refs: Sequence[str]) -> dict[str, float | None]:
    """Corpus BLEU, chrF and TER (sacrebleu defaults: 13a tokenizer, chrF n=6 beta=2)."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyps, refs = list(hyps), list(refs)
    if not hyps:
        return {"bleu": None, "chrf": None, "ter": None, "n": 0}
    return {name: round(metric.corpus_score(hyps, [refs]).score, 2)
            for name, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("ter", TER()))} | {"n": len(hyps)}


def mt_signatures() -> dict[str, str]:
    """sacrebleu's own signatures for the three metrics as configured above."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    out = {}
    for name, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("ter", TER())):
        metric.corpus_score(["a"], [["a"]])  # sacrebleu signs a metric only after it has scored
        out[name] = str(metric.get_signature())
    return out


# Fewer paired items than this: the difference is reported, without an interval or a
# p-value (resampling two segments says nothing about chance).
MIN_PAIRED = 10


def paired_mt_test(baseline: Sequence[str], system: Sequence[str], refs: Sequence[str], *,
                   n_resamples: int = 1000) -> dict[str, dict[str, float | None] | str]:
    """Does ``system`` differ from ``baseline`` on the same segments by more than chance?
    sacreBLEU's paired bootstrap resampling (Koehn 2004; ``sacrebleu --paired-bs``): per
    metric the difference system - baseline of the corpus scores (TER: lower is
    better), the system's 95% interval half width, and sacreBLEU's two-sided p-value.
    No difference gets p 1.0 (sacreBLEU's formula would give its floor, 1 / (resamples
    + 1)). Under ``MIN_PAIRED`` segments: the difference only."""
    from sacrebleu.metrics import BLEU, CHRF, TER
    from sacrebleu.significance import PairedTest

    baseline, system, refs = list(baseline), list(system), list(refs)
    metrics = {"bleu": BLEU, "chrf": CHRF, "ter": TER}
    if not refs:
        return {k: {"delta": None, "p_value": None, "ci95": None} for k in metrics}
    if len(refs) < MIN_PAIRED:
        return {k: {"delta": round(m().corpus_score(system, [refs]).score - m().corpus_score(baseline, [refs]).score, 2),
                    "p_value": None, "ci95": None} for k, m in metrics.items()}
    test = PairedTest([("baseline", baseline), ("system", system)], {k: m() for k, m in metrics.items()},
                      [refs], test_type="bs", n_samples=n_resamples)
    signatures, results = test()
    out: dict[str, dict[str, float | None] | str] = {}
    for (name, signature), key in zip(signatures.items(), metrics):  # sacreBLEU names them BLEU, chrF2, TER
        base, ours = results[name]
        out[key] = {"delta": round(ours.score - base.score, 2),
                    # no difference (identical outputs, or changes the metric ignores, such as
                    # case for TER) is not "significant" at sacreBLEU's floor
                    "p_value": 1.0 if ours.score == base.score else None if ours.p_value is None
                    else round(float(ours.p_value), 4),
                    "ci95": None if ours.ci is None else round(float(ours.ci), 2)}
        out[f"{key}_signature"] = str(signature)
    out["signature"] = " ".join(f"{k}:{out.pop(f'{k}_signature')}" for k in metrics)
    return out


def paired_item_test(system: Sequence[float], baseline: Sequence[float], *, n_resamples: int = 1000,
                     seed: int = 0) -> dict[str, float | list[float] | None]:
    """The mean of per-item differences system - baseline (e.g. ROUGE F1 x100 per story)
    with a 95% percentile bootstrap interval (scipy, items resampled in pairs) and a
    two-sided bootstrap p-value (twice the share of resamples on the smaller side of
    0). Under ``MIN_PAIRED`` items: the mean difference only."""
    from scipy import stats

    diff = np.asarray(system, dtype=float) - np.asarray(baseline, dtype=float)
    if len(diff) < MIN_PAIRED or np.ptp(diff) == 0:
        d = float(diff.mean()) if len(diff) else None
        return {"delta": None if d is None else round(d, 2), "ci95": None,
                "p_value": 1.0 if len(diff) >= MIN_PAIRED and d == 0 else None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = stats.bootstrap((diff,), np.mean, vectorized=True, n_resamples=n_resamples, confidence_level=0.95,
                               method="percentile", random_state=seed)
    lo, hi = boot.confidence_interval
    dist = boot.bootstrap_distribution
    return {"delta": round(float(diff.mean()), 2), "ci95": [round(float(lo), 2), round(float(hi), 2)],
            "p_value": round(min(1.0, 2 * min(float(np.mean(dist <= 0)), float(np.mean(dist >= 0)))), 4)}


def sentence_ter(hyp: str, ref: str) -> float:
    """Sentence TER as a fraction (an HTER estimate when ``ref`` is a post-edit)."""
    import sacrebleu

    return sacrebleu.sentence_ter(hyp, [ref]).score / 100.0


# --- MLQE-PE tokenization -----------------------------------------------------------
# MLQE-PE's .mt/.pe/.src are tokenized (spaces before punctuation, "hadn 't"). The stages
# see, and the repairer writes, ordinary text; scoring tokenized references against
# untokenized outputs would penalise every "n't" and comma. So mt and pe are both
# detokenized by the same rules, and then all of mt, pe and output go through sacrebleu's
# 13a tokenizer. The rules are checked against MLQE-PE's own detokenized MT
# (the ``translation`` column of dev.da.tsv): see ``detok_agreement`` in the results.

DETOK_NAME = "mlqe-detok-rules-v1"
_NO_SPACE_BEFORE = re.compile(r" ([.,:;!?%)\]}]|'(?:s|t|re|ve|ll|d|m|S|T|RE|VE|LL|D|M)\b|n't\b|…)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$£€#]) ")
_QUOTES = re.compile(r'" ?(.*?) ?"')


def detokenize(text: str) -> str:
    """Undo Moses-style English tokenization: rejoin punctuation and clitics."""
    out = re.sub(r"@-@", "-", text.strip())
    out = re.sub(r" @(\S)@ ", r"\1", out)
    out = _NO_SPACE_BEFORE.sub(r"\1", out)
    out = _NO_SPACE_AFTER.sub(r"\1", out)
    # paired straight double quotes: "  word word  " -> "word word"
    out = _QUOTES.sub(lambda m: '"' + m.group(1) + '"', out)
    out = re.sub(r" ([’”»])", r"\1", out)
    out = re.sub(r"([«“]) ", r"\1", out)
    return re.sub(r"\s{2,}", " ", out)


# --- ROUGE (rouge-score) ------------------------------------------------------------
# rouge-score's default tokenizer lowercases and then replaces every character outside
# [a-z0-9] by a space, so Russian, Arabic or Ukrainian text scores 0 against itself.
# This tokenizer keeps every Unicode letter and digit; the Porter stemmer only touches
# ASCII words (rouge-score stems tokens longer than 3 characters, which is harmless for
# other scripts because Porter leaves non-Latin words unchanged).

_WORD = re.compile(r"\w+", re.UNICODE)


class UnicodeTokenizer:
    """rouge-score tokenizer: lowercase, Unicode word characters, optional stemming."""

    def __init__(self, use_stemmer: bool = True):
        self.use_stemmer = use_stemmer
        self._stemmer = None
        if use_stemmer:
            from nltk.stem import porter

            self._stemmer = porter.PorterStemmer()

    def tokenize(self, text: str) -> list[str]:
        tokens = [t.replace("_", "") for t in _WORD.findall(text.lower())]
        tokens = [t for t in tokens if t]
        if self._stemmer is not None:
            tokens = [self._stemmer.stem(t) if len(t) > 3 and t.isascii() else t for t in tokens]
        return tokens


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
ROUGE_NAME = "rouge-score {version} F1, stemmer on, tokenizer unicode-words-lower"


def rouge(hyps: Sequence[str], refs: Sequence[str]) -> dict[str, float | None]:
    """Mean ROUGE-1/2/L F1 (x100) over pairs, as in the NeuS paper."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=UnicodeTokenizer(use_stemmer=True))
    per = rouge_items(hyps, refs, scorer)
    if not per:
        return {k: None for k in ROUGE_TYPES} | {"n": 0}
    return {k: round(100 * float(np.mean([p[k] for p in per])), 2) for k in ROUGE_TYPES} | {"n": len(per)}


def rouge_items(hyps: Sequence[str], refs: Sequence[str], scorer=None) -> list[dict[str, float]]:
    from rouge_score import rouge_scorer

    scorer = scorer or rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=UnicodeTokenizer(use_stemmer=True))
    out = []
    for h, r in zip(hyps, refs):
        s = scorer.score(r, h)  # score(target, prediction)
        out.append({k: s[k].fmeasure for k in ROUGE_TYPES})
    return out


# --- correlations (scipy) -----------------------------------------------------------


def correlation(x: Sequence[float], y: Sequence[float], *, n_resamples: int = 1000,
                seed: int = 0) -> dict[str, float | list[float] | None]:
    """Pearson and Spearman r of paired values with 95% percentile bootstrap intervals.

    Pairs with a missing value are dropped. A constant series has no correlation: None.
    """
    from scipy import stats

    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    result: dict[str, float | list[float] | None] = {"n": int(len(xs))}
    if len(xs) < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return result | {"pearson": None, "pearson_ci": None, "spearman": None, "spearman_ci": None}
    for name, fn in (("pearson", _pearson), ("spearman", _spearman)):
        r = float(fn(xs, ys, axis=-1))
        with warnings.catch_warnings():  # tiny samples give degenerate resamples: CI None below
            warnings.simplefilter("ignore")
            boot = stats.bootstrap((xs, ys), fn, paired=True, vectorized=True, n_resamples=n_resamples,
                                   confidence_level=0.95, method="percentile", random_state=seed)
        lo, hi = boot.confidence_interval
        result[name] = round(r, 4)
        result[f"{name}_ci"] = [_r(lo), _r(hi)]
    return result


def _pearson(x, y, axis=-1):
    """Pearson r along an axis (vectorized, so scipy's bootstrap resamples in one call;
    equals scipy.stats.pearsonr for 1-d input - a test checks it)."""
    x = x - x.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))


def _spearman(x, y, axis=-1):
    from scipy.stats import rankdata

    return _pearson(rankdata(x, axis=axis), rankdata(y, axis=axis), axis=axis)


def _r(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


# --- word-level tags ----------------------------------------------------------------


def word_tags(tags_line: str) -> list[str]:
    """MLQE-PE tags interleave gap and word tags (gap w1 gap w2 ... gap): the word ones."""
    tags = tags_line.split()
    if len(tags) % 2 == 1 and len(tags) > 1:
        return tags[1::2]
    return tags  # already word tags only


def token_char_spans(tokens: Sequence[str], text: str) -> list[tuple[int, int] | None]:
    """Where each token of a tokenized sentence sits in its detokenized form (in order)."""
    spans: list[tuple[int, int] | None] = []
    pos = 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0 or i - pos > 3:  # not found nearby: leave unmapped, keep position
            spans.append(None)
            continue
        spans.append((i, i + len(tok)))
        pos = i + len(tok)
    return spans


def spans_to_word_tags(token_spans: Sequence[tuple[int, int] | None],
                       bad_spans: Sequence[Sequence[int]]) -> list[str]:
    """A word is predicted BAD when any character of it lies in a bad span."""
    out = []
    for span in token_spans:
        if span is None:
            out.append("OK")
            continue
        s, e = span
        out.append("BAD" if any(bs < e and s < be for bs, be in bad_spans) else "OK")
    return out


def tag_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float | int | None]:
    """F1 of BAD and of OK words over all words, and their product (WMT's F1-mult)."""
    from sklearn.metrics import f1_score, matthews_corrcoef

    g = [t for line in gold for t in line]
    p = [t for line in pred for t in line]
    if not g or len(g) != len(p):
        return {"f1_bad": None, "f1_ok": None, "f1_mult": None, "mcc": None, "words": len(g)}
    f1_bad = f1_score(g, p, pos_label="BAD", average="binary", zero_division=0)
    f1_ok = f1_score(g, p, pos_label="OK", average="binary", zero_division=0)
    return {"f1_bad": round(float(f1_bad), 4), "f1_ok": round(float(f1_ok), 4),
            "f1_mult": round(float(f1_bad * f1_ok), 4), "mcc": round(float(matthews_corrcoef(g, p)), 4),
            "words": len(g), "bad_words": sum(t == "BAD" for t in g), "predicted_bad": sum(t == "BAD" for t in p)}
