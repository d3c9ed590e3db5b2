"""Lazy access to every model a run needs, loaded once per process.

Stages ask ``ctx.models.embedder`` etc.; nothing loads until it is needed, and what was
loaded (name, backend, version) is recorded for the report's ``models`` section.
"""

from __future__ import annotations

import threading
from typing import Any

from ..config import SUPPORTED_LANGUAGES, Config, apply_runtime_environment
from ..errors import ModelError
from .embeddings import Embedder
from .generator import Generator, load_generator
from .langid import LanguageIdentifier
from .translation import TranslatorSet


class ModelHub:
    def __init__(self, config: Config):
        apply_runtime_environment(config)
        self.config = config
        # one lock per model: loading the scorer in the background must not hold up
        # a stage that needs language id meanwhile
        self._locks = {name: threading.RLock() for name in ("generator", "scorer", "embedder", "langid", "translators")}
        self._generator: Generator | None = None
        self._scorer: Generator | None = None
        self._embedder: Embedder | None = None
        self._langid: LanguageIdentifier | None = None
        self._translators: TranslatorSet | None = None
        self.used: dict[str, Any] = {}

    @property
    def generator(self) -> Generator:
        """The generator for repair, summaries and fallback translation (default Qwen)."""
        with self._locks["generator"]:
            if self._generator is None:
                gen = load_generator(self.config)
                if self.config.reply_cache:
                    from .reply_cache import with_reply_cache

                    gen = with_reply_cache(gen, self.config.home)
                self._generator = gen
                self.used["generator"] = self._generator.info()
            return self._generator

    def reply_cache_counts(self) -> tuple[int, int] | None:
        """(replies served from the reply cache, replies generated) so far for requests
        from this thread, or None when the generator is not loaded or has no reply cache."""
        counts = getattr(self._generator, "counts", None)
        return counts() if counts is not None else None

    def reply_cache_problem(self) -> str | None:
        """Why the reply cache stopped answering and keeping replies, if it did."""
        store = getattr(self._generator, "store", None)
        return f"{store.path}: {store.problem}" if store is not None and store.problem else None

    @property
    def scorer(self) -> Generator:
        """The cheap LM for fluency evidence (default SmolLM2-135M)."""
        with self._locks["scorer"]:
            if self._scorer is None:
                fallback = None
                try:
                    self._scorer = self._load_scorer()
                except ModelError as exc:
                    # the same model through another backend: slower, same features, said so
                    backend = self.config.scorer_backend
                    other = "transformers" if backend == "onnx" else self.config.generator_backend
                    if backend == other:
                        raise
                    fallback = f"{backend} failed ({exc.problem}; to fix: {exc.fix}); {other} used"
                    self._scorer = load_generator(self.config, model=self.config.scorer_model, backend=other)
                self.used["scorer"] = self._scorer.info() | ({"fallback": fallback} if fallback else {})
            return self._scorer

    def _load_scorer(self):
        if self.config.scorer_backend == "onnx":
            from .onnx_scorer import load_scorer

            return load_scorer(self.config)
        return load_generator(self.config, model=self.config.scorer_model, backend=self.config.scorer_backend)

    @property
    def embedder(self) -> Embedder:
        with self._locks["embedder"]:
            if self._embedder is None:
                self._embedder = Embedder(n_threads=self.config.n_threads)
                self.used["embeddings"] = self._embedder.info()
            return self._embedder

    @property
    def langid(self) -> LanguageIdentifier:
        with self._locks["langid"]:
            if self._langid is None:
                self._langid = LanguageIdentifier(SUPPORTED_LANGUAGES)
                self.used["language_id"] = self._langid.info()
            return self._langid

    @property
    def translators(self) -> TranslatorSet:
        with self._locks["translators"]:
            if self._translators is None:
                self._translators = TranslatorSet(self.config, generator_factory=lambda: self.generator)
            return self._translators

    def warm_up(self, names: tuple[str, ...] = ("langid", "embedder", "scorer", "generator")) -> dict[str, str]:
        """Load models ahead of the first run (the web page does this in the background
        at start-up: the scorer alone takes ~5 s, mostly importing torch). A model that
        fails is left for the run to report, with its own explained fallback."""
        problems = {}
        for name in names:
            try:
                getattr(self, name)
            except Exception as exc:  # reported again, in context, by the stage that needs it
                problems[name] = str(exc)
        return problems

    def record_translation(self, pair: str, backend: str) -> None:
        self.used.setdefault("translation", {})[pair] = backend
