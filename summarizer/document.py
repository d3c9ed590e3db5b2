"""The data model that flows through every stage.

Like spaCy's ``Doc``: one ``Document`` per article keeps the original input
byte-for-byte; everything later (sentences, dropped boilerplate, evidence) refers back
to it by character offsets, so nothing is ever altered or lost.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Reason:
    """Why a sentence looks badly translated."""

    code: str  # e.g. "glued_words", "stray_honorific", "name_variant", "lm_disfluency"
    detail: str  # human-readable explanation
    span: list[int] | None = None  # [start, end] offsets into Document.text, or None
    weight: float = 0.0  # how much this evidence contributed (for display/sorting)


@dataclass
class Repair:
    text: str
    applied: bool
    guard: str  # "ok" or why the rewrite was rejected
    candidates: int = 1  # rewrites tried
    model: str = ""
    partial: str = ""  # applied with only some edits of a refused rewrite: how many ("6 of 7 ...")
    # detection's scores of the sentence on its own before and after the rewrite (the
    # gate a guarded rewrite must pass: after <= before - repair.BETTER_BY); None when
    # the rewrite was not re-scored (refused by the guard, names only, no detection)
    rescored: list[float] | None = None
    # the rewrite scored better, but detection still flags it (its score after is at or
    # over the threshold): later stages treat it as still garbled
    still_flagged: bool = False


@dataclass
class Sentence:
    start: int
    end: int
    text: str  # == document.text[start:end]
    language: str | None = None
    score: float = 0.0  # badness in [0, 1]
    flagged: bool = False
    reasons: list[Reason] = field(default_factory=list)
    repair: Repair | None = None
    # When the article was translated by the tool: the translation of this source
    # sentence (target language). Bilingual evidence uses the pair (text, translation).
    translation: str | None = None
    translation_backend: str | None = None
    # When the user supplied the source of a translated sentence.
    source_text: str | None = None

    @property
    def english(self) -> str:
        """The text later stages reason about: repaired > translated > original."""
        if self.repair is not None and self.repair.applied:
            return self.repair.text
        return self.translation if self.translation is not None else self.text


@dataclass
class Document:
    id: str
    text: str  # the original input, byte-for-byte
    title: str | None = None
    source: str | None = None  # outlet / file name
    date: str | None = None  # ISO date if one was given or found
    language: str | None = None
    dropped: list[list[Any]] = field(default_factory=list)  # [start, end, kind]
    sentences: list[Sentence] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems found with this input
    notes: list[str] = field(default_factory=list)  # e.g. "translated from fr by ..."
    # The article's original, when the user gave it (this text is its translation):
    # aligned sentence by sentence onto ``Sentence.source_text`` by the translate stage.
    source_text: str | None = None
    source_language: str | None = None

    def span(self, start: int, end: int) -> str:
        return self.text[start:end]


def bilingual_source(doc: Document, sent: Sentence) -> tuple[str | None, str | None]:
    """(source sentence, its language) of ``sent`` when one is known: the original the
    tool translated it from, or the user's original aligned onto it; else (None, None)."""
    if sent.translation is not None:
        return sent.text, sent.language
    if sent.source_text:
        return sent.source_text, doc.source_language
    return None, None


@dataclass
class SummarySentence:
    text: str
    sources: list[str]
    evidence: list[list[Any]] = field(default_factory=list)  # [doc_id, start, end]
    note: str | None = None  # e.g. "extractive", "rewritten after failed check"


@dataclass
class Summary:
    language: str = "en"
    sentences: list[SummarySentence] = field(default_factory=list)
    method: str = ""  # "generated", "extractive", "translated from en by ..."
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass
class Entity:
    canonical: str
    variants: list[list[str]] = field(default_factory=list)  # [variant, doc_id]


@dataclass
class Report:
    documents: list[Document] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    entities: list[Entity] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)  # inputs that could not run
    settings: dict[str, Any] = field(default_factory=dict)

    # --- serialisation ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        docs = []
        for d in data.get("documents", []):
            sentences = [
                Sentence(**{**s,
                            "reasons": [Reason(**r) for r in s.get("reasons", [])],
                            "repair": Repair(**s["repair"]) if s.get("repair") else None})
                for s in d.get("sentences", [])
            ]
            docs.append(Document(**{**d, "sentences": sentences}))
        summary = data.get("summary") or {}
        return cls(
            documents=docs,
            summary=Summary(**{**summary, "sentences": [SummarySentence(**s) for s in summary.get("sentences", [])]}),
            entities=[Entity(**e) for e in data.get("entities", [])],
            models=data.get("models", {}),
            timings=data.get("timings", {}),
            errors=data.get("errors", []),
            settings=data.get("settings", {}),
        )

    @classmethod
    def from_json(cls, text: str) -> "Report":
        return cls.from_dict(json.loads(text))

    def document(self, doc_id: str) -> Document:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(doc_id)

    def to_markdown(self) -> str:
        from .render import report_to_markdown

        return report_to_markdown(self)
