"""Keep llama.cpp's evaluated prompt prefixes across calls and processes.

Every prompt file puts its fixed part (system prompt, rules, examples) first. Within one
llama.cpp context only the last prompt's prefix is reused, so a run that alternates
tasks (repair, then the summary) evaluates each fixed part again, and every new
process starts cold: for Qwen2.5-1.5B on 2 cores that is 10-20 s per prompt file
(prompt evaluation runs at ~44 tokens/s). This cache stores the context state (the
KV cells, ~28 KB per token) of the first call of each prompt family on disk, and
llama-cpp-python restores it when a later prompt shares a longer prefix with it than
with what the context holds.

It plugs into llama-cpp-python's own hook (``Llama.set_cache``): the library asks
``cache[prompt_tokens]`` before a completion and offers ``cache[tokens] = state`` after.
The library's RAM and disk caches copy the whole logits buffer with every state
(151,936 x 512 floats = 311 MB for Qwen) and store every call; this one stores only
the KV state, once per prompt family, and reads it only when it is used.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np

# A stored state is worth restoring only for a long shared prefix: a shorter one is
# cheaper to evaluate than to read back (~28 KB per token).
MIN_SHARED_TOKENS = 128
MAX_ENTRIES = 8  # prompt families kept per model (the project has 7 prompt files)
# A prompt that shares this much with a stored family but less than MIN_SHARED_TOKENS
# has the same fixed part, too short to be worth storing (summarize_fix: a short system
# prompt, then the sentence): each of its calls would be stored as a family of its own,
# never restored, and push out the families that are (measured: after a NeuS evaluation
# the summary prompt's state was gone and the seeds' summary took 45.6 s, not 17 s).
# Such a call's state replaces the family's entry instead (see ``__setitem__``).
SAME_FAMILY_TOKENS = 32


class StoredState:
    """A state on disk: its token ids are in memory, its bytes are read on use."""

    def __init__(self, input_ids: np.ndarray, path: Path):
        self.input_ids = input_ids
        self.n_tokens = len(input_ids)
        self.path = path
        self.seed = 0
        try:  # last use: restoring touches the file, so eviction is least recently used
            self.used = path.stat().st_mtime
        except OSError:
            self.used = 0.0

    @property
    def llama_state(self) -> bytes:
        return self.path.read_bytes()


def _llama_base():
    from llama_cpp.llama_cache import BaseLlamaCache

    return BaseLlamaCache


def _longest_prefix(a: np.ndarray, b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    diff = np.nonzero(np.asarray(a[:n]) != np.asarray(b[:n], dtype=a.dtype))[0]
    return int(diff[0]) if len(diff) else n


def make_cache(folder: Path):
    """A ``BaseLlamaCache`` over ``folder`` (one folder per model file and context size)."""

    class PrefixStateCache(_llama_base()):
        def __init__(self) -> None:
            super().__init__(capacity_bytes=0)
            self.folder = Path(folder)
            self._lock = threading.Lock()
            self.entries: list[StoredState] = []
            self.restored = 0
            if self.folder.is_dir():
                for ids_path in sorted(self.folder.glob("*.ids.npy")):
                    state_path = ids_path.with_name(ids_path.name.replace(".ids.npy", ".state"))
                    try:
                        if state_path.exists():
                            self.entries.append(StoredState(np.load(ids_path), state_path))
                    except (OSError, ValueError):  # a damaged entry is skipped, not fatal
                        continue

        @property
        def cache_size(self) -> int:
            return sum(e.path.stat().st_size for e in self.entries if e.path.exists())

        def _best(self, key: Sequence[int]) -> tuple[StoredState | None, int]:
            best, best_len = None, 0
            for e in self.entries:
                n = _longest_prefix(e.input_ids, key)
                if n > best_len:
                    best, best_len = e, n
            return best, best_len

        def __getitem__(self, key: Sequence[int]) -> StoredState:
            with self._lock:
                best, n = self._best(key)
            if best is None or n < MIN_SHARED_TOKENS:
                raise KeyError("no stored prefix")
            best.used = time.time()
            try:
                os.utime(best.path)  # and across processes
            except OSError:
                pass
            return best

        def __contains__(self, key: Sequence[int]) -> bool:
            with self._lock:
                return self._best(key)[1] >= MIN_SHARED_TOKENS

        def __setitem__(self, key: Sequence[int], state) -> None:
            with self._lock:
                best, shared = self._best(key)
                if shared >= MIN_SHARED_TOKENS:
                    return  # this prompt family is stored already
                # the same opening but less than MIN_SHARED_TOKENS in common: an edited
                # prompt file (its stored state would never be restored again, nor the new
                # one stored: measured when a prompt's example was added) or a fixed part
                # too short to restore (summarize_fix). The new state replaces the old, so a
                # family holds one entry and pushes no other family out.
                replaced = best if shared >= SAME_FAMILY_TOKENS else None
                # the tokens actually in the KV cells (the last sampled token never is)
                ids = np.asarray(getattr(state, "input_ids", key), dtype=np.intc)
                name = hashlib.sha1(ids[:MIN_SHARED_TOKENS].tobytes()).hexdigest()[:16]
                try:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    state_path = self.folder / f"{name}.state"
                    tmp = state_path.with_suffix(f".tmp{os.getpid()}")
                    tmp.write_bytes(state.llama_state)
                    tmp.replace(state_path)
                    np.save(self.folder / f"{name}.ids.npy", ids)
                except OSError:  # read-only or full disk: run on without storing
                    return
                if replaced is not None and replaced.path != state_path:
                    self.entries.remove(replaced)
                    for p in (replaced.path, replaced.path.with_name(replaced.path.name.replace(".state", ".ids.npy"))):
                        p.unlink(missing_ok=True)
                elif replaced is not None:
                    self.entries.remove(replaced)
                self.entries.append(StoredState(ids, state_path))
                while len(self.entries) > MAX_ENTRIES:  # least recently used family out
                    old = min(self.entries, key=lambda e: e.used)
                    self.entries.remove(old)
                    for p in (old.path, old.path.with_name(old.path.name.replace(".state", ".ids.npy"))):
                        p.unlink(missing_ok=True)

    return PrefixStateCache()


class _LiveState:
    """What ``save_state`` hands to the cache: the KV bytes are copied only if the
    cache stores them (once per prompt family), not after every call. Valid only
    until the next call, which is how llama-cpp-python uses it (``cache[k] = save_state()``)."""

    def __init__(self, llm) -> None:
        self._llm = llm
        # only the cells a later prompt may keep (canonical_eval.py): the prompt's, not
        # those of the generated tokens; the rest are dropped when the state is used
        self.n_tokens = min(llm.n_tokens, getattr(llm, "_computed_upto", llm.n_tokens))
        self.input_ids = np.array(llm.input_ids[: self.n_tokens], dtype=np.intc)
        self.seed = 0

    @property
    def llama_state(self) -> bytes:
        import ctypes

        import llama_cpp

        ctx = self._llm._ctx.ctx
        size = int(llama_cpp.llama_state_get_size(ctx))
        buf = (ctypes.c_uint8 * size)()
        n = int(llama_cpp.llama_state_get_data(ctx, buf, size))
        return bytes(memoryview(buf)[:n])


def llama_class():
    """``llama_cpp.Llama`` whose saved state is the KV cache only (no logits buffer:
    generation re-evaluates at least one token after a restore, refreshing them)."""
    import ctypes

    import llama_cpp

    from .canonical_eval import CanonicalPromptEval
    from .speculative import DraftVerifyingEval

    class PrefixCachedLlama(CanonicalPromptEval, DraftVerifyingEval, llama_cpp.Llama):
        def save_state(self):
            return _LiveState(self)

        def load_state(self, state) -> None:
            try:
                data = state.llama_state
                buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
                if llama_cpp.llama_state_set_data(self._ctx.ctx, buf, len(data)) != len(data):
                    raise RuntimeError("size mismatch")
            except Exception:  # unreadable or foreign state: evaluate the prompt in full
                self.n_tokens = 0
                self._requires_eval = True
                return
            self.input_ids[: state.n_tokens] = state.input_ids
            self.n_tokens = state.n_tokens
            self._computed_upto = state.n_tokens
            self._requires_eval = True
            if hasattr(self.cache, "restored"):
                self.cache.restored += 1

    return PrefixCachedLlama


STALE_DAYS = 14  # a state folder of another copy of a model, unused this long, is deleted


# States written before prompts were evaluated in canonical batches (canonical_eval.py)
# hold cells a restored prompt must not keep: they live in folders without this tag.
STATE_LAYOUT = "canon4"


def cache_folder(root: Path, model_path: Path, n_ctx: int, llama_cpp_version: str) -> Path:
    """States are only valid for the same model file, context size, llama.cpp build and
    batch layout (``STATE_LAYOUT``).
    Every reinstall of a model package writes a new file (a new folder here), so folders
    of the same model name unused for ``STALE_DAYS`` are removed (~32 MB each for SmolLM2)."""
    st = model_path.stat()
    folder = Path(root) / f"{model_path.stem}-{st.st_size}-{int(st.st_mtime)}-ctx{n_ctx}-llamacpp{llama_cpp_version}-{STATE_LAYOUT}"
    _prune_stale(folder)
    return folder


def _prune_stale(folder: Path) -> None:
    import shutil

    stem = folder.name.split("-ctx")[0].rsplit("-", 2)[0]
    cutoff = time.time() - STALE_DAYS * 86400
    try:
        siblings = [p for p in folder.parent.glob(f"{stem}-*") if p.is_dir() and p != folder]
        for p in siblings:
            newest = max((f.stat().st_mtime for f in p.iterdir()), default=p.stat().st_mtime)
            if newest < cutoff:
                shutil.rmtree(p, ignore_errors=True)
    except OSError:  # a cache folder is never worth failing a run for
        pass
