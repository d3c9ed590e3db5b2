"""Bilingual embedding evidence put on the scale the QE models were fitted on, for
source languages they were not fitted on.

The combiners and the cross-lingual head learned what the cosine of a source and its
translation, and the head's reading of the pair, mean on MLQE-PE's five pairs. Faithful
translations from another language can sit lower on both: Portuguese at a mean cosine
of 0.893 and a head reading of -0.04 DA z against 0.897 and +0.23 for MLQE-PE dev's
better half, so correct Bergamot translations were flagged (3 of 12 on the page's
example). eval/fit_language_shift.py fits one shift a language from synthetic faithful
pairs (``make language-shift``); a language without one keeps its raw evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SHIFT_PATH = Path(__file__).resolve().parent.parent / "data" / "language_shift.json"


@dataclass(frozen=True)
class Shift:
    cosine: float  # added to the source/translation cosine
    head: float  # added to the cross-lingual head's reading (DA z)
    pairs: int  # synthetic pairs it was fitted on

    def describe(self, lang: str) -> str:
        return (f"bilingual evidence for {lang} sources put on the scale of the QE training pairs: cosine "
                f"{self.cosine:+.3f}, embeddings' quality reading {self.head:+.2f} DA z (fitted on {self.pairs} "
                f"synthetic faithful pairs; summarizer/data/language_shift.json)")


@lru_cache(maxsize=2)
def load_shifts(path: str | None = None) -> dict[str, Shift]:
    """language code -> its shift; {} when the file is missing."""
    p = Path(path or SHIFT_PATH)
    if not p.is_file():
        return {}
    spec = json.loads(p.read_text(encoding="utf-8"))
    return {lang: Shift(float(v["cosine_shift"]), float(v["head_shift"]), int(v["pairs"]))
            for lang, v in spec.get("languages", {}).items()}
