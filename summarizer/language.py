"""Language identification per document and per sentence (lingua)."""

from __future__ import annotations

from collections import Counter

from .context import Context
from .document import Document
from .models.langid import language_name

# Below this many letters lingua's guess is noise: the sentence takes the document's
# language unless lingua is very sure.
_MIN_LETTERS = 25
_SHORT_CONFIDENCE = 0.9
# A sentence leaves its document's language only when lingua is sure of the other one
# and the document's is implausible. Measured: "Donbass in eastern Ukraine." (seed 004)
# is de 0.51 / en 0.13, "Dmitro Kuleva met Urmas Reinsalu in Tallinn on Saturday." is
# et 0.78 / en 0.12, while a real French sentence in an English article is fr 0.95 / en 0.001.
_OTHER_LANGUAGE_SURE = 0.8
_DOC_LANGUAGE_IMPLAUSIBLE = 0.1
# The same holds for a whole document that short (a headline, a one-line paste): it is
# read in the target language unless lingua is sure of another one or the target is
# implausible. Measured: "Hello." came out it 0.36 (en 0.16) and went to the generator
# for an Italian -> English translation; "Ukraine" de 0.36 (en 0.12), "Test article" fr
# 0.39 (en 0.33), while "Bonjour." (fr 0.85, en 0.05) and "Guten Morgen!" (de 0.74, en
# 0.02) keep theirs.


def run(docs: list[Document], ctx: Context) -> None:
    langid = ctx.models.langid
    for i, doc in enumerate(docs, 1):
        guesses = []
        for sent in doc.sentences:
            letters = sum(ch.isalpha() for ch in sent.text)
            guesses.append((letters, *(langid.detect(sent.text) if letters else (None, 0.0))))
        if doc.language is None:
            text = " ".join(s.text for s in doc.sentences)
            doc.language = _document_language(guesses) or langid.detect(text[:5000])[0] or ctx.config.target_lang
            target = ctx.config.target_lang
            if doc.language != target and sum(n for n, _, _ in guesses) < _MIN_LETTERS:
                (_, sure), plausible = langid.detect(text), langid.confidence(text, target)
                if sure < _SHORT_CONFIDENCE and plausible >= _DOC_LANGUAGE_IMPLAUSIBLE:
                    doc.notes.append(f"too short to tell its language (lingua: {doc.language} {sure:.2f}, "
                                     f"{target} {plausible:.2f}): read as {target}")
                    doc.language = target
            # (a language found by its script needs no second opinion)
            other, conf = langid.other_language(text) if doc.language in langid.languages else (None, 0.0)
            if other is not None:
                doc.notes.append(f"language {other} ({language_name(other)}, confidence {conf:.2f}): not one of "
                                 f"the supported languages, which read it as {doc.language}")
                doc.language = other
        for sent, (letters, lang, conf) in zip(doc.sentences, guesses):
            if lang is None or (letters < _MIN_LETTERS and conf < _SHORT_CONFIDENCE):
                lang = doc.language
            elif lang != doc.language and (conf < _OTHER_LANGUAGE_SURE or
                                           langid.confidence(sent.text, doc.language) >= _DOC_LANGUAGE_IMPLAUSIBLE):
                lang = doc.language
            sent.language = lang
        counts = Counter(s.language for s in doc.sentences)
        if len(counts) > 1:
            mixed = ", ".join(f"{lang}: {n}" for lang, n in counts.most_common())
            doc.notes.append(f"sentence languages: {mixed}")
        ctx.report_progress("language", i, len(docs), doc.id)


def _document_language(guesses: list[tuple[int, str | None, float]]) -> str | None:
    """The language most of the text is in: letters per sentence-level guess. (lingua on
    the whole text can follow one foreign quote: four English sentences and one French
    came out as French.)"""
    letters: Counter[str] = Counter()
    for n, lang, _ in guesses:
        if lang is not None:
            letters[lang] += n
    return letters.most_common(1)[0][0] if letters else None

