"""Synthetic MT damage on clean English news sentences (NeuS human-written roundups),
for the target-only combiner: MLQE-PE rarely contains the surface slips poor news MT
makes (glued words, stray honorifics, capitalised function words), so we make them.
Every corruption here imitates one seen in ../shared/seeds 002/003. Seeded, reproducible.
This is synthetic data, and the report says so."""

from __future__ import annotations

import random
import re
from pathlib import Path

NEUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "neus"
_FUNC = ["He", "It", "The", "And", "Will", "This", "They", "Has"]
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "For", "After", "Since", "When", "As", "But", "And", "Some", "This",
              "That", "It", "If", "While", "With", "By", "From", "To", "Of", "According", "Despite", "During"}
_PREPS = {"of", "in", "to", "for", "on", "from", "against", "with"}


def clean_sentences(n: int, seed: int = 0, split: str = "train") -> list[str]:
    from summarizer.segment import split_sentences

    lines = (NEUS / f"{split}.target").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        body = line.split("ARTICLE=>", 1)[-1].strip()
        for s, e in split_sentences(body):
            sent = body[s:e].strip()
            if 6 <= len(sent.split()) <= 45:
                out.append(sent)
    rng = random.Random(seed)
    rng.shuffle(out)
    return out[:n]


def _names(words):
    return [i for i, w in enumerate(words) if i > 0 and re.match(r"^[A-Z][a-z]{2,}$", w)]


def corrupt(sent: str, rng: random.Random) -> tuple[str, str]:
    """(corrupted sentence, kind); one or two damages."""
    kinds = ["glue", "honorific", "func_cap", "shuffle", "drop", "double", "self_ref", "lower_start", "swap",
             "cap_after_name", "drop_prep", "resumptive"]
    text, done = sent, []
    for _ in range(rng.choice([1, 1, 2])):
        kind = rng.choice(kinds)
        w = text.split()
        if len(w) < 5:
            break
        if kind == "glue":
            c = _names(w) or list(range(1, len(w) - 1))
            i = rng.choice(c)
            if i + 1 < len(w):
                nxt = w[i + 1]
                w[i:i + 2] = [w[i].rstrip(",.") + nxt[:1].upper() + nxt[1:]]
        elif kind == "honorific":
            c = _names(w) or [1]
            i = rng.choice(c)
            w.insert(i, rng.choice(["sir.", "gentlemen.", "madam."]))
        elif kind == "func_cap":
            i = rng.randrange(2, len(w))
            w.insert(i, rng.choice(_FUNC))
        elif kind == "shuffle":
            i = rng.randrange(0, len(w) - 3)
            seg = w[i:i + rng.choice([3, 4, 5])]
            rng.shuffle(seg)
            w[i:i + len(seg)] = seg
        elif kind == "drop":
            for _ in range(max(1, len(w) // 6)):
                if len(w) > 4:
                    del w[rng.randrange(1, len(w) - 1)]
        elif kind == "double":
            i = rng.randrange(1, len(w))
            w.insert(i, w[i])
        elif kind == "self_ref":
            c = _names(w)
            if len(c) >= 2:
                w[c[-1]] = w[c[0]]
            else:
                kind = "shuffle"
                i = rng.randrange(0, len(w) - 3)
                w[i], w[i + 2] = w[i + 2], w[i]
        elif kind == "lower_start":
            w = w[rng.randrange(1, 3):]
            w[0] = w[0].lower()
        elif kind == "cap_after_name":  # "Mr. Biden Will use", "peace Ukraine And European"
            c = [i for i in _names(w) if i + 1 < len(w) and re.match(r"^[a-z]+$", w[i + 1])]
            if not c:
                break
            i = rng.choice(c) + 1
            w[i] = w[i].capitalize()
        elif kind == "drop_prep":  # "membership Ukraine", "invasion Ukraine": the case ending lost
            c = [i for i in range(1, len(w) - 1) if w[i] in _PREPS and re.match(r"^[A-Z][a-z]+", w[i + 1])]
            if not c:
                break
            i = rng.choice(c)
            del w[i]
            if i + 1 < len(w) and re.match(r"^[a-z]+$", w[i + 1]):
                w[i + 1] = w[i + 1].capitalize()
        elif kind == "resumptive":  # "President Biden He returned": the topic kept before its clause
            first = n = 1 if w[0] == "The" else 0
            while n < min(first + 3, len(w) - 1) and w[n] not in _NOT_NAMES and \
                    re.match(r"^(?:[A-Z][a-z]+\.?|[A-Z]{2,})$", w[n]):
                n += 1
            if n == first or not re.match(r"^[a-z]+$", w[n]):
                break
            w.insert(n, rng.choice(["He", "It", "They", "She"]))
        elif kind == "swap":
            i = rng.randrange(0, len(w) - 1)
            w[i], w[i + 1] = w[i + 1], w[i]
        text = " ".join(w)
        done.append(kind)
    return text, "+".join(done)


def dataset(n: int = 400, seed: int = 0) -> list[dict]:
    """n clean sentences, half of them corrupted: [{text, bad, kind}]."""
    rng = random.Random(seed)
    rows = []
    for i, s in enumerate(clean_sentences(n, seed)):
        if i % 2:
            t, kind = corrupt(s, rng)
            if t != s:
                rows.append({"text": t, "bad": 1, "kind": kind})
                continue
        rows.append({"text": s, "bad": 0, "kind": "clean"})
    return rows
