"""The generator's replies kept on disk, keyed by everything that decides them.

The seeds' run spends most of its time in the generator (on a 2-core AVX2 machine, 188
of 201 s in repair and the summary), and a second run of the same articles (the page's
example run twice, one title corrected, the NeuS evaluation after a change to the
summary's post-processing) asks it the same prompts again. The generator's replies are
a function of what the key holds: the model file, the backend, its version and
settings, this CPU's instruction sets (llama.cpp's kernels round differently on another
CPU), the call (chat, completion or a batch of chats), the messages and every sampling
setting, with the sampler's seed (a sampled reply is repeatable too). A reply found
under its key is the reply the model gave to exactly that request before; nothing
approximate is ever served.

One limit: llama.cpp decodes a batch of chats together, and ggml's products take a
batch's rows in groups of four (models/canonical_eval.py), so a chat decoded beside some
chats can resolve a near-tie differently from the same chat beside others. A run whose
prompts are partly cached decodes only the others together; its uncached replies may
then differ in such a tie from a run with nothing cached. The report says how many
replies came from the cache.

Not cached: a server backend (the model behind a server's id can change), and
generation with ``reply_cache`` off (``SUMMARIZER_REPLY_CACHE=0``), which the speed
benchmarks and the test suite use, so that they measure and exercise the model.
Stored in SQLite under ``home``; the least recently used replies beyond
``MAX_ENTRIES`` are dropped.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from .generator import Generator, _one_at_a_time

FORMAT = 1  # part of every key: a change to what a key means starts a new cache
MAX_ENTRIES = 50_000  # ~a few hundred bytes each
FILE_NAME = "replies.sqlite3"


class ReplyStore:
    """key -> reply, in one SQLite file (safe across threads and processes).

    A file that cannot be opened, read or written (a read-only home, a damaged file, a
    full disk) never stops a run: the store records the ``problem``, answers nothing and
    keeps nothing from then on, and the report says so."""

    def __init__(self, path: Path, max_entries: int = MAX_ENTRIES):
        self.path = Path(path)
        self.max_entries = max_entries
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=10, check_same_thread=False)
            with self._db:
                self._db.execute("CREATE TABLE IF NOT EXISTS replies "
                                 "(key TEXT PRIMARY KEY, reply TEXT NOT NULL, used REAL NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        self.problem = f"{type(exc).__name__}: {exc}"

    def get(self, key: str) -> str | None:
        with self._lock:
            if self.problem:
                return None
            try:
                row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    with self._db:
                        self._db.execute("UPDATE replies SET used = ? WHERE key = ?", (time.time(), key))
            except (OSError, sqlite3.Error) as exc:
                self._fail(exc)
                return None
        return None if row is None else row[0]

    def put(self, key: str, reply: str) -> None:
        with self._lock:
            if self.problem:
                return
            try:
                with self._db:
                    self._db.execute("INSERT OR REPLACE INTO replies (key, reply, used) VALUES (?, ?, ?)",
                                     (key, reply, time.time()))
                    (n,) = self._db.execute("SELECT COUNT(*) FROM replies").fetchone()
                    if n > self.max_entries:
                        self._db.execute("DELETE FROM replies WHERE key IN "
                                         "(SELECT key FROM replies ORDER BY used ASC LIMIT ?)", (n - self.max_entries,))
            except (OSError, sqlite3.Error) as exc:
                self._fail(exc)

    def __len__(self) -> int:
        with self._lock:
            return 0 if self.problem else self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]


def generator_identity(gen: Generator) -> dict[str, Any]:
    """What decides a generator's replies besides the request: its settings as
    ``info()`` gives them, the model file's size and modification time, and the CPU's
    instruction sets."""
    from ..machine import machine_info

    info = dict(gen.info())
    info.pop("prompt_cache", None)  # a restored prompt state gives the same numbers (canonical_eval.py)
    path = info.get("path") or info.get("source")
    if path and Path(path).is_file():
        st = Path(path).stat()
        info["file"] = [st.st_size, int(st.st_mtime)]
    machine = machine_info()
    info["machine"] = [machine.get("arch"), machine.get("isa")]
    return info


class CachedGenerator:
    """A ``Generator`` that answers a request it has answered before from ``store``;
    everything else is the wrapped generator's (scoring, token counts, stats)."""

    def __init__(self, inner: Generator, store: ReplyStore):
        self.inner = inner
        self.store = store
        self._identity = json.dumps(generator_identity(inner), sort_keys=True, default=str)
        # counted per thread: a run's requests are made from the thread that runs it, so
        # two pages running at once each count their own
        self._counts = threading.local()

    def __getattr__(self, name: str) -> Any:  # name, backend, stats, count_tokens, token_logprobs ...
        return getattr(self.inner, name)

    def info(self) -> dict[str, Any]:
        return self.inner.info() | {"reply_cache": str(self.store.path)}

    def counts(self) -> tuple[int, int]:
        """(replies from the cache, replies generated) for requests made from this thread."""
        return getattr(self._counts, "hits", 0), getattr(self._counts, "misses", 0)

    # keys -----------------------------------------------------------------------
    def _key(self, kind: str, request: Any, max_tokens: int, stop, temperature: float, seed: int | None) -> str:
        body = json.dumps([FORMAT, self._identity, kind, request, max_tokens, list(stop or []), float(temperature),
                           seed], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def _lookup(self, key: str) -> str | None:
        reply = self.store.get(key)
        hits, misses = self.counts()
        self._counts.hits, self._counts.misses = (hits, misses + 1) if reply is None else (hits + 1, misses)
        return reply

    # the Generator calls ------------------------------------------------------------
    def chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        key = self._key("chat", list(messages), max_tokens, stop, temperature, seed)
        reply = self._lookup(key)
        if reply is None:
            reply = self.inner.chat(messages, max_tokens=max_tokens, stop=stop, temperature=temperature, seed=seed)
            self.store.put(key, reply)
        return reply

    def stream_chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> Iterator[str]:
        # the same key as chat(): a streamed reply is the same reply
        key = self._key("chat", list(messages), max_tokens, stop, temperature, seed)
        reply = self._lookup(key)
        if reply is not None:
            yield reply
            return
        pieces = []
        for piece in self.inner.stream_chat(messages, max_tokens=max_tokens, stop=stop, temperature=temperature,
                                            seed=seed):
            pieces.append(piece)
            yield piece
        self.store.put(key, "".join(pieces))  # only a reply streamed to its end is kept

    def complete(self, prompt, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        key = self._key("complete", prompt, max_tokens, stop, temperature, seed)
        reply = self._lookup(key)
        if reply is None:
            reply = self.inner.complete(prompt, max_tokens=max_tokens, stop=stop, temperature=temperature, seed=seed)
            self.store.put(key, reply)
        return reply

    def chat_batch(self, conversations: Sequence, *, max_tokens: int | Sequence[int] = 256, stop=None,
                   temperature: float = 0.0, seed: int | None = None, on_done=None) -> list[str]:
        """Cached conversations are answered at once; the others go to the wrapped
        generator together (decoded in parallel where it can)."""
        convs = [list(m) for m in conversations]
        limits = [max_tokens] * len(convs) if isinstance(max_tokens, int) else list(max_tokens)
        if not hasattr(self.inner, "chat_batch"):  # one at a time, each through chat()'s cache
            return _one_at_a_time(self, convs, limits, stop, temperature, seed, on_done)
        keys = [self._key("batch", c, n, stop, temperature, seed) for c, n in zip(convs, limits)]
        out: list[str | None] = [self._lookup(k) for k in keys]
        todo = [k for k, reply in enumerate(out) if reply is None]
        for k, reply in enumerate(out):
            if reply is not None and on_done:
                on_done(k)
        if todo:
            replies = self.inner.chat_batch([convs[k] for k in todo], max_tokens=[limits[k] for k in todo], stop=stop,
                                            temperature=temperature, seed=seed,
                                            on_done=(lambda j: on_done(todo[j])) if on_done else None)
            for k, reply in zip(todo, replies):
                out[k] = reply
                self.store.put(keys[k], reply)
        return [r or "" for r in out]


def replies_since(before: tuple[int, int] | None, now: tuple[int, int] | None) -> dict[str, int] | None:
    """{"cached", "generated"} between two ``ModelHub.reply_cache_counts()`` readings, for
    timings: seconds of replies from the cache measure no model."""
    if now is None:
        return None
    before = before or (0, 0)
    return {"cached": now[0] - before[0], "generated": now[1] - before[1]}


def with_reply_cache(gen: Generator, home: Path) -> Generator:
    """``gen`` behind the reply cache under ``home``; a server backend is returned as it is."""
    if getattr(gen, "backend", "") == "openai":
        return gen
    return CachedGenerator(gen, ReplyStore(Path(home) / FILE_NAME))
