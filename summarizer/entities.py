"""Cross-source name consensus: names spelled differently across the articles of one
story ("Dmitro Kuleva" vs "Dmytro Kuleba", "Volodmir Zelensky", "Matteusi Moraviecki").

A capitalised word is a misspelling of another when the two are a small edit apart
(at most 2 edits and a quarter of the length, as written or with transliteration's
letter groups made one: "Velichko" / "Wieliczko"), start with the same letter, neither
is a prefix of the other (Russia/Russian, Zelensky/Zelenskyy are inflections or accepted
spellings, not slips), and the other spelling is used by more of the articles (at
least two). The consensus spelling is the one most articles use. Beside a misspelt
surname, a given name spelt a letter or two shorter or longer than the consensus's
("Tomas" beside "Tomasz Wieliczko") takes the consensus's spelling too.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from .document import Entity

_CAP_PHRASE = re.compile(r"\b[A-Z\u00c0-\u00de][a-z\u00df-\u024f]+(?:[ -][A-Z\u00c0-\u00de][a-z\u00df-\u024f]+)*\b")
_CAP_WORD = re.compile(r"\b[A-Z\u00c0-\u00de][a-z\u00df-\u024f]{4,}\b")


def _fold(w: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", w.lower()) if not unicodedata.combining(c))


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# Transliterations of one Slavic name differ by whole letter groups: Polish "w", "cz"
# and "sz" are "v", "ch" and "sh" in other outlets' spellings ("Wieliczko" / "Velichko",
# "Morawiecki" / "Moraviecki"), two or three edits apart with a different first letter.
# Compared with these groups made one, such spellings are a letter or two apart.
_TRANSLITERATION = (("sz", "sh"), ("cz", "ch"), ("w", "v"))


def _letters_key(folded: str) -> str:
    for group, same in _TRANSLITERATION:
        folded = folded.replace(group, same)
    return folded


def is_variant(a: str, b: str) -> bool:
    """Whether two capitalised words are spellings of one name: a small edit apart
    as written or with transliteration's letter groups made one (``_TRANSLITERATION``),
    the same first letter, neither a prefix of the other."""
    fa, fb = _fold(a), _fold(b)
    if fa == fb or fa.startswith(fb) or fb.startswith(fa):
        return False
    ka, kb = _letters_key(fa), _letters_key(fb)
    if ka[0] != kb[0] or (ka != kb and (ka.startswith(kb) or kb.startswith(ka))):
        return False
    d = min(edit_distance(fa, fb), edit_distance(ka, kb))
    return d <= 2 and d <= 0.25 * max(len(fa), len(fb))


def is_longer_spelling(a: str, b: str) -> bool:
    """One name part is the other with one or two letters more at its end ("Tomas" /
    "Tomasz", "Zelensky" / "Zelenskyy"). Not a misspelling on its own ("Russia" /
    "Russian"), but the same part of one person's name beside the same surname."""
    fa, fb = sorted((_fold(a), _fold(b)), key=len)
    return len(fa) >= 4 and fb.startswith(fa) and 1 <= len(fb) - len(fa) <= 2


def _texts(doc):
    for s in doc.sentences:
        yield s, s.english


def known_word_fn(ctx):
    """A real word of the LM's vocabulary ("Ministry", "Presidency") is one token with
    its leading space; a misspelt name ("Kuleva") is not. None without a scorer."""
    if ctx is None:
        return None
    try:
        scorer = ctx.models.scorer
    except Exception:  # no LM available: rely on the spelling rules alone
        return None
    return lambda w: scorer.count_tokens(" " + w) == 1


# Mean log-probability margin (nats a sentence, SmolLM2-135M) by which the language
# model must prefer one of two tied spellings. Measured with ``spelling_margin_fn`` on
# two sentences ("The minister, X, said on Monday ...", "Talks with Y went well ..."):
# Sergei/Serguei 26.2, Mateusz/Matteusi 14.5, Volodymyr/Volodimir 11.6, Rutte/Rute
# 8.7, Navalny Alexei/Alexey 7.8, Scholz/Scholtz 7.2, Erdogan/Erdoğan 6.5, Dmitry/Dmitri
# 4.0, Dmytro/Dmitro 2.6, Schmidt/Schmitt (two real surnames) 2.3, Le Drian/Le Driant
# 1.0, Stoltenberg/Stoltenburg 0.9, Baerbock/Berbock -2.5: the small model knows the
# most prominent names only, and a margin it gives two real surnames is no evidence.
LM_TIE_MARGIN = 8.0
MARGIN_SENTENCES = 4  # sentences of each spelling the language model reads


