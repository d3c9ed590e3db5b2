"""Translation stage: sentences not in the target language get a translation.

The original sentence stays where it is (offsets into the original text); the
translation goes to ``Sentence.translation`` with the backend that made it, so the
pair (source sentence, translation) is available to bilingual detection. A pair that
no backend covers is reported on the document, never passed off as translated.

An article given with its original (``Article.source_text``: the article is a
translation the user has the source of) gets the original's sentences aligned onto its
own (``align_source``), for the same bilingual evidence.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

import numpy as np

from .context import Context
from .document import Document
from .entities import _fold
from .lexicon import word_count
from .models.langid import main_script
from .segment import split_sentences
from .typography import ENGLISH_ABBREVIATIONS, restore_abbreviations

# Cross-lingual cosine (multilingual-e5-small) of a sentence and its translation, MLQE-PE
# dev, first 200 a pair (ru, et, ne, si): 5th percentile 0.85-0.86 (median 0.89-0.91);
# of a sentence and another pair's translation: 99th percentile 0.83-0.84. A pairing
# below this gains nothing in the alignment.
SOURCE_MATCH = 0.84


def align_source(source: list[str], target: list[str], embed) -> list[list[int]]:
    """For each target sentence, the indices of the source sentences it translates ([]
    where none): a monotonic alignment by dynamic programming over 1-1, 2-1 (two source
    sentences made one) and skips, each pairing worth its cosine minus
    ``SOURCE_MATCH``. (A target sentence that translates only half of a source sentence
    gets none: paired with the whole, bilingual evidence would read an omission.)"""
    n, m = len(source), len(target)
    if not n or not m:
        return [[] for _ in target]
    pairs = [f"{a} {b}" for a, b in zip(source, source[1:])]
    vecs = embed(list(source) + pairs + list(target))
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    src, two, tgt = vecs[:n], vecs[n:n + len(pairs)], vecs[n + len(pairs):]
    one_one, two_one = src @ tgt.T - SOURCE_MATCH, two @ tgt.T - SOURCE_MATCH
    best = np.full((n + 1, m + 1), -np.inf)
    best[0, 0] = 0.0
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(n + 1):
        for j in range(m + 1):
            if i == j == 0:
                continue
            options = []
            if i and j:
                options.append((best[i - 1, j - 1] + one_one[i - 1, j - 1], (i - 1, j - 1)))
            if i > 1 and j:
                options.append((best[i - 2, j - 1] + two_one[i - 2, j - 1], (i - 2, j - 1)))
            if i:
                options.append((best[i - 1, j], (i - 1, j)))
            if j:
                options.append((best[i, j - 1], (i, j - 1)))
            best[i, j], back[(i, j)] = max(options, key=lambda o: o[0])
    aligned: list[list[int]] = [[] for _ in target]
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        if pj == j - 1 and pi < i:  # a pairing, not a skip
            aligned[j - 1] = list(range(pi, i))
        i, j = pi, pj
    return aligned


def _attach_sources(doc: Document, ctx: Context) -> None:
    langid = ctx.models.langid
    lang = langid.detect(doc.source_text[:5000])[0]
    other, _ = langid.other_language(doc.source_text)
    doc.source_language = other or lang
    if doc.source_language == doc.language:
        # the article pasted twice, or an edited copy: read as its own source, every
        # sentence would look like a perfect translation and nothing would be flagged
        doc.errors.append(f"the original given is in {doc.language}, the article's own language: not used as its "
                          "source (give the text the article was translated from)")
        return
    source = [line[a:b] for line in doc.source_text.split("\n") if line.strip()
              for a, b in split_sentences(line, doc.source_language or "en")]
    aligned = align_source(source, [s.text for s in doc.sentences], ctx.models.embedder.encode)
    for sent, idx in zip(doc.sentences, aligned):
        if idx:
            sent.source_text = " ".join(source[k] for k in idx)
    n = sum(bool(idx) for idx in aligned)
    doc.notes.append(f"original ({doc.source_language or 'language unknown'}) given: {n} of {len(doc.sentences)} "
                     f"sentences aligned to its {len(source)} sentences")


# A person's name, in a Latin-script source, is written in the translation as the source
# writes it: a translator that "translates" it spells another person, or the same one
# in another convention (the generator turned a Spanish article's "Dmytro Kuleba" into
# "Dmitry Kuleba"; name consensus then saw a third spelling). A name word is recognised
# by its neighbour: a capitalised word beside it that source and translation share
# ("Kuleba"), where the word itself differs but is alike (same first letter, difflib
# ratio >= NAME_ALIKE, accents folded). An English word of a title ("President Biden" for
# "Presidente Biden", "Minister" for "Ministro") is no name: a word the English word list
# counts at least COMMON_WORD times is left as translated.
NAME_ALIKE = 0.6
COMMON_WORD = 1000
_CAPITALISED = re.compile(r"[A-Z\u00c0-\u00de][\w\u00c0-\u024f]*(?:['’-][\w\u00c0-\u024f]+)*")


def _name_pairs(text: str) -> list[tuple[re.Match, re.Match]]:
    """Neighbouring capitalised words (one space between them), as regex matches."""
    words = list(_CAPITALISED.finditer(text))
    return [(a, b) for a, b in zip(words, words[1:]) if text[a.end():b.start()] == " "]


def keep_source_names(source: str, translation: str) -> str:
    """``translation`` with the name words it respelt written as ``source`` writes them."""
    if main_script(source) != "LATIN":
        return translation
    src_pairs = _name_pairs(source)
    src_words = {m.group(0) for pair in src_pairs for m in pair}
    fixes: dict[tuple[int, int], str] = {}  # by position: two people may share a respelt first name
    for a, b in _name_pairs(translation):
        for word, neighbour, first in ((a, b, True), (b, a, False)):
            w, n = word.group(0), neighbour.group(0)
            if w in src_words or n not in src_words or word_count(w) >= COMMON_WORD:
                continue
            for sa, sb in src_pairs:
                v, sn = (sa.group(0), sb.group(0)) if first else (sb.group(0), sa.group(0))
                if sn != n or v == w or v in translation:
                    continue
                fw, fv = _fold(w), _fold(v)
                if fw[:1] == fv[:1] and difflib.SequenceMatcher(None, fw, fv).ratio() >= NAME_ALIKE:
                    fixes[word.span()] = v
    for (start, end), v in sorted(fixes.items(), reverse=True):
        translation = translation[:start] + v + translation[end:]
    return translation


def run(docs: list[Document], ctx: Context) -> None:
    target = ctx.config.target_lang
    for doc in docs:
        if doc.source_text:
            _attach_sources(doc, ctx)
    plan: list[tuple[Document, str, list]] = []
    for doc in docs:
        by_lang: dict[str, list] = defaultdict(list)
        for sent in doc.sentences:
            if sent.language and sent.language != target:
                by_lang[sent.language].append(sent)
        plan += [(doc, lang, sentences) for lang, sentences in by_lang.items()]
    total = sum(len(sentences) for _, _, sentences in plan)
    done = 0
    for doc, lang, sentences in plan:
        translator = ctx.models.translators.for_pair(lang, target)
        if translator is None:
            msg = (f"{len(sentences)} sentence(s) in '{lang}' were NOT translated: no translation backend "
                   f"for {lang}->{target} (configure translation_model, or enable generator_translation)")
            doc.errors.append(msg)
            done += len(sentences)
            ctx.report_progress("translate", done, total, doc.id)
            continue
        ctx.models.record_translation(f"{lang}-{target}", translator.name)
        start = done

        def progress(_k: int, doc=doc, lang=lang) -> None:  # sentence by sentence: long articles take minutes
            nonlocal done
            done += 1
            ctx.report_progress("translate", done, total, f"{doc.id} {lang}->{target}")

        outputs = translator.translate([s.text for s in sentences], lang, target, on_done=progress)
        done = start + len(sentences)
        for sent, out in zip(sentences, outputs):
            if target == "en":  # both rules read English (its word list, its abbreviations)
                out = restore_abbreviations(keep_source_names(sent.text, out), ENGLISH_ABBREVIATIONS)
            sent.translation = out
            sent.translation_backend = translator.name
        kind = "the generator as a fallback translator" if translator.kind == "generator" else translator.name
        doc.notes.append(f"{len(sentences)} sentence(s) translated {lang}->{target} by {kind}")
