"""The trained combiner: a small MLP (or linear model) stored as JSON numbers, run
with numpy. Trained and written by eval/train_qe.py; nothing here is hand-set."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "qe_model.json"
CROSS_MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "crosssource_model.json"


class Combiner:
    def __init__(self, spec: dict):
        self.spec = spec
        self.features: list[str] = spec["features"]
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)) for w, b in spec["layers"]]
        self.calib = spec["calib"]
        # standardised features are winsorised at +-clip (training did the same): one
        # extreme feature value must not dominate a linear score
        self.clip = spec.get("clip")  # badness = sigmoid(a * raw + b), fitted on held-out train predictions

    def vector(self, feats: dict[str, float]) -> np.ndarray:
        return np.array([feats.get(f, 0.0) for f in self.features], dtype=np.float64)

    def raw(self, X: np.ndarray) -> np.ndarray:
        h = (np.atleast_2d(X) - self.mean) / self.scale
        if self.clip:
            h = np.clip(h, -self.clip, self.clip)
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return h[:, 0]

    def badness(self, X: np.ndarray) -> np.ndarray:
        a, b = self.calib
        z = np.clip(a * self.raw(X) + b, -40, 40)
        return 1.0 / (1.0 + np.exp(-z))

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """How much each feature raises the badness of one segment: badness minus the
        badness with that feature set to its training mean (occlusion)."""
        base = float(self.badness(x)[0])
        X = np.repeat(x[None, :], len(self.features), axis=0)
        X[np.arange(len(self.features)), np.arange(len(self.features))] = self.mean
        return {f: base - float(v) for f, v in zip(self.features, self.badness(X))}


class CrossSourceUpdate:
    """Cross-source evidence added to the per-sentence score in log-odds:
    logit(badness) = logit(per-sentence badness) + w . features. No intercept: a
    sentence without such evidence keeps its score. Weights fitted by
    eval/train_crosssource.py."""

    def __init__(self, spec: dict):
        self.features: list[str] = spec["features"]
        self.weights = np.asarray(spec["weights"], dtype=np.float64)
        self.meta = spec.get("meta", {})

    def update(self, badness: float, feats: dict[str, float]) -> tuple[float, dict[str, float]]:
        """(updated badness, how much each feature raised it)."""
        x = np.array([feats.get(f, 0.0) for f in self.features], dtype=np.float64)
        z0 = float(logit(np.array([badness]))[0])
        new = sigmoid(z0 + float(self.weights @ x))
        contrib = {f: new - sigmoid(z0 + float(self.weights @ x) - w * v)
                   for f, w, v in zip(self.features, self.weights, x)}
        return new, contrib


@lru_cache(maxsize=2)
def load_cross_update(path: str | None = None) -> CrossSourceUpdate | None:
    p = Path(path or CROSS_MODEL_PATH)
    if not p.exists():
        return None
    return CrossSourceUpdate(json.loads(p.read_text(encoding="utf-8")))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@lru_cache(maxsize=4)
def load_models(path: str | None = None) -> dict:
    spec = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    return {"combiners": {k: Combiner(v) for k, v in spec["combiners"].items()}, "meta": spec.get("meta", {}),
            "word_threshold": spec.get("word_threshold")}


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, x))))
