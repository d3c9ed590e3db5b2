"""A generator on a remote OpenAI-compatible server (llama.cpp's or llama-cpp-python's
server, vLLM, a hosted API): the third backend behind ``Generator``.

Only the standard library is used (urllib): the server is whatever the user runs, and
this side needs nothing installed. The API key, when the server wants one, comes from
``$OPENAI_API_KEY`` at request time and never enters the settings (they are written
into every report).

What the server cannot give is said, not guessed:
- Prompt log-probabilities (``token_logprobs``): the chat API has none, and the
  completions API's ``echo`` + ``logprobs`` is not dependable across servers (measured:
  llama-cpp-python 0.3.36's server gives each echoed token the log-probability of its
  *successor's* context, off by one). Detection's second look, which needs them, is then
  skipped with a note in the report; the cheap tier and repair are unaffected.
- Token counts: asked of the server's tokenizer endpoint (llama-cpp-python
  ``/extras/tokenize``, llama.cpp ``/tokenize``) when it has one; otherwise callers use
  their word-based estimates (``count_tokens`` raises).
Many prompts at once (``chat_batch``) are sent as concurrent requests: a server with
parallel slots or continuous batching decodes them together, as parallel.py does locally.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator, Sequence

from ..errors import ModelError

Message = dict[str, str]
# names of the packaged local models: they say nothing about what a server serves
_PACKAGED = {"qwen", "smollm2"}


class OpenAIServerGenerator:
    backend = "openai"

    def __init__(self, url: str, model: str | None = None, *, timeout: float = 600.0, concurrency: int = 4,
                 seed: int = 0):
        if not url.startswith(("http://", "https://")):
            raise ModelError(model=model or "server", problem=f"generator_url {url!r} is not an http(s) URL",
                             fix="set generator_url to the server's API base, e.g. http://localhost:8080/v1")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self.seed = seed
        self._tokenize: tuple | None = None  # (path, field) of the tokenizer endpoint; () = none
        start = time.perf_counter()
        served = self._models()
        self.load_seconds = time.perf_counter() - start  # the handshake: nothing loads on this side
        if model and model not in _PACKAGED:
            self.model = model
        elif served:
            self.model = served[0]  # the server's own model: what it runs is what reports name
        else:
            raise ModelError(model="server", problem=f"{self.url}/models lists no model",
                             fix="name the server's model with --model")
        self.name = self.model.rsplit("/", 1)[-1]

    # --- HTTP -------------------------------------------------------------------------
    def _request(self, path: str, body: dict | None = None, *, root: bool = False, stream: bool = False):
        base = self.url.rsplit("/v1", 1)[0] if root else self.url
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(base + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
        key = os.environ.get("OPENAI_API_KEY")
        if key:
            req.add_header("Authorization", f"Bearer {key}")
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise ModelError(model=getattr(self, "model", "server"),
                             problem=f"{base + path} answered HTTP {exc.code}: {detail}",
                             fix="check the model name, the API key ($OPENAI_API_KEY) and the server's log") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ModelError(model=getattr(self, "model", "server"),
                             problem=f"cannot reach the generator server at {base + path} ({exc})",
                             fix="start the server, or set generator_url (--server-url) to where it runs") from exc
        if stream:
            return resp
        with resp:
            return json.loads(resp.read().decode("utf-8"))

    def _models(self) -> list[str]:
        data = self._request("/models")
        return [m.get("id") for m in data.get("data", []) if m.get("id")]

    def _body(self, max_tokens: int, stop, temperature: float, seed: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "max_tokens": int(max_tokens), "temperature": float(temperature),
                                "seed": int(self.seed if seed is None else seed)}
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API takes at most four
        return body

    # --- Generator --------------------------------------------------------------------
    def chat(self, messages: Sequence[Message], *, max_tokens: int = 256, stop: Sequence[str] | None = None,
             temperature: float = 0.0, seed: int | None = None) -> str:
        out = self._request("/chat/completions", {**self._body(max_tokens, stop, temperature, seed),
                                                "messages": list(messages)})
        return (out["choices"][0]["message"].get("content") or "").strip()

    def stream_chat(self, messages: Sequence[Message], *, max_tokens: int = 256,
                    stop: Sequence[str] | None = None, temperature: float = 0.0,
                    seed: int | None = None) -> Iterator[str]:
        body = {**self._body(max_tokens, stop, temperature, seed), "messages": list(messages), "stream": True}
        with self._request("/chat/completions", body, stream=True) as resp:
            for raw in resp:  # server-sent events: "data: {...}" lines, then "data: [DONE]"
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                piece = (json.loads(payload)["choices"][0].get("delta") or {}).get("content")
                if piece:
                    yield piece

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] | None = None,
                 temperature: float = 0.0, seed: int | None = None) -> str:
        out = self._request("/completions", {**self._body(max_tokens, stop, temperature, seed), "prompt": prompt})
        return out["choices"][0].get("text") or ""

    def chat_batch(self, conversations: Sequence[Sequence[Message]], *, max_tokens: int | Sequence[int] = 256,
                   stop: Sequence[str] | None = None, temperature: float = 0.0, seed: int | None = None,
                   on_done=None) -> list[str]:
        limits = [max_tokens] * len(conversations) if isinstance(max_tokens, int) else list(max_tokens)

        def one(k: int) -> str:
            text = self.chat(conversations[k], max_tokens=limits[k], stop=stop, temperature=temperature, seed=seed)
            if on_done:
                on_done(k)
            return text

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, range(len(conversations))))

    def token_logprobs(self, text: str):
        raise NotImplementedError(f"the {self.backend} backend gives no prompt log-probabilities "
                                  "(see summarizer/models/openai_server.py)")

    def token_logprobs_batch(self, texts: Sequence[str]):
        return [self.token_logprobs(t) for t in texts]

    _TOKENIZE = (("/extras/tokenize", "input"), ("/tokenize", "content"))

    def count_tokens(self, text: str) -> int:
        # the first endpoint that answers is kept; none answering is remembered too
        candidates = self._TOKENIZE if self._tokenize is None else [self._tokenize] if self._tokenize else []
        for path, field in candidates:
            try:
                n = len(self._request(path, {field: text}, root=True)["tokens"])
            except (ModelError, KeyError, TypeError, ValueError):
                continue
            self._tokenize = (path, field)
            return n
        self._tokenize = ()
        raise NotImplementedError(f"{self.url}: no tokenizer endpoint")

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "backend": self.backend, "url": self.url, "model": self.model}
