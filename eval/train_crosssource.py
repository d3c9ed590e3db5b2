"""Train the cross-source update of the detection score and write
summarizer/data/crosssource_model.json.

The per-sentence combiners (eval/train_qe.py) see one sentence at a time, so a fluent
sentence with a misspelt name ("Dmitro Kuleva" where the other articles say "Dmytro
Kuleba") scores as fine. When several articles are given, cross-source evidence
updates that score in log-odds:

    logit(badness) = logit(per-sentence badness) + sum_k w_k * feature_k

The features are zero without evidence, so a sentence with none (and a single article)
keeps the per-sentence score exactly; there is no intercept. The weights w are fitted
(logistic regression with the per-sentence logit as a fixed offset, small L2) on
synthetic clusters: NeuS stories, three outlets each, where one outlet's article gets
the damage poor news MT does to it: a name misspelt the way transliteration slips do
("y"->"i", "b"->"v", "w"->"v" ...) wherever it occurs, a number changed, or the word-
level damage of eval/synth.py. Clean examples: that article's other sentences, and the
other articles' sentences that carry cross-source evidence all the same (the
update's false alarms; a sentence with no evidence cannot move the fit). This is
synthetic data and the model file says so. Seeded, reproducible.

    PYTHONPATH=. python eval/train_crosssource.py [--stories 480]
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
from synth import NEUS, corrupt  # noqa: E402

from summarizer.assess import Assessor  # noqa: E402
from summarizer.config import Config  # noqa: E402
from summarizer.context import Context  # noqa: E402
from summarizer.detect.crosssource import CROSS_FEATURES, conflicts, cross_features  # noqa: E402
from summarizer.detect.model import CROSS_MODEL_PATH, logit  # noqa: E402
from summarizer.document import Document, Sentence  # noqa: E402
from summarizer.entities import _CAP_WORD, is_variant, known_word_fn, variant_spans, word_consensus  # noqa: E402
from summarizer.segment import split_sentences  # noqa: E402

SEED = 0
L2 = 1.0
MAX_SENTENCES = 30  # of the damaged article (scoring cost; NeuS articles are short)
# transliteration slips seen in the seeds (Dmytro/Dmitro, Kuleba/Kuleva, Zelensky/Zelenski,
# Volodymyr/Volodimir, Mateusz Morawiecki/Matteusi Moraviecki) and their kin
_SLIPS = [("y", "i"), ("i", "y"), ("b", "v"), ("v", "b"), ("w", "v"), ("k", "c"), ("c", "k"), ("ph", "f"),
          ("j", "y"), ("e", "a"), ("o", "a"), ("sz", "s"), ("ck", "k"), ("ss", "s"), ("tt", "t"), ("t", "tt"),
          ("sh", "ch"), ("u", "ou"), ("x", "ks")]


def stories(n: int, seed: int = SEED) -> list[list[str]]:
    """n NeuS train stories with three article bodies each, seeded order."""
    lines = (NEUS / "train.source").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        parts = [p.split("ARTICLE=>", 1)[-1].strip() for p in line.split("[SEP]")]
        if len(parts) == 3 and all(len(p.split()) >= 40 for p in parts):
            out.append(parts)
    random.Random(seed).shuffle(out)
    return out[:n]


def make_doc(i: int, text: str, sentences: list[str] | None = None) -> Document:
    """A document segmented by the project's segmenter, or (the damaged article) by its
    given sentences, so that labels stay with their sentences."""
    if sentences is None:
        return Document(id=f"d{i}", text=text,
                        sentences=[Sentence(start=s, end=e, text=text[s:e]) for s, e in split_sentences(text)])
    out, pos = [], 0
    for s in sentences:
        out.append(Sentence(start=pos, end=pos + len(s), text=s))
        pos += len(s) + 1
    return Document(id=f"d{i}", text=" ".join(sentences), sentences=out)


def misspell(name: str, rng: random.Random) -> str | None:
    """A transliteration-style misspelling of ``name`` that the consensus rules call a
    variant (1-2 slips, first letter kept), or None."""
    for _ in range(20):
        w = name
        for _ in range(rng.choice([1, 1, 2])):
            sites = [(k, a, b) for k, (a, b) in enumerate(_SLIPS) for m in re.finditer(a, w[1:])]
            if not sites:
                break
            _, a, b = rng.choice(sites)
            starts = [m.start() + 1 for m in re.finditer(a, w[1:])]
            p = rng.choice(starts)
            w = w[:p] + b + w[p + len(a):]
        if w != name and is_variant(w, name):
            return w
    return None


def damage(arts: list[str], rng: random.Random) -> tuple[int, list[str], list[str]] | None:
    """(index of the damaged article, its sentences after damage, their kinds:
    'clean', 'name', 'number', or a synth.corrupt kind)."""
    t = rng.randrange(3)
    body = arts[t]
    spans = split_sentences(body)[:MAX_SENTENCES]
    sents = [body[s:e] for s, e in spans]
    kinds = ["clean"] * len(sents)
    others = [a for k, a in enumerate(arts) if k != t]
    shared = sorted({m.group(0) for s in sents for m in _CAP_WORD.finditer(s)
                     if all(re.search(rf"\b{m.group(0)}\b", o) for o in others)})
    if shared:  # one name misspelt wherever this article uses it, as an MT system would
        name = rng.choice(shared)
        bad = misspell(name, rng)
        if bad:
            for k, s in enumerate(sents):
                if re.search(rf"\b{name}\b", s):
                    sents[k] = re.sub(rf"\b{name}\b", bad, s)
                    kinds[k] = "name"
    free = [k for k, kd in enumerate(kinds) if kd == "clean"]
    rng.shuffle(free)
    for k in free[:1]:
        nums = list(re.finditer(r"\b\d+\b", sents[k]))
        if nums:
            m = rng.choice(nums)
            new = str(int(m.group(0)) + rng.choice([1, 2, 10, 100]))
            sents[k] = sents[k][:m.start()] + new + sents[k][m.end():]
            kinds[k] = "number"
    for k in free[1:3]:
        text, kind = corrupt(sents[k], rng)
        if text != sents[k]:
            sents[k], kinds[k] = text, kind
    if all(k == "clean" for k in kinds):
        return None
    return t, sents, kinds


def featurize(ctx: Context, story_list, rng) -> list[dict]:
    assessor = Assessor(ctx, use_lm=True)
    known = known_word_fn(ctx)
    rows = []
    for n, arts in enumerate(story_list):
        d = damage(arts, rng)
        if d is None:
            continue
        t, damaged, kinds = d
        docs = [make_doc(i + 1, a, damaged if i == t else None) for i, a in enumerate(arts)]
        mapping = word_consensus(docs, known)
        items = [(doc.id, s.text) for doc in docs for s in doc.sentences]
        found = conflicts(items, ctx.models.embedder)
        target = docs[t]
        offset = sum(len(doc.sentences) for doc in docs[:t])
        texts = [s.text for s in target.sentences]
        cand = [(text, kinds[k], cross_features(variant_spans(text, mapping), found.get(offset + k, [])))
                for k, text in enumerate(texts)]
        # the clean articles' sentences that carry cross-source evidence too (names the
        # consensus rules take for variants, conflicting numbers): the update's false
        # alarms. Their other sentences keep their scores exactly (no evidence, no intercept).
        pos = 0
        for doc in docs:
            for s in doc.sentences:
                if doc is not target:
                    f = cross_features(variant_spans(s.text, mapping), found.get(pos, []))
                    if any(f.values()):
                        cand.append((s.text, "clean_other", f))
                pos += 1
        scores = assessor.score_segments([c[0] for c in cand])
        for (text, kind, f), a in zip(cand, scores):
            rows.append({"story": n, "text": text, "kind": kind, "bad": int(kind not in ("clean", "clean_other")),
                         "p": a.score, **f})
        if n % 20 == 0:
            print(f"story {n}/{len(story_list)}: {len(rows)} sentences", flush=True)
    return rows


def fit_offset_logistic(X: np.ndarray, y: np.ndarray, offset: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights of logit(p) = offset + X @ w (no intercept), Newton's method."""
    w = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(offset + X @ w)))
        g = X.T @ (p - y) + l2 * w
        H = X.T @ (X * (p * (1 - p))[:, None]) + l2 * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def report(rows, w, threshold) -> dict:
    X = np.array([[r[f] for f in CROSS_FEATURES] for r in rows], dtype=float)
    y = np.array([r["bad"] for r in rows])
    p0 = np.array([r["p"] for r in rows])
    p1 = 1 / (1 + np.exp(-(logit(p0) + X @ w)))
    out = {"n": len(rows), "bad": int(y.sum()),
           "clean_other_with_evidence": int(sum(r["kind"] == "clean_other" for r in rows))}
    for name, p in (("per_sentence", p0), ("with_cross_source", p1)):
        f = p >= threshold
        own = np.array([r["kind"] != "clean_other" for r in rows])
        out[name] = {"f1": float(2 * (f & (y == 1)).sum() / max(1, f.sum() + y.sum())),
                     "clean_flagged_damaged_article": float(f[(y == 0) & own].mean()),
                     "clean_other_with_evidence_flagged": float(f[~own].mean()) if (~own).any() else None,
                     "recall_by_kind": {k: float(f[[r["kind"] == k for r in rows]].mean())
                                        for k in ("name", "number")
                                        if any(r["kind"] == k for r in rows)}}
    return out


