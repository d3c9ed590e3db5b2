"""Language identification with lingua, restricted to the supported languages."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ModelError
from .registry import package_version


class LanguageIdentifier:
    def __init__(self, languages: Sequence[str]):
        try:
            from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
        except ImportError as exc:
            raise ModelError(model="lingua", problem="lingua-language-detector is not installed",
                             fix="pip install lingua-language-detector") from exc
        self.languages = tuple(languages)
        langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in self.languages]
        self._by_code = dict(zip(self.languages, langs))
        self._detector = LanguageDetectorBuilder.from_languages(*langs).build()

    def detect(self, text: str) -> tuple[str | None, float]:
        """(ISO 639-1 code, confidence in [0, 1]); (None, 0.0) when there is no signal."""
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None, 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    def confidence(self, text: str, code: str) -> float:
        """lingua's confidence in [0, 1] that ``text`` is in language ``code``."""
        lang = self._by_code.get(code)
        return float(self._detector.compute_language_confidence(text, lang)) if lang is not None else 0.0

    def detect_many(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        return [self.detect(t) for t in texts]

    def info(self) -> dict[str, Any]:
        return {"name": "lingua", "version": package_version("lingua-language-detector"),
                "languages": list(self.languages)}
