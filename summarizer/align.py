"""The align stage: group sentences from different sources that state the same fact.

Every sentence's ``english`` text (repaired > translated > original) is embedded with
the multilingual e5 model (normalised, so a dot product is a cosine). Groups are built
by average-linkage agglomeration over a sparse nearest-neighbour graph:

- neighbours: for each sentence, its top ``K`` most similar sentences from *other*
  documents, computed block by block (``BLOCK`` rows at a time against all sentences).
  Memory is O(n * K), never the n x n matrix; time is O(n^2 * 384) multiply-adds in
  blocks. At the pipeline's limit of 50 articles (about 2,000 sentences of news) that is
  about 1.5 GFLOP, under a second on 2 cores; embedding the sentences costs more
  (about 30 ms per sentence here, so about a minute for 2,000).
- links: a neighbour pair is a candidate when its cosine is at least ``LINK`` (or
  ``LINK_LEXICAL`` with shared names/numbers, which catches paraphrases e5 places a
  little lower). Candidates are merged strongest first; two groups merge only when
  their average pairwise similarity stays at least ``MERGE_AVG`` (so chains of
  "related" sentences do not snowball into one topic blob), their dates agree, and two
  sentences of one document end up together only when they are at least ``LINK``
  similar to each other (linked through other sources, an article's neighbouring
  sentences on one call made one fact of two).
- dates: a group never mixes documents whose dates are more than ``DATE_GAP_DAYS``
  apart: the same wording in December and in late January reports two moments of the
  story, not one fact with two sources. Documents without a date get one inferred when
  their text allows (see ``infer_dates``), marked in ``Document.notes``.

Thresholds were set by looking at the seed cluster's cross-document similarities
(median 0.82, 99th percentile 0.895; true paraphrases 0.93-0.99, same-topic but
different facts 0.86-0.91) and checked on NeuS stories; they are not learned.

Each group records support (distinct documents), centrality (how typical its sentences
are of the whole cluster), a date, and conflicts between members: numbers that differ,
negation present in one member and not another, or a different acting name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _date, timedelta
from typing import Any

import numpy as np

from .context import Context
from .document import Document

K = 8  # neighbours kept per sentence
BLOCK = 256  # rows per similarity block
LINK = 0.915  # cosine for a candidate link
LINK_LEXICAL = 0.885  # lower bar when the two sentences share a name or number
MERGE_AVG = 0.905  # average-linkage floor for merging two groups
DATE_GAP_DAYS = 3  # documents further apart than this are different moments
MIN_WORDS = 4  # shorter lines (crumbs, subheads) are not facts on their own
# e5-small scores a paraphrase in another language lower than one in the same language
# (measured: fr/en 0.91, pt/en 0.83-0.89 for paraphrases whose same-language versions
# score 0.95; unrelated cross-language pairs 0.75-0.82). Untranslated sentences in
# different languages get this much added before the thresholds apply.
CROSS_LINGUAL_BONUS = 0.08


@dataclass
class FactGroup:
    """Sentences (from one or more documents) that state the same fact."""

    members: list[tuple[str, int]]  # (doc_id, sentence_index), best representative first
    support: int  # distinct documents
    centrality: float  # mean similarity of the members to their nearest sentences elsewhere
    date: str | None = None  # ISO date of the documents stating it (earliest), if known
    conflicts: list[str] = field(default_factory=list)
    position: float = 1.0  # earliest relative position in a document (0 = lead)
    sources: list[str] = field(default_factory=list)  # distinct doc ids, in order

    def to_dict(self) -> dict[str, Any]:
        return {"members": [list(m) for m in self.members], "support": self.support,
                "centrality": round(self.centrality, 4), "date": self.date, "conflicts": self.conflicts,
                "position": round(self.position, 3), "sources": self.sources}


# --- small text helpers (also used by summarize) ------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*\d|(?<![\w.])\d(?![\w])")
# Negative polarity, not just "not": verbs that carry it ("avoid", "refrain", "fall
# short") count, or a paraphrase reads as a contradiction (seeds: "urged ... to avoid
# stirring panic" against "appealed ... not to cause panic"; "did not live up to
# expectations" against "had fallen short of expectations").
_NEGATION = re.compile(r"\b(not|no|never|none|nobody|nothing|neither|nor|without|denies|denied|deny|"
                       r"refuses?|refused|rejects?|rejected|avoid(?:s|ed|ing)?|refrain(?:s|ed|ing)?|"
                       r"(?:re|ab)strain(?:s|ed|ing)? from|fail(?:s|ed|ing)?|f[ae]ll(?:s|en)? short|n't)\b|n't\b",
                       re.I)
_CAP_WORD = re.compile(r"\b[A-Z][\w'’-]*[a-z][\w'’-]*\b|\b[A-Z]{2,}\b")
# Capitalised words that are not names (sentence openers, months, weekdays...).
STOP_CAPS = {
    "The", "A", "An", "And", "But", "Or", "In", "On", "At", "For", "Of", "To", "As", "By", "With", "From",
    "It", "He", "She", "They", "We", "I", "You", "His", "Her", "Their", "Our", "Its", "This", "That", "These",
    "Those", "There", "Here", "Meanwhile", "However", "While", "When", "After", "Before", "Since", "Although",
    "According", "Both", "Some", "Many", "Most", "Other", "Another", "Also", "Still", "Yet", "Now", "Then",
    "If", "Nevertheless", "Mr", "Mrs", "Ms", "Sir", "Dr", "President", "Minister", "Prime", "Foreign",
    "Secretary", "Rep", "Sen", "Gov", "Former", "New", "Earlier", "Later", "Last", "Next", "Today", "Yesterday",
    "Tomorrow", "What", "Who", "Why", "How", "Where", "Which", "Despite", "Amid", "Under", "Over", "During",
    "Following", "Following", "Speaking", "Asked", "Officials", "Experts", "Critics", "Supporters",
}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def numbers_in(text: str) -> list[str]:
    """Numbers as digit strings ("100,000" -> "100000"; years and days included)."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"[,.](?=\d{3}\b)", "", m.group(0)).rstrip(".,")
        out.append(digits)
    return out