def main(n_stories: int = 480, out: Path = CROSS_MODEL_PATH) -> None:
    t0 = time.time()
    rng = random.Random(SEED)
    cfg = Config.load(threads=2)
    ctx = Context.create(cfg)
    all_stories = stories(n_stories)
    rows = featurize(ctx, all_stories, rng)
    n_dev = n_stories // 4  # the first quarter of the stories is held out for the report
    dev = [r for r in rows if r["story"] < n_dev]
    train = [r for r in rows if r["story"] >= n_dev]
    X = np.array([[r[f] for f in CROSS_FEATURES] for r in train], dtype=float)
    y = np.array([r["bad"] for r in train], dtype=float)
    w = fit_offset_logistic(X, y, logit(np.array([r["p"] for r in train])))
    for f, v in zip(CROSS_FEATURES, w):
        print(f"weight {f}: {v:+.3f}")
    res = {"train": report(train, w, cfg.threshold), "dev": report(dev, w, cfg.threshold)}
    print(json.dumps(res, indent=1))
    spec = {"features": list(CROSS_FEATURES), "weights": [float(v) for v in w],
            "meta": {"seed": SEED, "l2": L2, "stories": n_stories, "train_sentences": len(train),
                     "dev_sentences": len(dev), "data": "synthetic: NeuS train stories, one article damaged "
                     "(misspelt shared name, changed number, eval/synth.py word damage)",
                     "threshold": cfg.threshold, "results": res, "seconds": round(time.time() - t0, 1)}}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    if out == CROSS_MODEL_PATH:
        (ROOT / "eval" / "results").mkdir(exist_ok=True)
        (ROOT / "eval" / "results" / "crosssource_train_dev.json").write_text(json.dumps(spec["meta"], indent=2))
    print("wrote", out)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=480)
    ap.add_argument("--out", type=Path, default=CROSS_MODEL_PATH)
    a = ap.parse_args()
    main(a.stories, a.out)
