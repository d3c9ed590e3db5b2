"""Language identification per document and per sentence (lingua)."""

from __future__ import annotations

from collections import Counter

from .context import Context
from .document import Document

# Below this many letters lingua's guess is noise: the sentence takes the document's
# language unless lingua is very sure.
_MIN_LETTERS = 25
_SHORT_CONFIDENCE = 0.9
# A sentence leaves its document's language only when that language is implausible for
# it: an English sentence full of foreign names ("Dmitro Kuleva met Urmas Reinsalu")
# can score a little higher as Estonian, but still keeps real English confidence.
_DOC_LANGUAGE_PLAUSIBLE = 0.15


def run(docs: list[Document], ctx: Context) -> None:
    langid = ctx.models.langid
    for i, doc in enumerate(docs, 1):
        kept = " ".join(s.text for s in doc.sentences)[:5000]
        if doc.language is None:
            doc.language, _ = langid.detect(kept)
            doc.language = doc.language or ctx.config.target_lang
        for sent in doc.sentences:
            letters = sum(ch.isalpha() for ch in sent.text)
            lang, conf = langid.detect(sent.text) if letters else (None, 0.0)
            if lang is None or (letters < _MIN_LETTERS and conf < _SHORT_CONFIDENCE):
                lang = doc.language
            elif lang != doc.language and langid.confidence(sent.text, doc.language) >= _DOC_LANGUAGE_PLAUSIBLE:
                lang = doc.language
            sent.language = lang
        counts = Counter(s.language for s in doc.sentences)
        if len(counts) > 1:
            mixed = ", ".join(f"{lang}: {n}" for lang, n in counts.most_common())
            doc.notes.append(f"sentence languages: {mixed}")
        ctx.report_progress("language", i, len(docs), doc.id)
