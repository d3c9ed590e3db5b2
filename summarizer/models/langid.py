"""Language identification with lingua, restricted to the supported languages, and by
writing system for text in a script none of them uses."""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any, Sequence

from ..errors import ModelError
from .registry import package_version


# Scripts none of the supported languages is written in, with the language each stands
# for (unicodedata name prefix -> ISO 639-1). lingua is built for the supported languages
# only, so it has no signal at all on such text: a Chinese article used to fall back to
# the target language and went through as English, untranslated and unscored. A script
# shared by several languages gets an undetermined-language tag with its ISO 15924
# code ("und-Deva": Hindi, Marathi, Nepali ...), which translation names by its script.
SCRIPT_LANGUAGES = {
    "CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "THAI": "th", "GREEK": "el",
    "HEBREW": "he", "SINHALA": "si", "GEORGIAN": "ka", "ARMENIAN": "hy", "KHMER": "km", "LAO": "lo",
    "MYANMAR": "my", "ETHIOPIC": "am", "TAMIL": "ta", "TELUGU": "te", "KANNADA": "kn", "MALAYALAM": "ml",
    "GUJARATI": "gu", "GURMUKHI": "pa", "ORIYA": "or", "TIBETAN": "bo",
    "DEVANAGARI": "und-Deva", "BENGALI": "und-Beng",
}
# ISO 639-1 codes (and the script tags above) -> the English names prompts use
LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "pt": "Portuguese", "es": "Spanish", "de": "German",
    "it": "Italian", "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "et": "Estonian",
    "ro": "Romanian", "pl": "Polish", "tr": "Turkish", "ne": "Nepali", "si": "Sinhala", "hi": "Hindi",
    "mr": "Marathi", "bn": "Bengali",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "th": "Thai", "el": "Greek", "he": "Hebrew",
    "ka": "Georgian", "hy": "Armenian", "km": "Khmer", "lo": "Lao", "my": "Burmese", "am": "Amharic",
    "ta": "Tamil", "te": "Telugu", "kn": "Kannada", "ml": "Malayalam", "gu": "Gujarati",
    "pa": "Punjabi", "or": "Odia", "bo": "Tibetan",
    # a script several languages write
    "und-Deva": "Devanagari-script (Hindi, Marathi, Nepali or another)",
    "und-Beng": "Bengali-script (Bengali or Assamese)",
}
KANA_FOR_JAPANESE = 0.1  # share of letters in kana that makes Han text Japanese, not Chinese


def _scripts(text: str) -> Counter[str]:
    """Letters by script (the first word of their Unicode name: LATIN, CJK, ARABIC, ...)."""
    scripts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            scripts[unicodedata.name(ch, "UNKNOWN").split(" ")[0]] += 1
    return scripts


def main_script(text: str) -> str | None:
    """The script most of the letters of ``text`` are written in (kana counts as CJK)."""
    scripts = _scripts(text)
    scripts["CJK"] += scripts.pop("HIRAGANA", 0) + scripts.pop("KATAKANA", 0)
    return scripts.most_common(1)[0][0] if sum(scripts.values()) else None


def script_language(text: str) -> tuple[str | None, float]:
    """(language, share of the letters written in its script) when most letters of
    ``text`` are in one of the ``SCRIPT_LANGUAGES`` scripts, else (None, 0.0)."""
    scripts = _scripts(text)
    letters = sum(scripts.values())
    if not letters:
        return None, 0.0
    kana = scripts["HIRAGANA"] + scripts["KATAKANA"]
    if scripts["CJK"] + kana > letters / 2 and kana >= KANA_FOR_JAPANESE * letters:
        return "ja", (scripts["CJK"] + kana) / letters
    script, n = scripts.most_common(1)[0]
    if script in SCRIPT_LANGUAGES and n > letters / 2:
        return SCRIPT_LANGUAGES[script], n / letters
    return None, 0.0


def language_name(code: str) -> str:
    """The English name of a language code, for prompts ("pl" -> "Polish"); the code
    itself when it is not known."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        from lingua import IsoCode639_1, Language

        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())).name.title()
    except (ImportError, AttributeError, ValueError):
        return code


# A whole document can be in a language outside the supported set yet in their script:
# the supported-language detector then names the nearest supported one (Polish read as
# English at 0.59, Dutch and Turkish as German). All of lingua's languages in its
# low-accuracy mode (trigram models only: ~60 MB, loaded on first use, against 1.3 GB and
# 11 s for the full models) tell such a document apart when it is long enough: every
# seed article came out English at 1.00 from its first 300 characters, while two short
# English sentences came out Nynorsk. So it is asked about documents only, and only
# trusted when sure.
OTHER_LANGUAGE_MIN_LETTERS = 200
OTHER_LANGUAGE_SURE = 0.9


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
        self._all_languages = None  # built on first use (other_language)

    def other_language(self, text: str) -> tuple[str | None, float]:
        """(code, confidence) when a document's ``text`` is surely in a language outside
        the supported set, written in their script; else (None, 0.0)."""
        if sum(ch.isalpha() for ch in text[:5000]) < OTHER_LANGUAGE_MIN_LETTERS:
            return None, 0.0
        if self._all_languages is None:
            from lingua import LanguageDetectorBuilder

            self._all_languages = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
        values = self._all_languages.compute_language_confidence_values(text[:5000])
        if not values or values[0].value < OTHER_LANGUAGE_SURE:
            return None, 0.0
        code = values[0].language.iso_code_639_1.name.lower()
        return (None, 0.0) if code in self.languages else (code, float(values[0].value))

    def detect(self, text: str) -> tuple[str | None, float]:
        """(ISO 639-1 code, confidence in [0, 1]); (None, 0.0) when there is no signal.
        Text mostly in a script only other languages use gets that language
        (``script_language``)."""
        lang, share = script_language(text)
        if lang is not None:
            return lang, share
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None, 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    def confidence(self, text: str, code: str) -> float:
        """lingua's confidence in [0, 1] that ``text`` is in language ``code``."""
        lang = self._by_code.get(code)
        if lang is None:  # a language known by its script, or by its whole document
            found, share = script_language(text)
            if found is not None or code in SCRIPT_LANGUAGES.values():
                return share if found == code else 0.0
            return self._other_confidence(text, code)
        return float(self._detector.compute_language_confidence(text, lang))

    def _other_confidence(self, text: str, code: str) -> float:
        if self._all_languages is None:
            return 0.0  # no document was found in another language
        from lingua import IsoCode639_1, Language

        try:
            lang = Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        except (AttributeError, ValueError):
            return 0.0
        return float(self._all_languages.compute_language_confidence(text, lang))

    def detect_many(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        return [self.detect(t) for t in texts]

    def info(self) -> dict[str, Any]:
        return {"name": "lingua", "version": package_version("lingua-language-detector"),
                "languages": list(self.languages), "by_script": sorted(set(SCRIPT_LANGUAGES.values()))}
