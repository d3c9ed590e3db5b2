"""Typography the generator damages and the sources show how to write, and digits
written in other scripts.

The 1.5B generator (Qwen2.5-Coder via llama.cpp) spaces out dotted abbreviations: "U.S."
comes back as "U. S.", and at times loses a letter ("a rapt U.S. Senate" -> "a rapt U.
Senate"; NeuS val, 4 of the first 40 summaries). The reference text (the original
sentence for a repair, the sources for a summary; for a translation into English,
``ENGLISH_ABBREVIATIONS``) gives the right form.
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATION = re.compile(r"\b(?:[A-Z]\.){2,}")


def restore_abbreviations(text: str, reference: str) -> str:
    """Write the dotted abbreviations of ``reference`` as it does: "U. S." -> "U.S.";
    "U. Senate" -> "U.S. Senate" where ``reference`` has "U.S. Senate" and the shortened
    form is not its own abbreviation there."""
    for abbr in set(_ABBREVIATION.findall(reference)):
        text = text.replace(". ".join(abbr.rstrip(".").split(".")) + ".", abbr)
    for m in set(re.findall(r"\b((?:[A-Z]\.){2,}) ([A-Z][a-z]+)", reference)):
        abbr, word = m
        text = re.sub(rf"(?<![\w.]){re.escape(abbr[:2])} {word}\b", f"{abbr} {word}", text)
    return text


# Machine translation into English spaces these out too (Bergamot pt->en: "O presidente
# americano" -> "U. S. President"), and a lone article gives no reference to restore them
# from. Only country and union abbreviations: spaced initials before a surname are a
# person's ("J. K. Rowling").
ENGLISH_ABBREVIATIONS = "U.S. U.K. U.N. E.U."


def ascii_digits(text: str) -> str:
    """Digits of other scripts as ASCII digits: an Arabic "٣٠", a Persian "۳۰" or a
    full-width "３０" is the translation's "30" (number checks compare digits)."""
    return re.sub(r"(?![0-9])\d", lambda m: str(unicodedata.decimal(m.group(0))), text)