def names_in(text: str) -> list[str]:
    """Capitalised words that look like names (not sentence openers, months or days)."""
    out = []
    for m in _CAP_WORD.finditer(text):
        w = re.sub(r"['’]s$", "", m.group(0)).strip("'’-")
        if w in STOP_CAPS or w.lower() in MONTHS or w.lower() in WEEKDAYS:
            continue
        out.append(w)
    return out


_DEMONYM = re.compile(r"(ian|ean|ese|ish|ch|an|i)$")


def has_negation(text: str) -> bool:
    return bool(_NEGATION.search(text))


# --- dates -----------------------------------------------------------------------------

_WEEKDAY_DAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\s*\((\d{1,2})\)", re.I)
_MONTH_DAY = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+("
                        + "|".join(MONTHS) + r")\b", re.I)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)


def _parse(iso: str | None) -> _date | None:
    try:
        return _date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _nearest_year(month: int, day: int, anchor: _date) -> _date | None:
    best = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            d = _date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((d - anchor).days) < abs((best - anchor).days):
            best = d
    return best


def date_from_text(text: str, anchor: _date) -> tuple[_date | None, str]:
    """A document's date from its own wording, near ``anchor`` (a known date of the cluster).

    - "Monday (6)" (the weekday-and-day style of Portuguese/Brazilian wires): the most
      recent day numbered 6 that is a Monday, on or before the anchor's month end.
    - explicit month-day mentions ("December 30", "January 9th") plus the weekday the
      text names most often ("on Sunday"): the date with that weekday nearest the middle
      of the mentioned dates (an article sits between the events it recalls and those
      it announces).
    Returns (date or None, how it was found).
    """
    m = _WEEKDAY_DAY.search(text)
    if m:
        weekday, day = WEEKDAYS.index(m.group(1).lower()), int(m.group(2))
        probe = anchor + timedelta(days=31)
        for _ in range(400):  # walk back month by month, up to about a year
            try:
                d = _date(probe.year, probe.month, day)
            except ValueError:
                d = None
            if d and d <= anchor + timedelta(days=31) and d.weekday() == weekday:
                return d, f'"{m.group(0)}" is a {m.group(1).capitalize()} the {day}th nearest before the cluster dates'
            probe = (probe.replace(day=1) - timedelta(days=1))
            if (anchor - probe).days > 366:
                break
    mentioned = []
    for m in _MONTH_DAY.finditer(text):
        month = MONTHS.index((m.group(1) or m.group(4)).lower()) + 1
        day = int(m.group(2) or m.group(3))
        d = _nearest_year(month, day, anchor)
        if d:
            mentioned.append(d)
    weekdays = [w.lower() for w in _WEEKDAY.findall(text)]
    if mentioned and weekdays:
        ordinals = sorted(d.toordinal() for d in mentioned)
        mid = _date.fromordinal((ordinals[0] + ordinals[-1]) // 2)
        wd = WEEKDAYS.index(max(set(weekdays), key=weekdays.count))
        best = min((mid + timedelta(days=k) for k in range(-3, 4)), key=lambda d: (d.weekday() != wd, abs((d - mid).days)))
        return best, (f"between the dates it mentions ({', '.join(d.isoformat() for d in sorted(mentioned))}), "
                      f"on the {WEEKDAYS[wd].capitalize()} it names")
    return None, ""


def infer_dates(docs: list[Document], sims_to_doc: dict[str, dict[str, int]]) -> None:
    """Fill ``doc.date`` for undated documents where the text or the cluster allows.

    First from the document's own wording (``date_from_text``) anchored on the dated
    documents; then, for documents still undated, from the dated document they share
    the most facts with (at least 3 strongly matching sentences), since wire stories
    that retell the same events in the same words were written at the same time.
    Every inferred date is marked in ``doc.notes``.
    """
    known = [_parse(d.date) for d in docs if _parse(d.date)]
    if not known:
        return
    anchor = max(known)
    for doc in docs:
        if doc.date:
            continue
        text = " ".join(s.english for s in doc.sentences)
        d, how = date_from_text(text, anchor)
        if d:
            doc.date = d.isoformat()
            doc.notes.append(f"date {doc.date} inferred from the text: {how}")
    for doc in docs:
        if doc.date:
            continue
        shared = sims_to_doc.get(doc.id, {})
        dated = [(n, other) for other, n in shared.items()
                 if n >= 3 and any(o.id == other and o.date for o in docs)]
        if dated:
            n, other = max(dated)
            other_doc = next(o for o in docs if o.id == other)
            doc.date = other_doc.date
            doc.notes.append(f"date {doc.date} inferred: shares {n} facts in near-identical words with "
                             f"{other} (dated {other_doc.date})")


# --- grouping ----------------------------------------------------------------------------

def _neighbours(E: np.ndarray, doc_of: np.ndarray, k: int = K,
                lang_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k most similar sentences from other documents, blockwise: (idx, sim), n x k."""
    n = len(E)
    k = max(1, min(k, n - 1))
    idx = np.full((n, k), -1, dtype=np.int64)
    sim = np.full((n, k), -1.0, dtype=np.float32)
    for start in range(0, n, BLOCK):
        block = E[start:start + BLOCK] @ E.T  # (b, n)
        same = doc_of[start:start + BLOCK, None] == doc_of[None, :]
        if lang_ids is not None:
            block += CROSS_LINGUAL_BONUS * (lang_ids[start:start + BLOCK, None] != lang_ids[None, :])
        block[same] = -1.0  # same document: not support from another source
        top = np.argpartition(-block, kth=min(k, n - 1) - 1, axis=1)[:, :k]
        vals = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-vals, axis=1)
        idx[start:start + BLOCK] = np.take_along_axis(top, order, axis=1)
        sim[start:start + BLOCK] = np.take_along_axis(vals, order, axis=1)
    return idx, sim


def _dates_compatible(a: set[str], b: set[str]) -> bool:
    dates = [_parse(x) for x in a | b]
    dates = [d for d in dates if d]
    return not dates or (max(dates) - min(dates)).days <= DATE_GAP_DAYS


def text_language(doc: Document, sentence, target: str = "en") -> str:
    """The language of ``sentence.english``: the target once translated or repaired."""
    if sentence.translation is not None or (sentence.repair is not None and sentence.repair.applied):
        return target
    return sentence.language or doc.language or target


def build_groups(docs: list[Document], E: np.ndarray, items: list[tuple[int, int]],
                 target: str = "en") -> list[FactGroup]:
    """Group the sentences ``items`` ((doc index, sentence index), rows of ``E``)."""
    n = len(items)
    if n == 0:
        return []
    doc_of = np.array([d for d, _ in items])
    langs = [text_language(docs[d], docs[d].sentences[s], target) for d, s in items]
    lang_ids = np.array([sorted(set(langs)).index(x) for x in langs])
    feats = [(set(names_in(docs[d].sentences[s].english)), set(numbers_in(docs[d].sentences[s].english)))
             for d, s in items]
    if n > 1 and len(set(doc_of.tolist())) > 1:
        nb_idx, nb_sim = _neighbours(E, doc_of, lang_ids=lang_ids)
    else:
        nb_idx, nb_sim = np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)

    # centrality: how typical a sentence is of what the other sources say
    top = np.clip(nb_sim[:, :3], 0, None)
    centrality = top.mean(axis=1) if top.size else np.zeros(n)

    pairs = []
    for i in range(n):
        for j, s in zip(nb_idx[i], nb_sim[i]):
            if j < 0 or j <= i and i in nb_idx[j]:
                continue  # each unordered pair once
            shared = (feats[i][0] & feats[j][0]) or (feats[i][1] & feats[j][1])
            if s >= LINK or (s >= LINK_LEXICAL and shared):
                pairs.append((float(s), i, int(j)))
    pairs.sort(reverse=True)

    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    dates = {i: {docs[items[i][0]].date} - {None} for i in range(n)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, i, j in pairs:
        a, b = find(i), find(j)
        if a == b or not _dates_compatible(dates[a], dates[b]):
            continue
        ma, mb = members[a], members[b]
        sims = E[ma] @ E[mb].T
        # two sentences of one article join one group only when they say the same thing
        # themselves: linked through other sources, "Putin told Macron he had no
        # offensive plans" and "... that the West's written response fell short" (next
        # sentence, same article, cosine 0.89) made one fact of two (seeds)
        same_doc = doc_of[ma][:, None] == doc_of[mb][None, :]
        if same_doc.any() and float(sims[same_doc].min()) < LINK:
            continue
        cross = CROSS_LINGUAL_BONUS * (lang_ids[ma][:, None] != lang_ids[mb][None, :])
        avg = float((sims + cross).mean())
        if avg < MERGE_AVG:
            continue
        parent[b] = a
        members[a] = ma + mb
        dates[a] |= dates[b]
        del members[b], dates[b]

    groups = []
    for root, idxs in members.items():
        idxs = sorted(idxs, key=lambda x: -centrality[x])
        mem = [(docs[items[x][0]].id, items[x][1]) for x in idxs]
        sources = list(dict.fromkeys(docs[items[x][0]].id for x in sorted(idxs, key=lambda x: items[x])))
        ds = sorted(dates[root])
        positions = [items[x][1] / max(1, len(docs[items[x][0]].sentences)) for x in idxs]
        group = FactGroup(members=mem, support=len(sources), centrality=float(np.mean(centrality[idxs])),
                          date=ds[0] if ds else None, position=float(min(positions)), sources=sources)
        group.conflicts = find_conflicts(group, docs)
        groups.append(group)
    return groups


def find_conflicts(group: FactGroup, docs: list[Document]) -> list[str]:
    """Disagreements between members from different documents."""
    if group.support < 2:
        return []
    by_id = {d.id: d for d in docs}
    texts = [(doc_id, by_id[doc_id].sentences[i].english) for doc_id, i in group.members]
    out = []
    nums = {doc_id: set(numbers_in(t)) - _date_numbers(t) for doc_id, t in texts}
    big = {doc_id: {x for x in v if len(x) >= 2} for doc_id, v in nums.items()}
    with_nums = {k: v for k, v in big.items() if v}
    if len(with_nums) >= 2:
        values = list(with_nums.items())
        if any(not (v & w) for (_, v), (_, w) in zip(values, values[1:])):
            out.append("numbers differ: " + "; ".join(f"{d}: {', '.join(sorted(v))}" for d, v in values))
    neg = {doc_id: has_negation(t) for doc_id, t in texts}
    if len(set(neg.values())) > 1:
        out.append("negation in " + ", ".join(d for d, v in neg.items() if v) + " but not in "
                   + ", ".join(d for d, v in neg.items() if not v))
    firsts = {}
    for doc_id, t in texts:
        ns = names_in(t)
        if ns:
            firsts.setdefault(doc_id, ns[0])
    allnames = {doc_id: set(names_in(t)) for doc_id, t in texts}
    if len(set(firsts.values())) > 1:
        # two members each led by a name the other does not mention at all: possibly
        # different actors. (Demonyms such as "Ukrainian" or "French" describe, they do
        # not name an actor; and a member that names no actor, or names the other's too,
        # does not disagree: on the seeds "Kuleba and Le Drian underlined the need" against
        # "The talks emphasized the need", and "Britain is poised" against "the UK is due"
        # beside "UK troops", had been flagged.)
        actors = {d: a for d, a in firsts.items() if not _DEMONYM.search(a)}
        if any(a not in allnames[o] and b not in allnames[d]
               for d, a in actors.items() for o, b in actors.items() if o != d):
            out.append("who may differ: " + "; ".join(f"{d}: {a}" for d, a in firsts.items()))
    return out


def _date_numbers(text: str) -> set[str]:
    """Numbers that are days or years in a date ("January 9th", "2014")."""
    out = set()
    for m in _MONTH_DAY.finditer(text):
        out.add(m.group(2) or m.group(3))
    out |= {y for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", text)}
    for m in _WEEKDAY_DAY.finditer(text):
        out.add(m.group(2))
    return out


# --- the stage ------------------------------------------------------------------------

def sentence_items(docs: list[Document]) -> list[tuple[int, int]]:
    """The sentences worth aligning: (doc index, sentence index)."""
    items = []
    for di, doc in enumerate(docs):
        for si, s in enumerate(doc.sentences):
            if len(s.english.split()) >= MIN_WORDS:
                items.append((di, si))
    return items


def run(docs: list[Document], ctx: Context) -> list[FactGroup]:
    items = sentence_items(docs)
    if not items:
        ctx.groups = []
        return []
    E = ctx.models.embedder.encode([docs[d].sentences[s].english for d, s in items])
    ctx.report_progress("align", 0, 1, f"embedded {len(items)} sentences")

    # documents sharing near-identical sentences (for date inference)
    if any(d.date is None for d in docs) and any(d.date for d in docs) and len(docs) > 1:
        doc_of = np.array([d for d, _ in items])
        nb_idx, nb_sim = _neighbours(E, doc_of, k=1)
        shared: dict[str, dict[str, int]] = {}
        for row, (di, _) in enumerate(items):
            j, s = int(nb_idx[row, 0]), float(nb_sim[row, 0])
            if j >= 0 and s >= 0.93:
                other = docs[items[j][0]].id
                shared.setdefault(docs[di].id, {}).setdefault(other, 0)
                shared[docs[di].id][other] += 1
        infer_dates(docs, shared)

    groups = build_groups(docs, E, items, ctx.config.target_lang)
    ctx.groups = groups
    multi = sum(1 for g in groups if g.support > 1)
    conflicts = sum(1 for g in groups if g.conflicts)
    ctx.note("align", f"{len(items)} sentences in {len(groups)} fact groups; {multi} stated by 2+ sources; "
                      f"{conflicts} with disagreements")
    return groups
