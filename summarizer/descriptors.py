"""Who a person is: the nationality and office a text writes just before a name
("Ukrainian Foreign Minister Dmytro Kuleba"), compared with what the sources write for
the same person. Used by the summary's who-is-who check and by repair, which puts an
office or nationality that one lone article gives a person in the form most sources use,
as it does for misspelt names."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from .align import STOP_CAPS
from .entities import is_variant

# Who a person is: a nationality or an office written just before a name must be one
# the sources give that person. Names, numbers and dates alone let the 1.5B generator's
# "Russian Foreign Minister Dmytro Kuleba" through (the seeds say "Ukrainian Foreign
# Minister Dmytro Kuleba" and "Ukraine's Foreign Minister").
HEAD_TITLES = {"President", "Minister", "Chancellor", "Secretary", "Senator", "King", "Queen", "Pope", "Governor",
               "Mayor", "Ambassador", "Spokesman", "Spokeswoman", "Director", "Commander", "Chairman", "Speaker",
               "Premier", "Envoy", "General"}
DESCRIPTOR_MAJORITY = 3  # articles giving a person another office/nationality against a lone one
DEMONYM_WORD = re.compile(r"^[A-Z][a-z]{2,}(?:ian|ean|ese|ish|ch|an|i)$")
_CAP_RUN = re.compile(r"(?:[A-Z][\w\u00c0-\u024f'’.-]*\s+){1,6}[A-Z][\w\u00c0-\u024f'’-]*")


_RUN_OPENERS = {"The", "A", "An", "On", "In", "At", "As", "By", "With", "From", "For", "To", "Of", "And", "But",
                "While", "When", "After", "Before", "Since", "Meanwhile", "However", "Both"}


def descriptor_runs(text: str) -> list[tuple[str, set[str], set[str], int, int]]:
    """(surname, nationalities, offices, start, end) of each "<descriptors> <name>" run of
    capitalised words, sentence openers left out of the span:
    "Ukrainian Foreign Minister Dmytro Kuleba" -> ("Kuleba", {"Ukrainian"}, {"Minister"}, 0, 40)."""
    out = []
    for m in _CAP_RUN.finditer(text):
        raw = m.group(0).split()
        words = [re.sub(r"['’]s$", "", w).strip(".,") for w in raw]
        if not words or words[-1] in HEAD_TITLES or DEMONYM_WORD.match(words[-1]) or words[-1] in STOP_CAPS:
            continue
        head = words[:-1]
        nat = {w for w in head if DEMONYM_WORD.match(w) and w not in HEAD_TITLES}
        office = {w for w in head if w in HEAD_TITLES}
        if nat or office:
            start = m.start()
            for w in raw[:-1]:
                if w not in _RUN_OPENERS:
                    break
                start = text.index(w, start) + len(w)
                start += len(text[start:]) - len(text[start:].lstrip())
            out.append((words[-1], nat, office, start, m.end()))
    return out


def descriptors(text: str) -> list[tuple[str, set[str], set[str]]]:
    """(surname, nationalities, offices) of each run (``descriptor_runs``)."""
    return [(surname, nat, office) for surname, nat, office, _, _ in descriptor_runs(text)]


def lone_descriptor(surname: str, nat: set[str], office: set[str], theirs: Sequence[tuple]
                     ) -> tuple[str, str, int, int] | str | None:
    """What is wrong with how a run describes a person, against the sources' ``theirs``:
    a description no source gives them (a message), one that a lone article gives
    against ``DESCRIPTOR_MAJORITY`` x as many (value, rival, n_mine, n_rival), or None."""
    same = [d for d in theirs if d[0] == surname or (len(d[0]) >= 5 and is_variant(d[0], surname))]
    for kind, mine in ((1, nat), (2, office)):
        docs_giving: dict[str, set] = {}
        for k, d in enumerate(same):
            for value in d[kind]:
                docs_giving.setdefault(value, set()).add(d[3] if len(d) > 3 else ("item", k))
        given = set(docs_giving)
        if given and mine - given:  # the sources describe this person, and not so
            return f"calls {surname} {min(mine - given)!r}; the sources say {', '.join(sorted(given))!r}"
        for value in sorted(mine & given):
            rival = max((v for v in given if v not in mine), key=lambda v: len(docs_giving[v]), default=None)
            if rival is None:
                continue
            n_mine, n_rival = len(docs_giving[value]), len(docs_giving[rival])
            if n_mine == 1 and n_rival >= DESCRIPTOR_MAJORITY * n_mine:
                return value, rival, n_mine, n_rival
    return None


def lone_runs(text: str, theirs: Sequence[tuple]) -> list[tuple[int, int, str]]:
    """(start, end, majority run) for each run of ``text`` that gives a person the office
    or nationality of one lone article (see ``descriptor_conflict``): the run most
    sources write for that person with the same name. ``theirs`` carries each run's text
    as a fifth item."""
    out = []
    for surname, nat, office, start, end in descriptor_runs(text):
        lone = lone_descriptor(surname, nat, office, theirs)
        if not isinstance(lone, tuple):
            continue
        value, rival = lone[0], lone[1]
        last = text[start:end].split()[-1]
        runs = [d[4] for d in theirs if len(d) > 4 and d[0] == surname and (rival in d[1] or rival in d[2])
                and value not in d[1] | d[2] and d[4].split()[-1] == last]
        if runs:
            out.append((start, end, max(set(runs), key=lambda r: (runs.count(r), -len(r)))))
    return out


def consensus_descriptors(text: str, theirs: Sequence[tuple]) -> str:
    """``text`` with each ``lone_runs`` run replaced by the majority's ("Ukrainian Prime
    Minister Volodymyr Zelensky" -> "Ukrainian President Volodymyr Zelensky"): the
    consensus form, as for names."""
    for start, end, best in reversed(lone_runs(text, theirs)):
        text = text[:start] + best + text[end:]
    return text


def descriptor_conflict(text: str, theirs: Sequence[tuple]) -> str | None:
    """The first nationality or office the sentence gives a person that the sources
    never give them while they give another, or that one article gives them against at
    least ``DESCRIPTOR_MAJORITY`` x as many articles that give another (a mistranslated
    office: the seeds' 2 January article has "Ukrainian Prime Minister Volodymyr
    Zelensky", four other articles "Ukrainian President"); None when there is none.
    ``theirs``: the sources' ``descriptors``, each with its document index as a fourth
    item (without it every description counts once)."""
    for surname, nat, office in descriptors(text):
        lone = lone_descriptor(surname, nat, office, theirs)
        if isinstance(lone, tuple):
            return f"calls {surname} {lone[0]!r} as one source does; {lone[3]} sources say {lone[1]!r}"
        if lone:
            return lone
    return None


def source_descriptors(texts: Iterable[tuple[int, str]]) -> list[tuple[str, set[str], set[str], int, str]]:
    """(surname, nationalities, offices, document index, run text) of every run in the
    sources' ``(document index, text)`` pairs: ``theirs`` for the functions above."""
    return [(surname, nat, office, di, text[a:b]) for di, text in texts
            for surname, nat, office, a, b in descriptor_runs(text)]
