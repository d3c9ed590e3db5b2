"""The summarize stage: one merged, neutral, cited summary from the aligned facts.

1. Select facts (``select_facts``): fact groups from the align stage ranked by support
   (share of documents stating them), centrality and how early they come in their
   articles (news puts the main fact first); near-duplicates skipped; then every
   document that is not yet represented gets its best fact, so a source that adds
   something (another date, another side) is heard.
2. Write (``generate``): the generator gets the facts (one representative sentence per
   group, chronological, with date and number of sources) through
   ``prompts/summarize.prompt`` and writes a headline and the summary, citing fact
   numbers after each sentence.
3. Check (``check_sentence``): every name, number, month and weekday of a generated
   sentence must appear in its evidence (the cited groups' sentences; groups that hold
   a missing word are added as evidence); a one-sided claim must stay attributed; no
   loaded term may appear unattributed. A failing sentence is replaced by the source
   sentence of its main fact (cited) or dropped if that one is already told, and
   ``Summary.notes`` says which and why.
4. Extractive fallback when the generator is unavailable or fails: the selected facts'
   representative sentences, in the same order, cited.
5. Render into ``summary_lang`` when it differs from the target language.

Length: ``target_words`` adapts the configured ``summary_words`` to the input (at most a
quarter of the input's words, at least 40), so three short wire items get a ~60-word
roundup and five long articles the full length.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .align import MONTHS, WEEKDAYS, FactGroup, names_in, numbers_in
from .context import Context
from .document import Document, Entity, Summary, SummarySentence
from .prompts import load_prompt

# Words whose use adopts one side's framing. Not exhaustive: a guard for the common
# cases (the seeds' tag list carried "ukrainian coup"); extend as needed.
LOADED_TERMS = re.compile(
    r"\b(coup|junta|regime|puppet|terrorists?|thugs?|invaders?|occupiers?|nazis?|fascists?|aggressors?|"
    r"martyrs?|genocide|massacre|illegals?|radical left|far-left|far-right|extremists?|propaganda)\b", re.I)
# Wording that attributes a claim to someone.
ATTRIBUTION = re.compile(
    r"\b(said|says|say|according to|claim(?:s|ed)?|accus(?:e|es|ed)|alleg(?:e|es|ed)|den(?:y|ies|ied)|"
    r"warn(?:s|ed)?|insist(?:s|ed)?|argu(?:e|es|ed)|assert(?:s|ed)?|told|stated?|report(?:s|ed)?|"
    r"call(?:s|ed)|describ(?:e|es|ed)|quoted|announced?|demand(?:s|ed)?|urg(?:e|es|ed)|tweet(?:s|ed)?|"
    r"wr(?:ote|ites)|believes?|fears?|views?)\b|[\"“”]", re.I)
# A source sentence that reports someone's claim (narrower than ATTRIBUTION, which
# also accepts quotation marks and reporting verbs in the summary sentence).
CLAIM = re.compile(r"\b(said|says|according to|claim(?:s|ed)?|accus(?:e|es|ed)|alleg(?:e|es|ed)|"
                   r"insist(?:s|ed)?|den(?:y|ies|ied))\b", re.I)
_CITE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_HEADLINE = re.compile(r"^\s*(?:\*\*)?(?:headline|title)\s*:\s*(?:\*\*)?\s*", re.I)

MAX_FACTS = 9
REDUNDANT = 0.90  # cosine above which two representatives tell the same thing
SAME_FACT = 0.86  # cosine above which a written sentence tells a given fact


@dataclass
class Fact:
    """A selected fact group and the sentence that represents it."""

    group: FactGroup
    doc_id: str
    index: int  # sentence index in the document
    text: str  # representative sentence (english)
    score: float


def target_words(docs: list[Document], ctx: Context) -> int:
    total = sum(len(s.english.split()) for d in docs for s in d.sentences)
    return int(max(40, min(ctx.config.summary_words, round(0.25 * total))))


def _by_id(docs: list[Document]) -> dict[str, Document]:
    return {d.id: d for d in docs}


def _representative(group: FactGroup, by_id: dict[str, Document]) -> tuple[str, int]:
    """The member to show: not flagged as badly translated, central, not too long."""
    def key(m):
        s = by_id[m[0]].sentences[m[1]]
        n = len(s.english.split())
        length_penalty = max(0, n - 35) / 35 + max(0, 8 - n) / 8
        return (s.flagged, s.score + length_penalty, group.members.index(m))
    return min(group.members, key=key)


def select_facts(docs: list[Document], groups: list[FactGroup], ctx: Context, words: int) -> list[Fact]:
    """Most supported and central first, non-redundant, every source represented."""
    by_id = _by_id(docs)
    if not groups:
        return []
    n_docs = max(1, len(docs))
    cents = np.array([g.centrality for g in groups])
    # rank-normalised centrality: its raw range is narrow (0.85-0.95) and corpus-dependent
    crank = cents.argsort().argsort() / max(1, len(groups) - 1)
    scored = []
    for g, c in zip(groups, crank):
        score = 0.45 * (g.support - 1) / max(1, n_docs - 1) + 0.25 * c + 0.3 * (1 - g.position)
        doc_id, idx = _representative(g, by_id)
        scored.append(Fact(g, doc_id, idx, by_id[doc_id].sentences[idx].english, float(score)))
    scored.sort(key=lambda f: -f.score)
    embed = ctx.models.embedder.encode
    budget = 1.6 * words  # the generator compresses; give it a bit more than it needs
    chosen: list[Fact] = []
    vecs: list[np.ndarray] = []

    def redundant(f: Fact) -> bool:
        v = embed([f.text])[0]
        return any(float(v @ w) > REDUNDANT for w in vecs)

    def add(f: Fact) -> None:
        chosen.append(f)
        vecs.append(embed([f.text])[0])

    used = 0
    for f in scored:
        if used >= budget or len(chosen) >= MAX_FACTS:
            break
        if redundant(f):
            continue
        add(f)
        used += len(f.text.split())
    # every source represented: its best fact not yet told
    for doc in docs:
        if any(doc.id in f.group.sources for f in chosen) or len(chosen) >= MAX_FACTS + 3:
            continue
        own = [f for f in scored if doc.id in f.group.sources and not redundant(f)]
        if own:
            add(own[0])
    return order_facts(chosen, docs)


def order_facts(facts: list[Fact], docs: list[Document]) -> list[Fact]:
    """Chronological by date (undated facts with the latest), then importance."""
    dates = sorted({f.group.date for f in facts if f.group.date})
    latest = dates[-1] if dates else ""
    return sorted(facts, key=lambda f: (f.group.date or latest, -f.score))


# --- canonical names ----------------------------------------------------------------

def canonicalise(text: str, entities: list[Entity]) -> str:
    """Replace known variant spellings by the canonical name (longest variants first)."""
    pairs = sorted({(v[0], e.canonical) for e in entities for v in e.variants if v and v[0] != e.canonical},
                   key=lambda p: -len(p[0]))
    for variant, canonical in pairs:
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", canonical, text)
    return text


# --- checking --------------------------------------------------------------------------

def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", text).lower()


def _date_words(iso: str | None) -> set[str]:
    if not iso:
        return set()
    y, m, d = iso.split("-")
    from datetime import date as _d

    day = _d(int(y), int(m), int(d))
    return {y, MONTHS[int(m) - 1], str(int(d)), WEEKDAYS[day.weekday()]}


def checked_words(text: str) -> list[str]:
    """Names, numbers, months and weekdays of a sentence: what must be in its evidence."""
    words = list(dict.fromkeys(names_in(text)))
    words += [n for n in dict.fromkeys(numbers_in(text))]
    low = text.lower()
    words += [w for w in MONTHS + WEEKDAYS if re.search(rf"\b{w}\b", low)]
    return words


def _found(word: str, haystack: str, allowed: set[str], entities: list[Entity]) -> bool:
    w = _norm(word)
    if w in allowed:
        return True
    if re.search(rf"(?<!\w){re.escape(w)}", haystack):
        return True
    # a canonical name stands for its variants in the sources
    for e in entities:
        if word in e.canonical.split() and any(_norm(v[0]) in haystack for v in e.variants):
            return True
    return False


@dataclass
class Check:
    ok: bool
    evidence: list[int]  # fact numbers (0-based) used as evidence
    problem: str = ""


def check_sentence(text: str, cited: list[int], facts: list[Fact], docs: list[Document],
                   entities: list[Entity], vec: np.ndarray | None = None,
                   fact_vecs: np.ndarray | None = None) -> Check:
    """Is every name/number/date of ``text`` in its evidence? attribution kept? no loaded term?"""
    by_id = _by_id(docs)

    def fact_text(i: int) -> str:
        parts = []
        for doc_id, si in facts[i].group.members:
            s = by_id[doc_id].sentences[si]
            parts += [s.english, s.text]
        return _norm(" ".join(parts))

    evidence = [i for i in cited if 0 <= i < len(facts)]
    if not evidence and vec is not None and fact_vecs is not None and len(fact_vecs):
        sims = fact_vecs @ vec
        evidence = [int(i) for i in np.argsort(-sims)[:2] if sims[i] >= 0.84] or [int(np.argmax(sims))]
    if not evidence:
        return Check(False, [], "no fact supports it")
    missing = []
    for word in checked_words(text):
        allowed = set().union(*(_date_words(facts[i].group.date) for i in evidence))
        if _found(word, " ".join(fact_text(i) for i in evidence), allowed, entities):
            continue
        # the writer may have merged another selected fact: add it as evidence
        extra = [i for i in range(len(facts)) if i not in evidence and
                 _found(word, fact_text(i), _date_words(facts[i].group.date), entities)]
        if extra:
            evidence.append(extra[0])
            continue
        missing.append(word)
    if missing:
        return Check(False, evidence, "not in its sources: " + ", ".join(repr(m) for m in missing))
    loaded = LOADED_TERMS.search(text)
    if loaded and not ATTRIBUTION.search(text):
        return Check(False, evidence, f"adopts the loaded term {loaded.group(0)!r} without attribution")
    one_sided = [i for i in evidence if facts[i].group.support == 1 and CLAIM.search(facts[i].text)]
    if one_sided and not ATTRIBUTION.search(text):
        return Check(False, evidence, "drops the attribution of a one-source claim")
    return Check(True, evidence)


# --- building summary sentences ------------------------------------------------------------

def _cite(text: str, fact_ids: list[int], facts: list[Fact], docs: list[Document], note: str | None = None,
          entities: list[Entity] | None = None) -> SummarySentence:
    by_id = _by_id(docs)
    evidence, seen = [], set()
    for i in fact_ids:
        for doc_id, si in facts[i].group.members:
            if (doc_id, si) in seen:
                continue
            seen.add((doc_id, si))
            s = by_id[doc_id].sentences[si]
            evidence.append([doc_id, s.start, s.end])
    order = {d.id: k for k, d in enumerate(docs)}
    sources = sorted({e[0] for e in evidence}, key=lambda d: order.get(d, 0))
    return SummarySentence(text=canonicalise(text, entities or []), sources=sources, evidence=evidence, note=note)


def extractive(facts: list[Fact], docs: list[Document], words: int, entities: list[Entity]) -> list[SummarySentence]:
    """The selected facts told with their representative sentences, most important first
    until the word target, then put back in story order."""
    keep, used = [], 0
    for k in sorted(range(len(facts)), key=lambda k: -facts[k].score):
        n = len(facts[k].text.split())
        if keep and used + n > words * 1.15:
            continue
        keep.append(k)
        used += n
    return [_cite(facts[k].text, [k], facts, docs, "extractive", entities) for k in sorted(keep)]


def _facts_block(facts: list[Fact], entities: list[Entity]) -> str:
    lines = []
    for i, f in enumerate(facts, 1):
        n = f.group.support
        date = f.group.date or "date unknown"
        text = canonicalise(" ".join(f.text.split()), entities).replace("</facts>", "")
        lines.append(f"[{i}] ({date}; {n} source{'s' if n != 1 else ''}) {text}")
    return "\n".join(lines)


def plan_sentences(facts: list[Fact], ctx: Context, n_slots: int) -> list[list[int]]:
    """Which facts each summary sentence tells. Start with one fact per sentence, then
    merge the most similar neighbouring sentences of the same date (at most three facts
    each) until there are ``n_slots``: the plan fixes coverage and order, the model
    only merges and rewords."""
    if not facts:
        return []
    vecs = ctx.models.embedder.encode([f.text for f in facts])
    plan: list[list[int]] = [[i] for i in range(len(facts))]
    while len(plan) > n_slots:
        best, where = -1.0, -1
        for k in range(len(plan) - 1):
            a, b = plan[k], plan[k + 1]
            if facts[a[0]].group.date != facts[b[0]].group.date or len(a) + len(b) > 3:
                continue
            sim = float(np.mean(vecs[a] @ vecs[b].T))
            if sim > best:
                best, where = sim, k
        if where < 0:
            break
        plan[where:where + 2] = [plan[where] + plan[where + 1]]
    return plan


def _plan_block(plan: list[list[int]], facts: list[Fact], words: int) -> str:
    dates = sorted({f.group.date for f in facts if f.group.date})
    latest = dates[-1] if dates else None
    per = max(12, round(words / max(1, len(plan))))
    lines, said = [], set()
    for k, slot in enumerate(plan, 1):
        date = facts[slot[0]].group.date
        # only earlier moments of the story need their date; said once per date
        when = f"reported {date}, say when; " if date and date != latest and date not in said else ""
        if when:
            said.add(date)
        lines.append(f"S{k} ({when}at most {per + 5 * (len(slot) - 1)} words): facts "
                     + " ".join(f"[{i + 1}]" for i in slot))
    return "\n".join(lines)


_SLOT = re.compile(r"^\s*(?:\*\*)?S(\d+)\s*(?:\([^)]*\))?\s*[:.)-]\s*(?:\*\*)?\s*", re.I)


def parse_output(raw: str, n_slots: int) -> tuple[str | None, dict[int, str]]:
    """Generated text -> (headline or None, {slot index (0-based): sentence text})."""
    headline, slots = None, {}
    nxt = 0
    for line in raw.strip().splitlines():
        line = line.strip().lstrip("-*#> ").strip()
        if not line:
            continue
        if _HEADLINE.match(line):
            headline = _CITE.sub("", _HEADLINE.sub("", line)).strip().strip("*").rstrip(".").strip() or None
            continue
        m = _SLOT.match(line)
        if m:
            k = int(m.group(1)) - 1
            line = line[m.end():]
        else:
            k = nxt  # an unlabeled line: the next sentence of the plan
        text = re.sub(r"\s+([.,;:])", r"\1", _CITE.sub("", line)).strip()
        if 0 <= k < n_slots and k not in slots and len(text.split()) >= 3:
            slots[k] = text
            nxt = k + 1
    return headline, slots


def generate(facts: list[Fact], docs: list[Document], ctx: Context, words: int,
             headline: bool = True) -> tuple[list[SummarySentence], list[str]]:
    """Write with the generator along the plan, check every sentence; (sentences, notes)."""
    gen = ctx.models.generator
    prompt = load_prompt("summarize", ctx.config.prompts_dir)
    plan = plan_sentences(facts, ctx, n_slots=max(2, round(words / 24)))
    messages = prompt.messages(facts=_facts_block(facts, ctx.entities), words=str(words),
                               plan=_plan_block(plan, facts, words), last=f"S{len(plan)}")
    raw = gen.chat(messages, max_tokens=int(words * 1.8) + 24 * len(plan) + 40, temperature=0.0,
                   stop=["</facts>", "<facts>", "=== "])
    head, slots = parse_output(raw, len(plan))
    notes: list[str] = []
    if not slots:
        raise RuntimeError(f"the generator returned no usable sentence ({raw[:80]!r})")
    embed = ctx.models.embedder.encode
    fact_vecs = embed([f.text for f in facts])
    out: list[SummarySentence] = []
    dates = sorted({f.group.date for f in facts if f.group.date})
    latest = dates[-1] if dates else None
    if head and headline:
        chk = check_sentence(head, [], facts, docs, ctx.entities, embed([head])[0], fact_vecs)
        if chk.ok:
            out.append(_cite(head.rstrip(".!?") + ".", chk.evidence, facts, docs, "headline", ctx.entities))
        else:
            notes.append(f"dropped generated headline {head!r}: {chk.problem}")
    for k, slot in enumerate(plan):
        text = slots.get(k)
        if text is None:
            text_ = " ".join(facts[i].text for i in slot)
            out.append(_cite(text_, slot, facts, docs, "source sentence used: the generator skipped this plan line",
                             ctx.entities))
            notes.append(f"plan line S{k + 1} not written by the generator: source sentence(s) used")
            continue
        # the small model sometimes writes a plan line's sentence from other facts: cite
        # what the sentence actually matches (the plan's facts when they match it)
        sims = fact_vecs @ embed([text])[0]
        best = float(sims.max())
        cited = [i for i in slot if sims[i] >= min(SAME_FACT, best - 0.03)]
        if not cited:
            cited = [int(i) for i in np.argsort(-sims)[:2] if sims[i] >= best - 0.03]
            notes.append(f"S{k + 1} told other facts than planned: cited facts {[i + 1 for i in cited]}")
        text = _say_when(text, facts[cited[0]], latest)
        chk = check_sentence(text, cited, facts, docs, ctx.entities)
        if chk.ok:
            out.append(_cite(text, chk.evidence, facts, docs, None, ctx.entities))
            continue
        main = slot[0]
        out.append(_cite(facts[main].text, [main], facts, docs,
                         f"source sentence used: the generated one failed the check ({chk.problem})", ctx.entities))
        notes.append(f"replaced generated sentence {text!r} by the source sentence of fact {main + 1}: {chk.problem}")
    if all(s.note and s.note != "headline" for s in out):
        raise RuntimeError("no generated sentence passed the check")
    return out, notes


def _say_when(text: str, fact: Fact, latest: str | None) -> str:
    """Facts from an earlier moment of the story say when: if the model left the date
    out, put the fact's date in front (the date of its documents, given or inferred)."""
    date = fact.group.date
    if not date or date == latest or any(re.search(rf"\b{m}\b", text.lower()) for m in MONTHS):
        return text
    y, m, d = (int(x) for x in date.split("-"))
    return f"On {d} {MONTHS[m - 1].capitalize()} {y}, {text[0].lower() + text[1:] if text[:2].istitle() and not names_in(text.split()[0]) else text}"


