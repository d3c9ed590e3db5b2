"""Is a lower-case word English at all? The repair guard asks this of words a rewrite
brings in: a 1.5B model that "fixes" a transliterated name or term writes a non-word
(MLQE-PE ne-en dev: "the name of that quadrant is bala quadrant" came back as "...
bal quadrant"; the post-edit keeps "Bala").

The word list is pyspellchecker's English frequency list (160,572 words, American
spelling, from subtitles and books). British spellings count through their American
form ("centre", "organised", "defence", "travelled"): MLQE-PE's post-editors write
both. Words unknown to it in MLQE-PE train post-edits: 0.4-1.3% of lower-case tokens,
mostly contractions split at the apostrophe, abbreviations and British spellings, which
``is_english`` handles or the guard skips.
"""

from __future__ import annotations

import re
from functools import lru_cache

# British -> American endings and spellings, tried when a word is not in the list as it is
_BRITISH = [
    (re.compile(r"our(s|ed|ing|ite|ites|able)?$"), r"or\1"),        # colour, behaviour, favourite
    (re.compile(r"is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),  # organise(d), organisation
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),                      # analyse
    (re.compile(r"tre(s|d)?$"), r"ter\1"),                           # centre, metres
    (re.compile(r"ence(s)?$"), r"ense\1"),                           # defence, licence
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),                     # travelled, cancelling
    (re.compile(r"ogue(s)?$"), r"og\1"),                             # catalogue
    (re.compile(r"mme(s)?$"), r"m\1"),                               # programme
    (re.compile(r"ae|oe"), "e"),                                     # paediatric, manoeuvre
]


@lru_cache(maxsize=1)
def _checker():
    from spellchecker import SpellChecker  # a dependency; ~0.4 s to load its list

    return SpellChecker(language="en", distance=1)


def spelling_key(word: str) -> str:
    """``word`` lower-cased with every British spelling turned American: two words with
    the same key are one word in two spelling conventions ("manoeuvre", "maneuver")."""
    word = word.lower()
    for pattern, american in _BRITISH:
        word = pattern.sub(american, word)
    return _RE_ENDING.sub(r"\1er\2", word)  # and "-re" endings beyond "-tre": fibre, manoeuvre


_RE_ENDING = re.compile(r"([^aeiou])re(s|d)?$")


def is_english(word: str) -> bool:
    """Whether ``word`` (any case) is in the English word list, as written or in its
    American spelling."""
    word = word.lower()
    words = _checker()
    if word in words:
        return True
    together = word
    for pattern, american in _BRITISH:
        alt = pattern.sub(american, word)
        if alt != word and alt in words:
            return True
        together = pattern.sub(american, together)
    return together in words  # "manoeuvre" -> "maneuver" takes two


def word_count(word: str) -> int:
    """How often the English word list saw ``word`` (lower-cased): 0 for a word it lacks.
    Titles and common words run to thousands ("president" 77,616, "chancellor" 2,295),
    first names it knows to hundreds ("vladimir" 288, "joseph" 528)."""
    return int(_checker().word_frequency[word.lower()])
