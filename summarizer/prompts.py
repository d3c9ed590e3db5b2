"""Prompt files: ``prompts/<name>.prompt``.

A prompt file is a sequence of chat turns, each introduced by a line ``=== role ===``
(system, user or assistant); few-shot examples are simply earlier user/assistant turns.
Placeholders are ``$name`` / ``${name}`` (``string.Template``), so braces in article
text need no escaping. Lines before the first marker are comments for maintainers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from .config import PROJECT_ROOT

_MARKER = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    turns: tuple[tuple[str, str], ...]  # (role, template text)

    def messages(self, **values: str) -> list[dict[str, str]]:
        """Fill the placeholders; a missing value is an error, not a silent blank."""
        return [{"role": role, "content": Template(text).substitute(values)} for role, text in self.turns]

    @property
    def system(self) -> str:
        return next((t for r, t in self.turns if r == "system"), "")


def parse_prompt(name: str, text: str) -> Prompt:
    marks = list(_MARKER.finditer(text))
    if not marks:
        raise ValueError(f"prompt {name}: no '=== role ===' markers")
    turns = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        turns.append((m.group(1), text[m.end():end].strip("\n")))
    return Prompt(name=name, turns=tuple(turns))


@lru_cache(maxsize=64)
def _load(path: Path) -> Prompt:
    return parse_prompt(path.stem, path.read_text(encoding="utf-8"))


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    path = Path(prompts_dir or PROJECT_ROOT / "prompts") / f"{name}.prompt"
    if not path.is_file():
        raise FileNotFoundError(f"prompt file {path} not found (prompts live in the project's prompts/ folder)")
    return _load(path)