def render(summary: Summary, ctx: Context, lang: str, source_lang: str) -> Summary:
    """Translate the summary sentences into ``lang`` with the translation backend."""
    translator = ctx.models.translators.for_pair(source_lang, lang)
    if translator is None:
        summary.notes.append(f"no translator for {source_lang}->{lang}: summary left in {source_lang}")
        return summary
    texts = translator.translate([s.text for s in summary.sentences], source_lang, lang)
    for s, t in zip(summary.sentences, texts):
        s.text = t
    summary.language = lang
    summary.method += f"; rendered {source_lang}->{lang} by {translator.name}"
    ctx.models.record_translation(f"{source_lang}-{lang}", translator.name)
    return summary


def run(docs: list[Document], ctx: Context) -> Summary:
    start = time.perf_counter()
    lang = ctx.config.target_lang
    summary = Summary(language=lang)
    groups = ctx.groups
    if not groups:
        from . import align

        groups = align.run(docs, ctx)
    words = target_words(docs, ctx)
    facts = select_facts(docs, groups, ctx, words)
    if not facts:
        summary.method = "none"
        summary.notes.append("no sentences to summarise")
        return summary
    summary.notes.append(f"{len(facts)} facts selected from {len(groups)} groups; target {words} words")
    dated = sorted({f.group.date for f in facts if f.group.date})
    if len(dated) > 1:
        summary.notes.append("facts span " + ", ".join(dated) + ": told in date order")
    for f in facts:
        for c in f.group.conflicts:
            if c.startswith("numbers differ"):
                summary.notes.append(f"sources disagree on fact {f.text[:60]!r}: {c}")
    try:
        sentences, notes = generate(facts, docs, ctx, words)
        gen = ctx.models.generator
        summary.sentences = sentences
        summary.notes += notes
        summary.method = f"generated by {gen.name} ({gen.backend}), checked against the sources"
    except Exception as exc:  # no generator installed, load error, unusable output
        summary.sentences = extractive(facts, docs, words, ctx.entities)
        summary.method = "extractive"
        summary.notes.append(f"generator unavailable or failed ({type(exc).__name__}: {str(exc)[:200]}); "
                             "extractive summary from the source sentences")
    want = ctx.config.summary_lang or lang
    if want != lang:
        summary = render(summary, ctx, want, lang)
    summary.notes.append(f"{time.perf_counter() - start:.1f} s")
    return summary
