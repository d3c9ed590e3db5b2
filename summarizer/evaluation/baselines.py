"""Baselines computed in the same run as the system, so every number has a floor beside it.

- QE: the MT system's own log-probability (MLQE-PE's ``model_scores``, glass-box) and
  a length baseline (longer MT, lower quality: quality = -tokens; the sign is fixed in
  advance, not fitted, so it is a baseline and not a model).
- repair: do nothing (the untouched MT) - computed by the repair task itself.
- summaries: lead (first sentences of the sources, taken in turn) and an extractive
  LexRank-style centrality summary over the project's multilingual embeddings. Both
  are cut to the same word budget: the references' average length.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def length_quality(mt: str) -> float:
    return -float(len(mt.split()))


def _sentences(text: str) -> list[str]:
    from ..segment import split_sentences

    out = []
    for line in text.split("\n"):
        for s, e in split_sentences(line, "en"):
            piece = line[s:e].strip()
            if piece:
                out.append(piece)
    return out


def source_sentences(documents: Sequence[dict]) -> list[list[str]]:
    """Per source: its title (if any) as first sentence, then its text's sentences. NeuS
    references open with a title sentence, so titles are fair material for extracts."""
    out = []
    for d in documents:
        sents = []
        if d.get("title"):
            sents.append(d["title"].strip())
        sents.extend(_sentences(d.get("text") or ""))
        out.append(sents)
    return out


def cut_words(sentences: Sequence[str], budget: int) -> str:
    """Join sentences until ``budget`` words; the last one is cut at the budget."""
    words: list[str] = []
    for s in sentences:
        if len(words) >= budget:
            break
        words.extend(s.split()[: budget - len(words)])
    return " ".join(words)


def lead(documents: Sequence[dict], budget: int) -> str:
    """First sentences of the sources in turn (1st of each, then 2nd of each, ...)."""
    per = source_sentences(documents)
    order = []
    for k in range(max((len(p) for p in per), default=0)):
        order.extend(p[k] for p in per if k < len(p))
    return cut_words(order, budget)


def lexrank_order(documents: Sequence[dict], embedder, *, max_words: int = 400, damping: float = 0.85,
                  redundancy: float = 0.95) -> list[str]:
    """LexRank-style (Erkan & Radev, 2004, continuous variant): PageRank over the cosine
    similarity graph of all source sentences. Returns the most central sentences in rank
    order, skipping near duplicates of ones already taken, up to ``max_words`` (cut to a
    budget later with ``cut_words``, so the order can be cached independently of it).
    e5 cosines between any two news sentences on one story sit around 0.8-0.9, so only
    0.95 and above counts as a near duplicate (0.9 dropped half of a short story)."""
    sents = [s for per in source_sentences(documents) for s in per]
    if not sents:
        return []
    emb = embedder.encode(sents)
    sim = np.clip(emb @ emb.T, 0.0, None)
    np.fill_diagonal(sim, 0.0)
    rows = sim.sum(axis=1, keepdims=True)
    n = len(sents)
    trans = np.where(rows > 0, sim / np.where(rows > 0, rows, 1.0), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(100):
        new = (1 - damping) / n + damping * trans.T @ rank
        done = np.abs(new - rank).sum() < 1e-8
        rank = new
        if done:
            break
    chosen: list[int] = []
    words = 0
    for i in np.argsort(-rank, kind="stable"):
        if words >= max_words:
            break
        if any(emb[i] @ emb[j] > redundancy for j in chosen):
            continue
        chosen.append(int(i))
        words += len(sents[i].split())
    return [sents[i] for i in chosen]


def lexrank(documents: Sequence[dict], budget: int, embedder) -> str:
    return cut_words(lexrank_order(documents, embedder, max_words=max(budget, 1)), budget)
