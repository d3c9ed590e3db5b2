"""Cross-source evidence: a sentence whose closest sentence in another article gives
other numbers.

A lexical negation check ("not" in one, not in the other) was tried on the seeds and
dropped: paraphrases ("urged not to cause panic" / "urged to avoid panic", "did not
live up to" / "fell short of") made every hit a false alarm. Contradictions in meaning
need an entailment model, which this project does not ship yet."""

from __future__ import annotations

import re

import numpy as np

# Pairs above this cosine (multilingual-e5-small) are treated as the same statement.
# A rule of thumb, not a learned value: e5 cosines of unrelated news sentences on one
# story are mostly below 0.85, paraphrases above 0.9.
SAME_FACT_COSINE = 0.9
_NUM = re.compile(r"\d+(?:[.,]\d+)*")

# The evidence the cross-source update (summarizer/detect/model.py, CrossSourceUpdate)
# weighs; each is zero when there is no such evidence.
CROSS_FEATURES = ("cs_name_variants", "cs_number_conflict")


def cross_features(variants: list, found: list[tuple[str, str]]) -> dict[str, float]:
    """``variants``: the sentence's misspelt names (entities.variant_spans); ``found``:
    its (code, detail) conflicts from ``conflicts``."""
    return {"cs_name_variants": float(min(len(variants), 3)),
            "cs_number_conflict": float(any(code == "cross_source_conflict" for code, _ in found))}


def _nums(text):
    return {re.sub(r"\D", "", n) for n in _NUM.findall(text)}


def conflicts(items: list[tuple[str, str]], embedder) -> dict[int, list[tuple[str, str]]]:
    """items: (doc_id, english text). Returns index -> [(code, detail)]."""
    if len(items) < 2 or len({d for d, _ in items}) < 2:
        return {}
    E = embedder.encode([t for _, t in items])
    sims = E @ E.T
    docs = np.array([d for d, _ in items])
    out: dict[int, list[tuple[str, str]]] = {}
    for i, (doc, text) in enumerate(items):
        row = np.where(docs == doc, -1.0, sims[i])
        j = int(row.argmax())
        if row[j] < SAME_FACT_COSINE:
            continue
        other_doc, other = items[j]
        a, b = _nums(text), _nums(other)
        found = []
        if a and b and not (a & b):
            found.append(("cross_source_conflict",
                          f"numbers differ from the closest sentence in {other_doc}: \"{other[:120]}\""))
        if found:
            out[i] = found
    return out


def best_support(items: list[tuple[str, str]], embedder) -> list[float]:
    """For each sentence, the cosine of its closest sentence in another article."""
    if len({d for d, _ in items}) < 2:
        return [0.0] * len(items)
    E = embedder.encode([t for _, t in items])
    sims = E @ E.T
    docs = np.array([d for d, _ in items])
    return [float(np.where(docs == d, -1.0, sims[i]).max()) for i, (d, _) in enumerate(items)]
