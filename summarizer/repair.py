"""The repair stage: faithful, minimal rewrites of flagged sentences.

Measured before this stage existed (DESIGN.md): a context-free "fix this sentence"
prompt to the generator makes garbled sentences worse on average. So every rewrite is
asked for as a minimal post-edit (prompts/repair.prompt, with short invented examples)
and given what a human post-editor would look at: the neighbouring sentences, the
closest sentences of the other articles (the same fact told by another outlet), the
consensus spelling of names, and the source sentence when the text is a translation.
Then the guard (summarizer/guard.py) checks names, numbers, dates, quotations,
negations and length, and the detection stage must score the rewrite as better than
the original. A rewrite that fails is kept in the report, not applied, with the
reason; a second candidate (sampled, told why the first failed) is tried first. A
flagged sentence with nothing to check a rewrite against (no source sentence, no
neighbours, no other article, no surface error: an isolated MT segment that only the
language model finds odd) is not sent to the model (``UNVERIFIABLE``).

Name canonicalisation (variant -> consensus spelling from ``ctx.entities``) needs no
model: it is applied to every sentence containing a variant, flagged or not.

Speed: the system prompt, rules and examples are an identical prefix across calls, so
llama.cpp's prefix cache evaluates them once; per-sentence context comes last; the
output is capped by the input length and stopped at the first newline; a guard-refused
candidate's second try follows it at once (same prompt but the feedback at its end, so
the cache covers the context too); candidates are scored by detection in batches.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from .context import Context
from .descriptors import consensus_descriptors, lone_runs, source_descriptors
from .document import Document, Entity, Repair, Sentence, bilingual_source
from .guard import GuardResult, apply_consensus, check_rewrite, content_swaps, content_words, same_word
from .models.generator import chat_many
from .prompts import load_prompt
from .typography import restore_abbreviations

NAME_FIX_MODEL = "name canonicalisation (no rewrite)"
_CONTEXT_SENTENCES = 3  # closest sentences from other articles shown to the model
# e5 cosine below which another article's sentence is not about the same fact; e5
# similarities sit high (unrelated news sentences score ~0.75-0.8).
_CONTEXT_MIN_SIM = 0.82
# Two outlets often carry the same wire sentence in other words ("Moscow has demanded
# wide-ranging security guarantees ..." / "Moscow has been demanding broad security
# guarantees ..."): the second tells the model nothing new, in a place another fact
# could take (prompt tokens are most of repair's time). A sentence this close to one
# already picked is skipped. (Seeds: two sentences' contexts changed; their candidates
# were refused by the guard either way; the other 24 repairs came out the same.)
_CONTEXT_SAME = 0.95
_SECOND_TEMPERATURE = 0.5
# How much lower detection must score a rewrite than its original (badness in [0, 1]).
# Below this the difference is scoring noise, not a repair: on MLQE-PE ne-en dev
# (bilingual, first 50) a sampled second candidate that only swapped "that variable" for
# "the variable" scored 0.546 against 0.547 and was applied (sentence chrF 37.3 -> 36.6,
# TER 82.4 -> 88.2); the smallest gain among the other applied rewrites there was 0.023.
BETTER_BY = 0.01
_TAG = re.compile(r"</?\s*(sentence|context|source)\b[^>]*>", re.IGNORECASE)


@dataclass
class SegmentRepair:
    """One segment's outcome for the evaluation harness."""

    output: str  # the rewrite if applied, else the MT unchanged
    flagged: bool
    applied: bool
    guard: str  # "ok", why the rewrite was rejected, or "not flagged"
    candidate: str | None = None  # the last rewrite proposed (applied or not)


@dataclass
class _Item:
    """One sentence to repair, with everything the prompt and the guard need."""

    original: str
    source: str | None = None
    src_lang: str | None = None
    context: list[str] = field(default_factory=list)
    consensus: dict[str, str] = field(default_factory=dict)
    # Which texts may supply a name or number the original lacks. Not every article and
    # not every sentence shown: on the seeds, with the retrieved sentences allowed,
    # "He told the sir himself" became "told the French leader himself" from another
    # article's sentence about a different call. So: the source sentence, the
    # neighbours in the same article (``evidence``) and ``sources_text``; sentences of
    # other articles inform the model but cannot license a new name or number.
    evidence: list[str] = field(default_factory=list)
    sources_text: str = ""
    surface: list[str] = field(default_factory=list)  # surface error codes detection found
    # results
    candidate: str | None = None
    guard: str = ""
    applied: bool = False
    tries: int = 0
    seconds: float = 0.0
    partial: str = ""  # set when only some edits of a refused rewrite are kept
    fallback: tuple[str, int, int] | None = None  # the first candidate's safe edits (partial_rewrite)
    rescored: list[float] | None = None  # detection's [before, after] for a candidate the guard passed


# MT from languages that put the title after the name turns "Mr. Biden" into
# "gentlemen. Biden" / "sir. Biden" (seeds 003). The fix is certain, so it is made
# before the model sees the sentence (the 1.5B generator often leaves it as is).
_STRAY_HONORIFIC = re.compile(r"(?<![\w.])(?:gentlemen|sir)\.\s+(?=[A-Z][a-z])")


