"""Sentence segmentation with exact offsets: sentencex, plus fixes where it fails.

Sentences never cross a line break (headlines and subheadings have no final period).
Fixes on top of sentencex:
- glued sentence ends, "Kiev.U.S. helped" or "agenda.Two days" -> split after the period;
- a period after an honorific or initial ("Mr.", "sir.", "gentlemen.", "M.", "U.S.")
  followed by a capitalised word does not end a sentence; machine translations from
  languages that put the title after the name produce "gentlemen. Biden ..." and the
  whole garbled sentence must stay together to be judged and repaired as one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .context import Context
from .document import Document, Sentence
from .ingest import VisibleText, doc_kept_spans

_NO_BREAK_AFTER = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Col|Lt|Sgt|Capt|Rep|Sen|Gov|Pres|Rev|Hon|Mme|Mlle|No|Vol|vs|etc"
    r"|sir|Sir|gentlemen|Gentlemen|madam|Madam|Messrs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"|\b[A-Z]|\b(?:[A-Z]\.){1,3}[A-Z])\.$")
# "1:30 a.m. ET Tuesday": a clock time runs on into its time zone or day (NeuS val: the
# summary got the fragment "ET Tuesday, Trudeau's Liberal Party had won ...")
_CLOCK_END = re.compile(r"\b[ap]\.m\.$")
_CLOCK_GOES_ON = re.compile(r"^(?:[ECMP][SD]?T|GMT|UTC|BST|CES?T|local|Monday|Tuesday|Wednesday|Thursday|Friday|"
                            r"Saturday|Sunday|on|in|at|and|to|or|local time)\b")
# German and Estonian write ordinals with a period ("am 3. Oktober", "im 19. Jahrhundert",
# "3. oktoobril", "2011. aastal"): sentencex ends a sentence there, even with the language's own rules.
# The period after a day or ordinal number runs on into a month, a lower-case word (no
# sentence starts with one) or a noun that ordinals go with. "Sie wurde 12. Danach ..."
# (a sentence that ends on a bare number) still breaks.
_ORDINAL_LANGS = {"de", "et"}
_ORDINAL_END = re.compile(r"(?<![\d.,])\d{1,4}\.$")
_ORDINAL_GOES_ON = re.compile(
    r"^(?:[a-zäöüõš]|(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
    r"Dezember|Jan|Feb|Febr|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez|Mal|Jahrhundert|Jahrtausend|Jahrestag|Geburtstag|Platz|Rang|Runde|Spieltag|Stock|Etage|Klasse|"
    r"Liga|Weltkrieg|Sitzung|Amtszeit|Legislaturperiode|Parteitag|Bundesliga|Auflage|Ausgabe|Kapitel|Absatz|"
    r"Artikel|Tag|Woche|Monat|Quartal|Semester|FC|FSV)\b)")
# A month abbreviation before a year or day ("le 3 oct. 2021"): sentencex's French rules
# end the sentence there.
_MONTH_ABBREVIATION_END = re.compile(r"\b(?i:janv|févr|fév|avr|juil|sept|oct|nov|déc|dez|okt)\.$")
_GLUED_END = re.compile(r"(?<=[a-z\u00e0-\u024f\)\]])[.!?](?=[A-Z\u00c0-\u024f][a-z])")
_SENTENCEX_LANGS = {"en", "fr", "pt", "es", "de", "it", "ru", "uk", "ar", "et", "ro"}


@lru_cache(maxsize=16)
def _segmenter(lang: str):
    from sentencex import segment

    return lambda text: segment(lang if lang in _SENTENCEX_LANGS else "en", text)


def split_sentences(text: str, lang: str = "en") -> list[tuple[int, int]]:
    """Sentence spans [start, end) of ``text`` (one paragraph or line)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in _segmenter(lang)(text):
        stripped = piece.strip()
        if not stripped:
            continue
        start = text.find(stripped, pos)
        if start < 0:  # sentencex normalised something: fall back to a loose search
            start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            end = min(len(text), start + len(stripped))
        else:
            end = start + len(stripped)
        spans.append((start, end))
        pos = end
    spans = _split_glued(text, spans)
    spans = _move_opening_quotes(text, spans)
    return _merge_false_breaks(text, spans, lang)


def _split_glued(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s, e in spans:
        cut = s
        for m in _GLUED_END.finditer(text, s, e):
            # "U.S.": a period between capitals is an abbreviation, handled by the regex
            # requiring a lower-case letter before; "e.g.Foo" is rare enough to accept.
            out.append((cut, m.end()))
            cut = m.end()
        out.append((cut, e))
    return [(s, e) for s, e in out if text[s:e].strip()]


_OPENING_QUOTE_AT_END = re.compile(r"\s+[“‘«\"']$")


def _move_opening_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """'... the Democrat said. “' + 'I also think ...' -> the quote opens the next one."""
    out = list(spans)
    for i in range(len(out) - 1):
        s, e = out[i]
        m = _OPENING_QUOTE_AT_END.search(text, s, e)
        if m:
            quote_start = m.start() + len(m.group(0)) - 1
            out[i] = (s, m.start())
            out[i + 1] = (quote_start, out[i + 1][1])
    return out


def _merge_false_breaks(text: str, spans: list[tuple[int, int]], lang: str = "en") -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged:
            ps, pe = merged[-1]
            prev = text[ps:pe]
            nxt = text[s:e]
            if (_NO_BREAK_AFTER.search(prev) and nxt[:1].isupper()) or (
                    _CLOCK_END.search(prev) and _CLOCK_GOES_ON.match(nxt)) or (
                    lang in _ORDINAL_LANGS and _ORDINAL_END.search(prev) and _ORDINAL_GOES_ON.match(nxt)) or (
                    _MONTH_ABBREVIATION_END.search(prev) and nxt[:1].isdigit()):
                merged[-1] = (ps, e)
                continue
        merged.append((s, e))
    return merged


def segment_document(doc: Document, lang: str | None = None) -> None:
    visible: VisibleText = getattr(doc, "_visible", VisibleText(doc.text, None, len(doc.text)))
    lang = lang or doc.language or "en"
    sentences = []
    for ls, le in doc_kept_spans(doc):
        line = visible.text[ls:le]
        for s, e in split_sentences(line, lang):
            os_, oe = visible.span(ls + s, ls + e)
            sentences.append(Sentence(start=os_, end=oe, text=line[s:e]))
    doc.sentences = sentences


def run(docs: list[Document], ctx: Context) -> None:
    """Segment every document. Language is not known yet: a first guess on the whole
    kept text picks sentencex's rules (they differ little between languages)."""
    for i, doc in enumerate(docs, 1):
        guess = doc.language
        if guess is None:
            visible = getattr(doc, "_visible", None)
            sample = visible.text[:2000] if visible else doc.text[:2000]
            guess, _ = ctx.models.langid.detect(sample)
        segment_document(doc, guess or "en")
        ctx.report_progress("segment", i, len(docs), doc.id)
