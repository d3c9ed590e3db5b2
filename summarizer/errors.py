"""Errors a user sees: each names the thing at fault, the problem and the fix."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class for errors the CLI and the page show as one clear line."""


class InputError(SummarizerError):
    """An article that cannot be processed (empty, binary, too large, ...)."""

    def __init__(self, name: str, problem: str):
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")


class ModelError(SummarizerError):
    """A model that is missing, corrupt or cannot load."""

    def __init__(self, model: str, problem: str, fix: str):
        self.model = model
        self.problem = problem
        self.fix = fix
        super().__init__(f"model {model}: {problem}. To fix: {fix}")