NO_CHANGE = "no change proposed"

# A refused rewrite often holds good edits next to the one the guard refused (seeds:
# "calling for NATO And Washington seek" -> "and Washington to seek" beside a dropped
# "government"). A post-editor would keep those: the refused candidate's edits are tried
# one by one, left to right, each kept when the guard still passes with it. A whole
# second candidate goes first (it may fix what the first could not); when it is refused
# too, its safe edits, or else the first candidate's, are the candidate.
_TOKEN = re.compile(r"\s*\S+")


def safe_edit(old: str, new: str) -> bool:
    """Is replacing ``old`` by ``new`` (one edit of a refused rewrite) a repair of form
    rather than of content? Capitals, punctuation, function words, honorifics, glued or
    misspelt words, and at most one content word brought in ("will be no" -> "will see
    no"). Not: a content word of the original dropped or swapped for others. The guard
    judges a whole text, and one content swap passes it when its words are English, its
    names and numbers known and its words in some source: on the page's example article,
    the refused rewrite's
    "allowed on Monday to return home, gentlemen." -> "... to evacuate the city centre,
    as the water of the Sanna is still high." was kept as a safe edit."""
    if same_word("".join(content_words(old)), "".join(content_words(new))):  # glued words split
        return True
    dropped, brought = content_swaps(old, new)
    return not dropped and len(brought) <= 1


def partial_rewrite(original: str, candidate: str, passes) -> tuple[str, int, int] | None:
    """The original with those of the candidate's word-level edits (difflib hunks) that
    are edits of form (``safe_edit``) and that ``passes(text)`` accepts, added greedily
    left to right (alone, or with the next edit when neither passes alone); (text, kept,
    hunks), or None when no edit can be kept."""
    from difflib import SequenceMatcher

    a, b = _TOKEN.findall(original), _TOKEN.findall(candidate)
    # aligned on words without case or edge punctuation, so that a fixed capital or a
    # full stop is an edit of its own, apart from a name added next to it
    key = [re.sub(r"^\W+|\W+$", "", t.strip().lower()) or t.strip() for t in a], \
        [re.sub(r"^\W+|\W+$", "", t.strip().lower()) or t.strip() for t in b]
    ops = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, *key, autojunk=False).get_opcodes():
        if tag != "equal":
            ops.append((tag, i1, i2, j1, j2))
            continue
        for i, j in zip(range(i1, i2), range(j1, j2)):
            ops.append(("equal" if a[i].strip() == b[j].strip() else "replace", i, i + 1, j, j + 1))
    hunks = [k for k, op in enumerate(ops) if op[0] != "equal"]
    # only edits of form are candidates (``safe_edit``); the others are never kept
    safe = [k for k in hunks
            if safe_edit("".join(a[ops[k][1]:ops[k][2]]), "".join(b[ops[k][3]:ops[k][4]]))]

    def merged(keep: set[int]) -> str:
        out = []
        for k, (tag, i1, i2, j1, j2) in enumerate(ops):
            if tag != "equal" and k in keep:
                piece = b[j1:j2]
                if piece and i1 < len(a) and a[i1][:1].isspace() != piece[0][:1].isspace():
                    # the hunk takes the original's spacing before it
                    lead = a[i1][:len(a[i1]) - len(a[i1].lstrip())]
                    piece = [lead + piece[0].lstrip(), *piece[1:]]
                out += piece
            else:
                out += a[i1:i2]
        return "".join(out).strip()

    # An edit that fixes one slip can fail the guard because the next edit fixes the
    # other slip beside it (seeds: "gentlemen. Biden It also faces" needs both "Mr." and
    # the dropped "It"; either alone still has a slip). Refused alone, an edit is taken
    # with the next one when that one is refused alone too: a next edit that passes on
    # its own is no reason to take the refused one (MLQE-PE si-en: "In the influence of
    # the wang emperor" lost its "In" riding along with the capital of "Wang").
    keep: set[int] = set()
    p = 0
    while p < len(safe):
        k = safe[p]
        if passes(merged(keep | {k})):
            keep.add(k)
        elif (p + 1 < len(safe) and not passes(merged(keep | {safe[p + 1]}))
              and passes(merged(keep | {k, safe[p + 1]}))):
            keep |= {k, safe[p + 1]}
            p += 1
        p += 1
    if not keep or len(keep) == len(hunks):
        return None  # nothing safe, or the whole candidate (which the guard refused)
    return merged(keep), len(keep), len(hunks)


# A flagged sentence with no source, no context and no surface error (only the language
# model finds it odd): nothing a rewrite could be checked against. Measured on MLQE-PE
# dev (first 40 a pair, target-only): rewriting such sentences lowered chrF on the
# changed subset on 4 of 5 pairs (et-en 76.87 -> 68.59, ro-en 74.21 -> 73.55, ru-en
# 90.49 -> 84.02, si-en 35.29 -> 34.30; ne-en 43.98 -> 44.87), and detection's own
# before/after scores did not predict which rewrites helped. Such sentences stay flagged.
UNVERIFIABLE = ("not rewritten: no source sentence, no context and no surface error to check a rewrite "
                "against (the sentence stays flagged)")
