"""What every stage receives besides the documents: settings, models, shared results
and a progress callback."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from .config import Config
from .document import Entity
from .models.hub import ModelHub

# progress(stage, done, total, message)
ProgressFn = Callable[[str, int, int, str], None]


class Cancelled(Exception):
    """Raised inside a stage when the user cancelled the run."""


@dataclass
class Context:
    config: Config
    models: ModelHub
    progress: ProgressFn | None = None
    cancel_event: threading.Event | None = None
    # results shared between stages
    entities: list[Entity] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)  # fact groups from the align stage
    notes: dict[str, list[str]] = field(default_factory=dict)  # stage -> notes for the report

    @classmethod
    def create(cls, config: Config | None = None, **kwargs: Any) -> "Context":
        config = config or Config.load()
        return cls(config=config, models=ModelHub(config), **kwargs)

    def report_progress(self, stage: str, done: int, total: int, message: str = "") -> None:
        self.check_cancelled()
        if self.progress is not None:
            self.progress(stage, done, total, message)

    def check_cancelled(self) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            raise Cancelled("run cancelled by the user")

    def note(self, stage: str, message: str) -> None:
        notes = self.notes.setdefault(stage, [])
        if message not in notes:  # a stage run again (repair rescores) says nothing new
            notes.append(message)