class Consensus(dict):
    """variant word -> consensus word; ``by_model``: the variants whose consensus the
    language model chose between two spellings as many articles use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_model: set[str] = set()


def spelling_margin_fn(ctx):
    """``margin(a, b, sentences)``: how much more likely the scorer LM finds the
    sentences with the word ``a`` than with ``b`` in its place (mean total log-prob
    difference, nats). None without a scorer."""
    if ctx is None:
        return None
    try:
        scorer = ctx.models.scorer
    except Exception:  # no LM available: ties stay unresolved
        return None
    lead = "In the news: "  # the first token of a text has no score: the name must not be it

    def margin(a: str, b: str, sentences: list[str]) -> float:
        texts = []
        for t in sentences:
            for x, y in ((b, a), (a, b)):  # the sentence spelled a, then spelled b
                texts.append(lead + re.sub(r"(?<!\w)%s(?!\w)" % re.escape(x), y, t))
        scored = scorer.token_logprobs_batch(texts)
        totals = [sum(ts.logprobs) for ts in scored]
        return sum(totals[0::2]) / len(sentences) - sum(totals[1::2]) / len(sentences)

    return margin


def word_consensus(docs, known_word=None, margin=None) -> Consensus:
    """variant word -> consensus word.

    Among several candidate spellings the one sharing the variant's neighbours in
    name phrases wins ("Volodimir Zelenski" -> "Volodymyr", the neighbour of
    "Zelensky", not "Vladimir", the neighbour of "Putin"); then the most articles.
    ``margin`` (``spelling_margin_fn``) settles ties between two spellings.
    """
    doc_support: dict[str, set[str]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    lower_seen: set[str] = set()
    neighbours: dict[str, set[str]] = defaultdict(set)
    said_in: dict[str, list[str]] = defaultdict(list)  # word -> the sentences using it
    for doc in docs:
        for _, text in _texts(doc):
            lower_seen.update(w.lower() for w in re.findall(r"\b[a-z]+\b", text))
            for m in _CAP_WORD.finditer(text):
                doc_support[m.group(0)].add(doc.id)
                count[m.group(0)] += 1
                said_in[m.group(0)].append(text)
            for m in _CAP_PHRASE.finditer(text):
                parts = m.group(0).replace("-", " ").split()
                for i, p in enumerate(parts):
                    # a title is no part of the name ("President Vladimir Putin" and
                    # "President Volodimir Zelenski" share no name part)
                    neighbours[p].update(x for x in parts[max(0, i - 1):i] + parts[i + 1:i + 2] if x not in _TITLES)
    words = sorted(doc_support, key=lambda w: (-len(doc_support[w]), -count[w], w))

    def overlap(a: str, b: str) -> int:
        return sum(any(x == y or (len(x) >= 5 and len(y) >= 5 and is_variant(x, y)) or is_longer_spelling(x, y)
                       for y in neighbours[b])
                   for x in neighbours[a])

    def common(w: str) -> bool:  # a common word written with a capital, not a name
        return w.lower() in lower_seen or (known_word is not None and known_word(w))

    mapping = Consensus()
    for other in reversed(words):
        if common(other):
            continue
        cands = [c for c in words if len(doc_support[c]) >= 2 and len(doc_support[c]) > len(doc_support[other])
                 and is_variant(c, other)]
        cands = [c for c in cands if c not in _TITLES]  # "Presidency" is not a misspelt "President"
        # a name part is another's variant only beside the same names (or their variants):
        # seeds 003 and 004 alone, "Volodimir Zelenski" became "Vladimir Zelenski", as
        # "Vladimir" (Putin) was the only spelling close to it that more articles used
        cands = [c for c in cands if not (neighbours[other] and neighbours[c]) or overlap(other, c) > 0]
        if cands:
            mapping[other] = max(cands, key=lambda c: (overlap(other, c), len(doc_support[c]), count[c]))
    # A name part beside a misspelt surname takes the consensus's spelling of the part
    # beside it there when one is the other with a letter or two more ("Tomas
    # Velichko" in one article, "Tomasz Wieliczko" in three: "Tomas" -> "Tomasz"), if
    # it names no one else: the mapping holds for the word wherever it stands
    for variant, canon in list(mapping.items()):
        for part in neighbours[variant] - _TITLES:
            if part in mapping or common(part) or neighbours[part] - _TITLES - {variant}:
                continue
            longer = [c for c in neighbours[canon] - _TITLES
                      if len(doc_support[c]) > len(doc_support[part]) and is_longer_spelling(part, c)]
            if longer:
                mapping[part] = max(longer, key=lambda c: (len(doc_support[c]), count[c]))
    if margin is not None:
        _settle_ties(words, doc_support, neighbours, said_in, mapping, common, margin)
    return mapping


def _settle_ties(words, doc_support, neighbours, said_in, mapping: Consensus, common, margin) -> None:
    """Two spellings of one name part as many articles use, in name phrases sharing a
    neighbour: the one the language model clearly prefers is the consensus."""
    taken = set(mapping) | set(mapping.values())
    by_initial: dict[str, list[str]] = defaultdict(list)  # variants start with the same letter
    for w in words:
        if w not in taken and w not in _TITLES:
            by_initial[_fold(w)[0]].append(w)
    pairs = [(a, b) for free in by_initial.values() for i, a in enumerate(free) for b in free[i + 1:]
             if len(doc_support[a]) == len(doc_support[b]) and neighbours[a] & neighbours[b] and is_variant(a, b)]
    for a, b in pairs:
        if a in mapping or b in mapping:
            continue
        m = margin(a, b, said_in[a][:MARGIN_SENTENCES] + said_in[b][:MARGIN_SENTENCES])
        if abs(m) < LM_TIE_MARGIN:
            continue
        canon, variant = (a, b) if m > 0 else (b, a)
        if not common(variant) and variant not in mapping.values():  # no chains
            mapping[variant] = canon
            mapping.by_model.add(variant)


def name_consensus(docs, ctx=None, mapping: dict[str, str] | None = None) -> list[Entity]:
    """Entities whose spelling differs across sources: canonical phrase and the
    [variant phrase, doc_id] pairs seen. Also usable without a context. ``mapping``:
    the ``word_consensus`` already computed with the same ``ctx``."""
    known = known_word_fn(ctx)
    if mapping is None:
        mapping = word_consensus(docs, known)
    if not mapping:
        return []
    found: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    for doc in docs:
        for _, text in _texts(doc):
            for m in _CAP_PHRASE.finditer(text):
                phrase = m.group(0)
                parts = _trim(re.split(r"([ -])", phrase), mapping, known)
                if not parts:
                    continue
                phrase = "".join(parts)
                canon = "".join(mapping.get(p, p) for p in parts)
                found[canon][(phrase, doc.id)] = None
    return [Entity(canonical=c, variants=[[v, d] for v, d in vs]) for c, vs in sorted(found.items())]


_TITLES = {"President", "Prime", "Minister", "Foreign", "Chancellor", "Secretary", "General", "Senator", "King",
           "Queen", "Pope", "Defense", "Defence", "State", "Ukrainian", "Russian", "French", "German", "American",
           "British", "Chinese", "Polish", "Italian", "Spanish", "Vice", "Deputy", "Ambassador", "Spokesman",
           "Spokeswoman", "Leader", "Chairman", "Director", "Governor", "Mayor", "Commander", "Colonel", "The"}


def _trim(parts: list[str], mapping: dict[str, str], known) -> list[str]:
    """The name inside a capitalised phrase: the misspelt words plus adjacent name
    words, without leading titles ("Foreign Minister Dmitro Kuleva" -> "Dmitro Kuleva")."""
    words = parts[::2]
    hits = [i for i, w in enumerate(words) if w in mapping]
    if not hits:
        return []

    def namey(w):
        return w not in _TITLES and not (known is not None and w not in mapping and known(w))

    lo, hi = hits[0], hits[-1]
    while lo > 0 and namey(words[lo - 1]):
        lo -= 1
    while hi < len(words) - 1 and namey(words[hi + 1]):
        hi += 1
    return parts[2 * lo:2 * hi + 1]


def variant_spans(text: str, mapping: dict[str, str]) -> list[tuple[int, int, str, str]]:
    """(start, end, variant word, consensus word) for each misspelled name in text."""
    out = []
    for m in _CAP_WORD.finditer(text):
        if m.group(0) in mapping:
            out.append((m.start(), m.end(), m.group(0), mapping[m.group(0)]))
    return out