_WORD = re.compile(r"\w+")


def _first_word_lowered(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [words[0].lower()] + words[1:] if words else words


# Determiners and demonstratives: one put in place of another ("that variable" -> "the
# variable") is a post-editor's taste, not a translation error fixed. Inserting a missing
# article or dropping a wrong one is still a repair.
_DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those"})


def determiner_swap_only(original: str, rewrite: str) -> bool:
    """The rewrite differs from the original only where one determiner replaced another
    (a capital fixed elsewhere is a change of its own)."""
    a, b = _WORD.findall(original), _WORD.findall(rewrite)
    diff = [(x.lower(), y.lower()) for x, y in zip(a, b) if x != y]
    # a determiner's capital fixed ("Russia, A leading power" -> "a leading") is a repair
    return len(a) == len(b) and bool(diff) and all(x != y and x in _DETERMINERS and y in _DETERMINERS
                                                   for x, y in diff)


def pre_edit(text: str, consensus: dict[str, str]) -> str:
    """Certain, model-free fixes: stray honorifics and the consensus spelling of names."""
    return apply_consensus(_STRAY_HONORIFIC.sub("Mr. ", text), consensus)


def _data(text: str) -> str:
    """Article text inside a prompt: neutralise anything that looks like our tags so it
    cannot close the data block it sits in."""
    return _TAG.sub(lambda m: m.group(0).replace("<", "(").replace(">", ")"), text.strip())


def _clean_output(text: str, original: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = lines[0] if lines else ""
    out = _TAG.sub("", out).strip()
    # a label the model put before its answer ("Corrected sentence: ..."), unless the
    # original itself starts that way
    label = re.match(r"^(?:corrected|fixed|rewritten|repaired|edited)?\s*(?:sentence|version|text)?\s*:\s*", out,
                     flags=re.IGNORECASE)
    if label and label.group(0).strip() and not original.lower().startswith(label.group(0).strip().lower()):
        out = out[label.end():]
    if len(out) >= 2 and out[0] == out[-1] == '"' and not original.startswith('"'):
        out = out[1:-1].strip()
    return _drop_resumptive_pronoun(_restore_typography(out, original))


def _drop_resumptive_pronoun(text: str) -> str:
    """A subject pronoun repeating the opening name ("Mr. Biden it also faces ...", the
    source's word order) is deleted: the generator often keeps it, lower-cased or not
    (seeds: the rewrite of "gentlemen. Biden It also faces ..." was refused for it), and
    MLQE-PE's post-editors never kept one. Detection's ``repeated_subject`` finds it."""
    from .detect.surface import repeated_subject

    for finding in repeated_subject(text):
        a, b = finding.span
        # a singular pronoun only: "Vladimir Putin they hate" may be a fronted object
        if text[a:b].lower() in ("he", "she", "it"):
            text = text[:a].rstrip() + " " + text[b:].lstrip()
    return text


_QUOTE_MARKS = ("“", "”", "\"", "«", "»")
_LONE_CLOSE = re.compile(r"(\w+\W{1,2}\w+[,.]?)([”\"»])")  # the two words before a closing mark
_LONE_OPEN = re.compile(r"([“\"«])(\w+\W{1,2}\w+)")


def _quote_total(text: str) -> int:
    return sum(text.count(q) for q in _QUOTE_MARKS)


def _restore_typography(text: str, original: str) -> str:
    """The generator straightens curly quotes and apostrophes (measured on the seeds);
    put back the original's style so an otherwise good edit is not lost to it."""
    if ("“" in original or "”" in original) and '"' not in original and '"' in text:
        parts = text.split('"')
        text = parts[0] + "".join(("“" if k % 2 == 0 else "”") + p for k, p in enumerate(parts[1:]))
    if "’" in original and "'" not in original:
        text = re.sub(r"(?<=\w)'(?=\w)|(?<=[sS])'(?=\s)", "’", text)
    # it also drops the quotation marks around words it kept verbatim (seeds: “key
    # question” -> key question): a quotation must stay marked as one
    for open_q, inner, close_q in re.findall(r"([“\"«])([^“”\"«»]{2,}?)([”\"»])", original):
        quoted = f"{open_q}{inner}{close_q}"
        if quoted not in text and inner in text and text.count(inner) == 1:
            text = text.replace(inner, quoted)
    # a quotation that opens or closes in a neighbouring sentence leaves one mark in this
    # one (seeds: 'Russia Need to understand that we are united in this regard,” the
    # California Democrat said.'); the generator drops it as unbalanced. It goes back
    # after (or before) the same two words, when the rewrite kept them and lost the mark.
    if _quote_total(text) < _quote_total(original) and _quote_total(original) % 2 == 1:
        for m in _LONE_CLOSE.finditer(original):
            words = m.group(1)
            if text.count(words) == 1 and text.split(words, 1)[1][:1] not in _QUOTE_MARKS:
                text = text.replace(words, words + m.group(2))
                break
        else:
            for m in _LONE_OPEN.finditer(original):
                words = m.group(2)
                if text.count(words) == 1 and text.split(words, 1)[0][-1:] not in _QUOTE_MARKS:
                    text = text.replace(words, m.group(1) + words)
                    break
    text = _requote_by_alignment(text, original)
    # and spaces out abbreviations ("U.S." -> "U. S.")
    text = _restore_date_order(restore_abbreviations(text, original), original)
    return _restore_spelling(text, original)


_QUOTE_MARK = re.compile(r"[“”\"«»]")
_ALIGN_WORD = re.compile(r"[\w’'-]+")
_OPEN_CLOSE = {"“": ("“", "”"), "”": ("“", "”"), "«": ("«", "»"), "»": ("«", "»"), '"': ('"', '"')}


def _requote_by_alignment(text: str, original: str) -> str:
    """Put back every quotation mark of the original when the rewrite lost them all and
    edited the quoted words, so the verbatim checks above could not place them (seeds:
    'Russia We will have to ... our security,” he said' came back with the fix and no
    marks; the guard refused it). Each mark goes before the rewrite's copy of the word it
    opens on, or after the copy of the word it closes on (and the punctuation the
    original puts inside the quotation), the words matched in order (difflib); a mark
    whose word the rewrite changed leaves the rewrite as it was. A mark in closing
    position is written as the closing form ('security. “' -> 'security.”')."""
    if not _QUOTE_MARK.search(original) or _QUOTE_MARK.search(text):
        return text
    import difflib

    ow = [(m.start(), m.end(), m.group(0).lower()) for m in _ALIGN_WORD.finditer(original)]
    tw = [(m.start(), m.end(), m.group(0).lower()) for m in _ALIGN_WORD.finditer(text)]
    matcher = difflib.SequenceMatcher(a=[w[2] for w in ow], b=[w[2] for w in tw], autojunk=False)
    mapped = {a + k: b + k for a, b, n in matcher.get_matching_blocks() for k in range(n)}
    inserts: list[tuple[int, str]] = []
    for m in _QUOTE_MARK.finditer(original):
        opening_form, closing_form = _OPEN_CLOSE[m.group(0)]
        nxt = next((k for k, w in enumerate(ow) if w[0] >= m.end()), None)
        prev = next((k for k in range(len(ow) - 1, -1, -1) if ow[k][1] <= m.start()), None)
        before_space = m.start() == 0 or original[m.start() - 1].isspace() or original[m.start() - 1] in "([—–-"
        if before_space and nxt is not None and ow[nxt][0] == m.end():  # opens on the next word
            if nxt not in mapped:
                return text
            inserts.append((tw[mapped[nxt]][0], opening_form))
        else:  # closes on the word before it
            if prev is None or prev not in mapped:
                return text
            end = tw[mapped[prev]][1]
            if original[ow[prev][1]:m.start()].strip():  # punctuation inside the quotation
                end += len(re.match(r"[,.;:!?]*", text[end:]).group(0))
            inserts.append((end, closing_form))
    for pos, mark in sorted(inserts, reverse=True):
        text = text[:pos] + mark + text[pos:]
    return text


_WORD_RUN = re.compile(r"[^\W\d_]+")


def _restore_spelling(text: str, original: str) -> str:
    """A word the original spells in the other convention ("manoeuvre" -> "maneuver")
    is spelt as the original spells it: not a translation error fixed, and not what a
    post-editor changes (MLQE-PE ro-en dev, first 100, bilingual: with it, chrF of the
    tool's output 82.58 -> 82.67, TER 22.08 -> 22.02; the one segment it touched had a
    real fix, "wrestlon" -> "wrestler", and lost chrF to "maneuver" all the same)."""
    from .lexicon import spelling_key

    theirs = {spelling_key(w): w for w in _WORD_RUN.findall(original) if len(w) > 3}

    def back(m: re.Match) -> str:
        w = m.group(0)
        v = theirs.get(spelling_key(w)) if len(w) > 3 else None
        if v is None or v.lower() == w.lower():
            return w
        return v if w[:1].islower() == v[:1].islower() else w[:1] + v[1:]
    return _WORD_RUN.sub(back, text)


_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) {_MONTH}\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?\b")


def _restore_date_order(text: str, original: str) -> str:
    """The generator turns "17 June" into "June 17" (and back): the same date in the
    other outlet style, an edit a post-editor would not make (MLQE-PE ro-en dev: the
    only change to a flagged segment, chrF against the post-edit 65.2 -> 58.2). A date
    the original writes one way is written that way again."""
    day_month = {(int(d), m) for d, m in _DAY_MONTH.findall(original)}
    month_day = {(int(d), m) for m, d in _MONTH_DAY.findall(original)}
    text = _MONTH_DAY.sub(lambda x: f"{int(x.group(2))} {x.group(1)}"
                          if (int(x.group(2)), x.group(1)) in day_month - month_day else x.group(0), text)
    return _DAY_MONTH.sub(lambda x: f"{x.group(2)} {x.group(1)}"
                          if (int(x.group(1)), x.group(2)) in month_day - day_month else x.group(0), text)


def consensus_map(entities: Sequence[Entity]) -> dict[str, str]:
    """variant spelling -> consensus spelling, from the entities detection found."""
    out: dict[str, str] = {}
    for ent in entities:
        for variant, *_ in ent.variants:
            if variant and variant != ent.canonical:
                out[variant] = ent.canonical
    return out


def _names_line(text: str, consensus: dict[str, str], entities: Sequence[Entity]) -> str:
    shown = []
    for ent in entities:
        variants = [v for v, *_ in ent.variants if v != ent.canonical and re.search(
            r"(?<!\w)%s(?!\w)" % re.escape(v), text)]
        if variants:
            shown.append(f"{ent.canonical} (not: {', '.join(sorted(set(variants)))})")
        elif re.search(r"(?<!\w)%s(?!\w)" % re.escape(ent.canonical), text):
            shown.append(ent.canonical)
    return "; ".join(shown) if shown else "none"


class Repairer:
    """Rewrites sentences with the generator and applies only what passes the guard."""

    def __init__(self, ctx: Context, generator=None):
        self.ctx = ctx
        self._generator = generator
        self.prompt = load_prompt("repair", ctx.config.prompts_dir)
        self._assessor: Any = None
        self._assessor_missing = False
        self.stats = {"repaired": 0, "partial": 0, "rejected": 0, "unchanged": 0, "unverifiable": 0,
                      "second_candidates": 0, "seconds": 0.0}

    @property
    def generator(self):
        if self._generator is None:
            self._generator = self.ctx.models.generator
        return self._generator

    # --- the model calls -----------------------------------------------------------
    def _messages(self, item: _Item, entities: Sequence[Entity], feedback: str) -> tuple[list, int]:
        """The prompt for ``item`` and its output cap. Detection's findings are not shown:
        tried on the seeds, a "Detection found: ..." line (the surface reasons' details)
        made the 1.5B model fix the listed slips and little else; 13 of 29 outcomes
        changed, four applied repairs came out still garbled ("Putin The United States
        ..."), and the sentence whose "Putin" sanctions himself became "sanctions on
        himself"."""
        shown = pre_edit(item.original, item.consensus)
        context = ""
        if item.context:
            context = "<context>\n" + "\n".join(_data(c) for c in item.context) + "\n</context>\n"
        source = ""
        if item.source:
            lang = f' lang="{item.src_lang}"' if item.src_lang else ""
            source = f"<source{lang}>\n{_data(item.source)}\n</source>\n"
        if feedback:
            feedback = ("\nA previous correction was rejected: " + feedback +
                        ". Edit fewer words and keep every name, number, date, quotation and negation.")
        messages = self.prompt.messages(names=_names_line(item.original, item.consensus, entities),
                                        context=context, source=source, sentence=_data(shown),
                                        feedback=feedback)
        try:
            n_in = self.generator.count_tokens(shown)
        except Exception:  # a backend without a tokenizer call: a word-based estimate
            n_in = int(len(shown.split()) * 1.6)
        return messages, int(n_in * 1.5) + 16  # a minimal edit is about as long as its input

    def rewrite_many(self, items: Sequence[_Item], *, entities: Sequence[Entity] = (),
                     feedback: Sequence[str] | None = None, temperature: float = 0.0, seed: int | None = None,
                     on_done=None) -> list[str]:
        """A rewrite of each item, in one generator call: llama.cpp decodes them in
        parallel sequences (models/parallel.py), other backends one after another."""
        prompts = [self._messages(it, entities, feedback[k] if feedback else "") for k, it in enumerate(items)]
        outs = chat_many(self.generator, [m for m, _ in prompts], max_tokens=[n for _, n in prompts], stop=["\n"],
                         temperature=temperature, seed=seed, on_done=on_done)
        return [_clean_output(out, it.original) for out, it in zip(outs, items)]

    # --- detection as the final judge ----------------------------------------------
    def _assess(self):
        if self._assessor is None and not self._assessor_missing:
            try:
                from .assess import Assessor

                self._assessor = Assessor(self.ctx)
            except Exception as exc:  # not built, or its trained combiner is missing
                self._assessor_missing = True
                self.ctx.note("repair", f"detection (summarizer.assess.Assessor) unavailable ({exc}): rewrites "
                                        "were checked by the guard only, not re-scored")
        return self._assessor

    def _scores(self, texts: list[str], sources: list[str | None], src_lang: str | None) -> list[float] | None:
        assessor = self._assess()
        if assessor is None or not texts:
            return None
        src = sources if any(s for s in sources) else None
        if src is not None:
            src = [s or "" for s in src]
        return [float(a.score) for a in assessor.score_segments(texts, src, src_lang)]

    # --- a batch of items ------------------------------------------------------------
    def _guard(self, item: _Item, rewrite: str) -> GuardResult:
        if not rewrite:
            return GuardResult(False, "the model returned nothing")
        rewrite = apply_consensus(rewrite, item.consensus)
        if rewrite == item.original:
            return GuardResult(False, NO_CHANGE)
        if _WORD.findall(rewrite) == _WORD.findall(item.original):
            # punctuation or spacing only ("them :" -> "them."): not a translation error
            # fixed, and measured on MLQE-PE ru-en dev it only moved output away from the
            # post-edits (TER 11.2 -> 13.3 on the first 10)
            return GuardResult(False, NO_CHANGE + " (punctuation only)")
        if _first_word_lowered(rewrite) == _first_word_lowered(item.original):
            # the same, but for a capital on the first word ("spread darkness" -> "Spread
            # darkness"): the post-editors of MLQE-PE kept such fragments as they were
            return GuardResult(False, NO_CHANGE + " (first letter only)")
        if determiner_swap_only(item.original, rewrite):
            # MLQE-PE ne-en dev (bilingual, first 100): the one such rewrite applied,
            # "that variable" -> "the variable", was the tool's only loss against do
            # nothing there (segment chrF 37.3 -> 36.6, TER 82.4 -> 88.2)
            return GuardResult(False, NO_CHANGE + " (one determiner for another only)")
        extra = " ".join([item.source or "", *item.evidence])
        return check_rewrite(item.original, rewrite, sources_text=f"{item.sources_text} {extra}",
                             consensus=item.consensus,
                             known_spellings=" ".join([item.source or "", *item.evidence, *item.context]),
                             source=item.source or "")

    def _attempt_all(self, items: list[_Item], entities: Sequence[Entity], stage: str, label: str) -> list[bool]:
        """One candidate for each item (a first one greedy; a second one sampled and told
        why the first was refused), all generated together, then guarded. True where the
        guard lets the candidate through."""
        ok = [False] * len(items)
        done = [0]

        def progress(_k: int) -> None:
            done[0] += 1
            self.ctx.report_progress(stage, done[0], len(items), label)

        # split before generating: a first candidate's ``tries`` goes up as it is made
        split = {second: [k for k, it in enumerate(items) if (it.tries > 0) == second] for second in (False, True)}
        for second, idx in split.items():
            if not idx:
                continue
            group = [items[k] for k in idx]
            start = time.perf_counter()
            if second:
                self.stats["second_candidates"] += len(group)
                texts = self.rewrite_many(group, entities=entities, feedback=[it.guard for it in group],
                                          temperature=_SECOND_TEMPERATURE, seed=self.ctx.config.seed + 1,
                                          on_done=progress)
            else:
                texts = self.rewrite_many(group, entities=entities, on_done=progress)
            share = (time.perf_counter() - start) / len(group)  # decoded together: an equal share each
            for k, it, text in zip(idx, group, texts):
                it.seconds += share
                it.tries += 1
                it.rescored = None  # a new candidate: the last one's scores no longer apply
                text = apply_consensus(text, it.consensus) if text else text
                result = self._guard(it, text)
                part = None
                if not result.ok and text and not result.reason.startswith(NO_CHANGE):
                    part = partial_rewrite(it.original, text, lambda t, it=it: self._guard(it, t).ok)
                if not result.ok and it.tries == 1 and part is not None:
                    it.fallback = part  # kept for when the second candidate is refused too
                elif not result.ok and (part or it.fallback):
                    merged, kept, hunks = part or it.fallback
                    text, result = merged, GuardResult(True, "ok")
                    it.partial = f"{kept} of {hunks} edits of a refused rewrite kept"
                if text or it.candidate is None:
                    it.candidate = text
                it.guard = result.reason
                ok[k] = result.ok
        return ok

    def repair_items(self, items: list[_Item], entities: Sequence[Entity] = (), stage: str = "repair") -> None:
        for item in items:
            if not (item.source or item.context or item.evidence or item.sources_text.strip() or item.surface):
                item.guard = UNVERIFIABLE
        pending = [it for it in items if it.guard != UNVERIFIABLE]
        for round_ in range(2):
            ok = self._attempt_all(pending, entities, stage, f"round {round_ + 1}")
            # A guard refusal gets its second candidate at once. (None where the model
            # proposed no change: then the sentence is best left as it is.)
            retry = [k for k, it in enumerate(pending)
                     if not ok[k] and it.tries < 2 and not it.guard.startswith(NO_CHANGE)]
            if retry:
                for k, again in zip(retry, self._attempt_all([pending[k] for k in retry], entities, stage,
                                                             f"round {round_ + 1}, second candidates")):
                    ok[k] = again
            passed = [it for k, it in enumerate(pending) if ok[k]]
            # detection must agree the rewrite is better (batched: one scoring call)
            if passed:
                groups: dict[str | None, list[_Item]] = {}
                for it in passed:
                    groups.setdefault(it.src_lang, []).append(it)
                for lang, group in groups.items():
                    texts = [g.original for g in group] + [g.candidate for g in group]
                    srcs = [g.source for g in group] * 2
                    scores = self._scores(texts, srcs, lang)
                    for k, it in enumerate(group):
                        if scores is None:
                            it.applied = True
                            continue
                        before, after = scores[k], scores[k + len(group)]
                        it.rescored = [round(before, 3), round(after, 3)]
                        if after <= before - BETTER_BY:
                            it.applied = True
                        else:
                            it.guard = (f"detection does not score the rewrite better by {BETTER_BY:g} or more "
                                        f"({after:.3f} vs {before:.3f})")
            # round 2: a first candidate that passed the guard but not detection
            pending = [it for it in pending if not it.applied and it.tries < 2
                       and not it.guard.startswith(NO_CHANGE)]
            if not pending:
                break
        for it in items:
            if it.applied:
                self.stats["repaired"] += 1
                self.stats["partial"] += bool(it.partial)
            elif it.guard.startswith(NO_CHANGE):
                self.stats["unchanged"] += 1
            elif it.guard == UNVERIFIABLE:
                self.stats["unverifiable"] += 1
            else:
                self.stats["rejected"] += 1
            self.stats["seconds"] += it.seconds

    # --- evaluation entry point (MLQE-PE) ---------------------------------------------
    def repair_segments(self, mt: list[str], src: list[str] | None = None, src_lang: str | None = None,
                        assessments=None) -> list[SegmentRepair]:
        """Repair the segments detection flags (score >= threshold); bilingual when
        ``src`` is given. Each segment is repaired on its own (no other sources)."""
        if assessments is None:
            from .assess import Assessor

            assessments = Assessor(self.ctx).score_segments(mt, src, src_lang)
        threshold = self.ctx.config.threshold
        items: dict[int, _Item] = {}
        for i, (text, a) in enumerate(zip(mt, assessments)):
            if a.score >= threshold:
                items[i] = _Item(original=text, source=src[i] if src else None, src_lang=src_lang,
                                 sources_text=src[i] if src else "",
                                 surface=_surface_codes(getattr(a, "reasons", None)))
        self.repair_items(list(items.values()))
        out = []
        for i, text in enumerate(mt):
            it = items.get(i)
            if it is None:
                out.append(SegmentRepair(output=text, flagged=False, applied=False, guard="not flagged"))
            else:
                out.append(SegmentRepair(output=it.candidate if it.applied else text, flagged=True,
                                         applied=it.applied, guard="ok" if it.applied else it.guard,
                                         candidate=it.candidate))
        return out


def _surface_codes(reasons) -> list[str]:
    from .detect.surface import SURFACE_CODES

    return [r.code for r in reasons or () if r.code in SURFACE_CODES]


# --- the pipeline stage ------------------------------------------------------------------

def _closest_other(docs: list[Document], ctx: Context, targets: list[tuple[Document, Sentence]]
                   ) -> dict[int, list[str]]:
    """For each target sentence: the closest sentences of the other articles that
    detection did not flag."""
    if len(docs) < 2 or not targets:
        return {}
    # a flagged sentence is garbled too (another article's machine translation): shown,
    # the model copies its slips (seeds: "President Biden He returned ..." and
    # "gentlemen. Putin and his Aides ..." were the context of a sentence of 002)
    pool = [(d.id, s.english) for d in docs for s in d.sentences if s.english.strip() and not s.flagged]
    if not pool:
        return {}
    emb = ctx.models.embedder
    pool_vecs = emb.encode([t for _, t in pool])
    target_vecs = emb.encode([s.english for _, s in targets])
    sims = target_vecs @ pool_vecs.T
    out: dict[int, list[str]] = {}
    for k, (doc, sent) in enumerate(targets):
        order = sims[k].argsort()[::-1]
        picked: list[int] = []
        for j in order:
            if sims[k, j] < _CONTEXT_MIN_SIM or len(picked) >= _CONTEXT_SENTENCES:
                break
            if pool[j][0] != doc.id and all(float(pool_vecs[j] @ pool_vecs[i]) < _CONTEXT_SAME for i in picked):
                picked.append(j)
        out[id(sent)] = [pool[j][1] for j in picked]
    return out


def _record_variant(ctx: Context, canonical: str, variant: str, doc_id: str) -> None:
    for ent in ctx.entities:
        if ent.canonical == canonical:
            if not any(v == variant and d == doc_id for v, d, *_ in ent.variants):
                ent.variants.append([variant, doc_id])
            return
    ctx.entities.append(Entity(canonical=canonical, variants=[[variant, doc_id]]))


def run(docs: list[Document], ctx: Context, repairer: Repairer | None = None) -> None:
    """Repair every flagged sentence; canonicalise names everywhere. ``repairer``: one
    built with another generator (tests, the API); default: the context's generator."""
    consensus = consensus_map(ctx.entities)
    threshold = ctx.config.threshold
    # who the sources say each person is, read before any rewrite, in consensus spelling
    # ("Zelenskyy" counts as "Zelensky"; see _consensus_offices)
    described = source_descriptors((di, apply_consensus(s.english, consensus))
                                   for di, d in enumerate(docs) for s in d.sentences)
    # flagged only because of misspelt names: the consensus spelling is the whole repair
    names_only = {id(s) for d in docs for s in d.sentences if s.flagged and _flagged_for_names_only(s, threshold)
                  and apply_consensus(s.english, consensus) != s.english}
    targets = [(d, s) for d in docs for s in d.sentences if s.flagged and id(s) not in names_only]
    context = _closest_other(docs, ctx, targets)

    # name canonicalisation everywhere a variant occurs (no model needed)
    name_fixes = 0
    if consensus:
        for doc in docs:
            for sent in doc.sentences:
                text = sent.english
                fixed = apply_consensus(text, consensus)
                if fixed == text:
                    continue
                for variant, canonical in consensus.items():
                    if re.search(r"(?<!\w)%s(?!\w)" % re.escape(variant), text):
                        _record_variant(ctx, canonical, variant, doc.id)
                if not sent.flagged or id(sent) in names_only:
                    sent.repair = Repair(text=fixed, applied=True, guard="ok", candidates=0, model=NAME_FIX_MODEL)
                    name_fixes += 1

    if targets:
        repairer = repairer or Repairer(ctx)
        items: list[_Item] = []
        for doc, sent in targets:
            pos = doc.sentences.index(sent)
            near = [doc.sentences[j] for j in (pos - 1, pos + 1) if 0 <= j < len(doc.sentences)]
            neighbours = [n.english for n in near]
            # a flagged neighbour is garbled too: the guard may still take names and numbers
            # from it (``evidence``), but the model is not shown it
            shown = [n.english for n in near if not n.flagged]
            bilingual_src, src_lang = bilingual_source(doc, sent)
            items.append(_Item(
                original=sent.english, source=bilingual_src, src_lang=src_lang,
                context=shown + context.get(id(sent), []), evidence=neighbours, consensus=consensus,
                surface=_surface_codes(sent.reasons)))
        repairer.repair_items(items, ctx.entities)
        model = repairer.generator.name
        for (doc, sent), it in zip(targets, items):
            text = it.candidate if it.candidate else sent.english
            sent.repair = Repair(text=text, applied=it.applied, guard="ok" if it.applied else it.guard,
                                 candidates=it.tries, model=model, partial=it.partial if it.applied else "",
                                 rescored=it.rescored,
                                 still_flagged=bool(it.applied and it.rescored and it.rescored[1] >= threshold))
        st = repairer.stats
        per = st["seconds"] / max(1, len(items))
        ctx.note("repair", f"{len(items)} flagged sentence(s): {st['repaired']} repaired ({st['partial']} of them "
                           f"with only the safe edits of a refused rewrite), {st['rejected']} "
                           f"rewrite(s) rejected by the guard, {st['unchanged']} left unchanged by the model, "
                           f"{st['unverifiable']} not rewritten (nothing to check a rewrite against); "
                           f"{st['second_candidates']} second candidate(s); {per:.1f} s per sentence")
        fallback = getattr(getattr(repairer.generator, "stats", None), "extra", {}).get("parallel_error")
        if fallback:
            ctx.note("repair", fallback)
    office_fixes = _consensus_offices(docs, described, ctx)
    if office_fixes:
        ctx.note("repair", f"{office_fixes} sentence(s) got the office or nationality most sources give a person "
                           f"in place of one a lone article gives (a rule, no model)")
    if name_fixes:
        ctx.note("repair", f"{name_fixes} sentence(s) got the consensus spelling of a name, "
                           f"{len(names_only)} of them flagged for their names alone "
                           f"(no rewrite: {NAME_FIX_MODEL})")


def _consensus_offices(docs: list[Document], described: list[tuple], ctx: Context) -> int:
    """Put a person's office or nationality that one lone article gives, against three or
    more articles giving another ("Ukrainian Prime Minister Volodymyr Zelensky" in the
    seeds' machine-translated 2 January article, "Ukrainian President" in four others),
    in the majority's form, in the repaired text or the untouched sentence: the same
    consensus as for names (``descriptors.consensus_descriptors``), recorded in the
    report's entities. A sentence whose rewrite the guard refused keeps its original.
    Returns how many sentences changed."""
    changed = 0
    for doc in docs:
        for sent in doc.sentences:
            if sent.repair is not None and not sent.repair.applied:
                continue
            text = sent.english
            runs = lone_runs(text, described)
            if not runs:
                continue
            for start, end, best in runs:
                _record_variant(ctx, best, text[start:end], doc.id)
            fixed = consensus_descriptors(text, described)
            if sent.repair is not None:
                sent.repair.text = fixed
            else:
                sent.repair = Repair(text=fixed, applied=True, guard="ok", candidates=0, model=NAME_FIX_MODEL)
            changed += 1
    return changed


def _flagged_for_names_only(sent: Sentence, threshold: float) -> bool:
    """True when the sentence's score without what its misspelt names added (the
    cross-source update's share, kept as the name_variant reasons' weights) is under
    the threshold: the per-sentence evidence alone would not have flagged it."""
    raised = sum(r.weight for r in sent.reasons if r.code == "name_variant")
    return raised > 0 and sent.score - raised < threshold
