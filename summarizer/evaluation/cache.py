"""Per-item output cache in JSON lines, so an interrupted run resumes where it stopped
and a rerun of the scoring alone is instant.

One file per (task, data, split, mode, system fingerprint) under ``eval/cache/``. Each
line is one item's output ``{"index": i, "key": <hash of the item's input>, ...}``; a
line ``{"_models": {...}}`` records the models that produced them (so a fully cached
rerun, which loads no model, still signs its result correctly). Lines are appended and
flushed as items finish; a torn last line from a killed run is ignored.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

from ..config import PROJECT_ROOT

DEFAULT_CACHE_DIR = PROJECT_ROOT / "eval" / "cache"


def item_key(*parts: Any) -> str:
    """Hash of an item's input: a cached output is reused only for identical input."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:16]


class ItemCache:
    def __init__(self, path: str | Path | None, enabled: bool = True):
        self.path = Path(path) if path else None
        self.enabled = enabled and self.path is not None
        self.items: dict[int, dict[str, Any]] = {}
        self.models: dict[str, Any] = {}
        if self.enabled and self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").split("\n"):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # torn line from an interrupted run
                if "_models" in rec:
                    self.models.update(rec["_models"])
                elif isinstance(rec.get("index"), int):
                    self.items[rec["index"]] = rec

    @classmethod
    def for_run(cls, cache_dir: str | Path | None, task: str, data: str, split: str, mode: str | None,
                fingerprint: str, enabled: bool = True) -> "ItemCache":
        if not enabled or cache_dir is None:
            return cls(None, enabled=False)
        name = "-".join(x for x in (task, data, split, mode or "", fingerprint) if x)
        return cls(Path(cache_dir) / f"{name}.jsonl")

    def get(self, index: int, key: str) -> dict[str, Any] | None:
        rec = self.items.get(index)
        return rec if rec is not None and rec.get("key") == key else None

    def put(self, index: int, key: str, record: dict[str, Any]) -> dict[str, Any]:
        rec = {"index": index, "key": key, **record}
        self.items[index] = rec
        self._append(rec)
        return rec

    def put_models(self, models: dict[str, Any]) -> None:
        if models and models != self.models:
            self.models.update(models)
            self._append({"_models": models})

    def _append(self, rec: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            fh.flush()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.items.values())


def process(items: list[Any], keys: list[str], indices: list[int], cache: "ItemCache", compute,
            *, batch_size: int = 8, desc: str = "items", progress: bool = True) -> tuple[list[dict[str, Any]], int]:
    """Outputs for every item: cached ones reused, the rest computed in batches by
    ``compute(list_of_items) -> list_of_records`` and appended to the cache as each batch
    finishes (so a killed run loses at most one batch). Returns (records, n_computed)."""
    import sys

    from tqdm import tqdm

    out: list[dict[str, Any] | None] = [cache.get(i, k) for i, k in zip(indices, keys)]
    todo = [j for j, rec in enumerate(out) if rec is None]
    bar = tqdm(total=len(items), initial=len(items) - len(todo), desc=desc, file=sys.stderr,
               disable=not progress, leave=False)
    try:
        for b in range(0, len(todo), batch_size):
            chunk = todo[b:b + batch_size]
            records = compute([items[j] for j in chunk])
            if len(records) != len(chunk):
                raise RuntimeError(f"{desc}: the stage returned {len(records)} results for {len(chunk)} inputs")
            for j, rec in zip(chunk, records):
                out[j] = cache.put(indices[j], keys[j], rec)
            bar.update(len(chunk))
    finally:
        bar.close()
    return [r for r in out if r is not None], len(todo)
