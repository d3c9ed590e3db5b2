"""Text generators behind one small interface.

Every stage that needs a language model (scoring fluency, repairing, summarising,
translating as a fallback) talks to a ``Generator``. Backends swap by one setting:
``llamacpp`` (GGUF through llama-cpp-python), ``transformers`` (any Hugging Face id,
local folder, or a GGUF file via ``gguf_file=``) or ``openai`` (a remote
OpenAI-compatible server, openai_server.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

from ..config import Config, apply_runtime_environment
from ..errors import ModelError
from .registry import package_version, resolve_gguf

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": ...}


@dataclass
class TokenScores:
    """Per-token log-probabilities of a text under a model.

    ``offsets[i]`` is the character offset in the scored text where token ``i`` starts;
    the first token may have no score (nothing to condition on), so ``logprobs`` may
    be one shorter than ``tokens``: ``logprobs[j]`` belongs to ``tokens[j + first]``.
    """

    tokens: list[str]
    offsets: list[int]
    logprobs: list[float]
    first: int = 0  # index of the first scored token

    @property
    def mean(self) -> float:
        return sum(self.logprobs) / len(self.logprobs) if self.logprobs else 0.0


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Generator(Protocol):
    name: str  # model name as recorded in reports
    backend: str  # "llamacpp", "transformers", ...

    def chat(self, messages: Sequence[Message], *, max_tokens: int = 256, stop: Sequence[str] | None = None,
             temperature: float = 0.0, seed: int | None = None) -> str: ...

    def stream_chat(self, messages: Sequence[Message], *, max_tokens: int = 256,
                    stop: Sequence[str] | None = None, temperature: float = 0.0,
                    seed: int | None = None) -> Iterator[str]: ...

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] | None = None,
                 temperature: float = 0.0, seed: int | None = None) -> str: ...

    def token_logprobs(self, text: str) -> TokenScores: ...

    def token_logprobs_batch(self, texts: Sequence[str]) -> list[TokenScores]: ...

    def count_tokens(self, text: str) -> int: ...

    def info(self) -> dict[str, Any]: ...


# --- llama.cpp --------------------------------------------------------------------

# cells per sequence beyond the longest prompt + reply of a parallel batch: room for the
# feedback a second candidate's prompt adds (~40-60 tokens on the seeds)
_PARALLEL_MARGIN = 128


class LlamaCppGenerator:
    """GGUF models through llama-cpp-python.

    Prefix caching: llama.cpp keeps the KV cache of the previous call and re-evaluates
    only the tokens after the longest common prefix, so a fixed system prompt (and the
    fixed instructions and examples after it) is evaluated once, not per call. Scoring
    uses a second, small context so it never evicts the generation prefix.
    """

    backend = "llamacpp"

    def __init__(self, model_path: str | Path, *, name: str | None = None, n_ctx: int = 4096,
                 n_threads: int = 2, seed: int = 0, score_ctx: int = 512, prompt_cache: Path | None = None,
                 draft_tokens: int = 0, parallel_sequences: int = 32, parallel_ctx_seq: int = 1536):
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelError(model=str(model_path), problem="llama-cpp-python is not installed",
                             fix="pip install llama-cpp-python==0.3.36 (compiles in ~15 min on 2 cores)") from exc
        self._llama_cpp = llama_cpp
        self.path = Path(model_path)
        self.name = name or self.path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self.score_ctx = score_ctx
        self._lock = threading.RLock()  # one llama context is not thread-safe
        self._scorer = None
        self.stats = GenerationStats()
        start = time.perf_counter()
        self._llm = self._load(n_ctx=n_ctx, logits_all=False)
        self.prompt_cache = None
        if prompt_cache is not None:
            # evaluated prompt prefixes (system prompt + examples) kept on disk: see prompt_cache.py
            from .prompt_cache import cache_folder, make_cache

            self.prompt_cache = make_cache(cache_folder(prompt_cache, self.path, n_ctx,
                                                        package_version("llama-cpp-python")))
            self._llm.set_cache(self.prompt_cache)
        self.draft_tokens = max(0, draft_tokens)
        if self.draft_tokens:
            # prompt-lookup drafts, verified by the model itself: fewer passes, same sampler
            # (speculative.py); set after loading, so llama.cpp keeps last-token logits
            from .speculative import PromptLookupDraft

            self._llm.draft_model = PromptLookupDraft(num_pred_tokens=self.draft_tokens)
        # parallel decoding of prompt batches (parallel.py): its context is made on first use
        self.parallel_sequences = max(0, parallel_sequences)
        self.parallel_ctx_seq = parallel_ctx_seq
        self._parallel = None
        self._formatter = None
        self.load_seconds = time.perf_counter() - start

    def _load(self, n_ctx: int, logits_all: bool):
        from .prompt_cache import llama_class

        try:
            llama = self._llama_cpp.Llama if logits_all else llama_class()
            return llama(
                model_path=str(self.path), n_ctx=n_ctx, n_threads=self.n_threads,
                n_threads_batch=self.n_threads, n_batch=min(512, n_ctx), logits_all=logits_all,
                seed=self.seed, verbose=False)
        except Exception as exc:  # llama.cpp raises ValueError/RuntimeError on bad files
            raise ModelError(model=self.name, problem=f"llama.cpp could not load {self.path}: {exc}",
                             fix="check the file (summarizer doctor) or reinstall the model package") from exc

    # generation ---------------------------------------------------------------
    def _chat_kwargs(self, max_tokens, stop, temperature, seed) -> dict[str, Any]:
        return dict(max_tokens=max_tokens, stop=list(stop or []) or None, temperature=temperature,
                    seed=self.seed if seed is None else seed, top_p=0.95 if temperature > 0 else 1.0,
                    top_k=40 if temperature > 0 else 1)

    def chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        return "".join(self.stream_chat(messages, max_tokens=max_tokens, stop=stop,
                                        temperature=temperature, seed=seed))

    def stream_chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> Iterator[str]:
        with self._lock:
            start = time.perf_counter()
            n = 0
            for chunk in self._llm.create_chat_completion(
                    messages=list(messages), stream=True, **self._chat_kwargs(max_tokens, stop, temperature, seed)):
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    n += 1
                    yield piece
            self._account(n, start)

    def complete(self, prompt, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        with self._lock:
            start = time.perf_counter()
            out = self._llm.create_completion(prompt=prompt, **self._chat_kwargs(max_tokens, stop, temperature, seed))
            self._account(out["usage"]["completion_tokens"], start)
            return out["choices"][0]["text"]

    # many prompts at once (parallel.py) ----------------------------------------------
    def _chat_prompt(self, messages) -> tuple[list[int], list[str]]:
        """Token ids and stop strings exactly as ``create_chat_completion`` makes them."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llm = self._llm
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ValueError("the model file carries no chat template")
            eos, bos = llm.token_eos(), llm.token_bos()
            self._formatter = Jinja2ChatFormatter(
                template=template, eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llm._model.token_get_text(bos) if bos != -1 else "", stop_token_ids=[eos])
        result = self._formatter(messages=list(messages))
        ids = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return list(ids), stops

    def chat_batch(self, conversations: Sequence[Sequence[Message]], *, max_tokens: int | Sequence[int] = 256,
                   stop: Sequence[str] | None = None, temperature: float = 0.0, seed: int | None = None,
                   on_done=None) -> list[str]:
        """One reply per conversation, decoded together in parallel sequences (parallel.py).
        ``on_done(k)`` is called as conversation k finishes (progress)."""
        convs = [list(m) for m in conversations]
        limits = [max_tokens] * len(convs) if isinstance(max_tokens, int) else list(max_tokens)
        if len(convs) < 2 or self.parallel_sequences < 2 or self.stats.extra.get("parallel_error"):
            return _one_at_a_time(self, convs, limits, stop, temperature, seed, on_done)
        try:
            return self._chat_parallel(convs, limits, stop, temperature, seed, on_done)
        except RuntimeError as exc:  # no room for the contexts, an unexpected state layout
            # one at a time from here on, and said so (the repair stage's note shows it)
            self.stats.extra["parallel_error"] = f"parallel decoding failed ({exc}); prompts run one at a time"
            self._parallel = None
            return _one_at_a_time(self, convs, limits, stop, temperature, seed, on_done)

    def _chat_parallel(self, convs, limits, stop, temperature, seed, on_done) -> list[str]:
        from .parallel import ParallelDecoder, longest_common_prefix

        with self._lock:
            start = time.perf_counter()
            try:
                prompts, stops = zip(*(self._chat_prompt(m) for m in convs))
            except ValueError:  # no chat template to format with here: the library's own path
                return _one_at_a_time(self, convs, limits, stop, temperature, seed, on_done)
            stop_all = [*(stop or []), *stops[0]]
            shared = min(longest_common_prefix(prompts), min(len(p) for p in prompts) - 1)
            # each sequence's cache sized to these prompts and replies, not to the cap: the
            # seeds' repair needs ~950 cells, and 24 x 1,536 cells took 2.5-3.1 s to set up
            # the first time (768: 0.9-1.1 s). The margin lets follow-up prompts (a second
            # candidate's feedback) reuse the cells their first prompt left.
            need = max(len(p) + n for p, n in zip(prompts, limits)) + _PARALLEL_MARGIN
            size = min(self.parallel_ctx_seq, -(-need // 256) * 256)
            if self._parallel is None or self._parallel.n_ctx_seq < size:
                outgrown = self._parallel
                self._parallel = ParallelDecoder(self._llm, n_ctx_seq=size, n_seq_max=self.parallel_sequences,
                                                 n_threads=self.n_threads)
                if outgrown is not None:
                    self._parallel.adopt(outgrown)  # its cells: a follow-up prompt is not evaluated again
                    outgrown.close()
            dec = self._parallel
            prefix = list(prompts[0][:shared])
            if not prefix:
                dec.prefix, dec._prefix_state = [], None
            elif dec.prefix != prefix:
                # the main context evaluates the prefix (or restores it from the prompt
                # cache), then its cells are copied over: one evaluation of the fixed part
                self._llm.create_completion(prompt=prefix, max_tokens=1, temperature=0.0, top_k=1)
                dec.load_prefix(self._llm._ctx.ctx, prefix)
            # prompts too long for a sequence's cache are generated on their own
            fits = [k for k, p in enumerate(prompts) if len(p) + limits[k] < dec.n_ctx_seq]
            groups = [fits[i:i + self.parallel_sequences] for i in range(0, len(fits), self.parallel_sequences)]
            out: list[str] = [""] * len(convs)
            produced = 0
            for k in sorted(set(range(len(convs))) - set(fits)):
                out[k] = self.chat(convs[k], max_tokens=limits[k], stop=stop, temperature=temperature, seed=seed)
                if on_done:
                    on_done(k)

            def detok(ids):
                return self._llm.detokenize(ids).decode("utf-8", errors="ignore")

            for group in groups:
                texts, counts = dec.generate(
                    [prompts[k] for k in group], [limits[k] for k in group], stop=stop_all,
                    temperature=temperature, seed=self.seed if seed is None else seed, detokenize=detok,
                    on_done=(lambda j, g=group: on_done(g[j])) if on_done else None)
                for k, text, n in zip(group, texts, counts):
                    out[k] = text
                    produced += n
            self.stats.calls += len(fits)  # the others were counted by chat()
            self.stats.completion_tokens += produced
            self.stats.seconds += time.perf_counter() - start
            return out

    def _account(self, completion_tokens: int, start: float) -> None:
        self.stats.calls += 1
        self.stats.completion_tokens += completion_tokens
        self.stats.seconds += time.perf_counter() - start

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # scoring ------------------------------------------------------------------
    def token_logprobs(self, text: str) -> TokenScores:
        import numpy as np

        with self._lock:
            if self._scorer is None:
                self._scorer = self._load(n_ctx=self.score_ctx, logits_all=True)
            llm = self._scorer
            data = text.encode("utf-8")
            ids = llm.tokenize(data, add_bos=True, special=False)[: self.score_ctx]
            bos = llm.token_bos()
            has_bos = bool(ids) and ids[0] == bos
            llm.reset()
            llm.eval(ids)
            logits = np.asarray(llm.scores[: len(ids)], dtype=np.float32)
        # log-softmax row t predicts token t+1
        logits = logits - logits.max(axis=1, keepdims=True)
        logz = np.log(np.exp(logits).sum(axis=1))
        lp = [float(logits[t, ids[t + 1]] - logz[t]) for t in range(len(ids) - 1)]
        tokens, offsets = [], []
        pos_bytes = 0
        content_ids = ids[1:] if has_bos else ids
        for tid in content_ids:
            piece = llm.detokenize([tid])
            offsets.append(len(data[:pos_bytes].decode("utf-8", errors="ignore")))
            tokens.append(piece.decode("utf-8", errors="replace"))
            pos_bytes += len(piece)
        # with a BOS every content token is scored; without, the first one is not
        return TokenScores(tokens=tokens, offsets=offsets, logprobs=lp, first=0 if has_bos else 1)

    def token_logprobs_batch(self, texts: Sequence[str]) -> list[TokenScores]:
        # Measured: llama.cpp evaluates a 441-token text at 130 tok/s, no faster than
        # one sentence at a time (120 tok/s), so there is nothing to gain from packing.
        return [self.token_logprobs(t) for t in texts]

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "backend": self.backend, "path": str(self.path),
                "llama_cpp_python": package_version("llama-cpp-python"), "n_ctx": self.n_ctx,
                "threads": self.n_threads, "prompt_cache": self.prompt_cache is not None,
                "draft_tokens": self.draft_tokens, "parallel_sequences": self.parallel_sequences}


def _one_at_a_time(gen, convs, limits, stop, temperature, seed, on_done) -> list[str]:
    out = []
    for k, (messages, limit) in enumerate(zip(convs, limits)):
        out.append(gen.chat(messages, max_tokens=limit, stop=stop, temperature=temperature, seed=seed))
        if on_done:
            on_done(k)
    return out


def chat_many(gen: Generator, conversations: Sequence[Sequence[Message]], *, max_tokens: int | Sequence[int] = 256,
              stop: Sequence[str] | None = None, temperature: float = 0.0, seed: int | None = None,
              on_done=None) -> list[str]:
    """One reply per conversation: together where the backend decodes prompts in
    parallel (llama.cpp), one after another otherwise."""
    convs = [list(m) for m in conversations]
    if hasattr(gen, "chat_batch"):
        return gen.chat_batch(convs, max_tokens=max_tokens, stop=stop, temperature=temperature, seed=seed,
                              on_done=on_done)
    limits = [max_tokens] * len(convs) if isinstance(max_tokens, int) else list(max_tokens)
    return _one_at_a_time(gen, convs, limits, stop, temperature, seed, on_done)


# --- transformers -----------------------------------------------------------------

class TransformersGenerator:
    """Any causal LM transformers can load: a hub id, a local folder, or a GGUF file.

    GGUF files are dequantised to float32 by transformers (``gguf_file=``): correct but
    slow and memory-hungry on CPU; llama.cpp is the fast path for those.
    """

    backend = "transformers"

    def __init__(self, model: str | Path, *, name: str | None = None, n_threads: int = 2,
                 allow_hub: bool = False, device: str = "auto", seed: int = 0,
                 dequantised_cache: Path | None = None, batch_size: int = 32, dtype: str = "auto"):
        apply_runtime_environment()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from transformers.utils import logging as hf_logging

        torch.set_num_threads(max(1, n_threads))
        hf_logging.disable_progress_bar()  # a per-load "Loading weights" bar is noise in reports and logs
        self._torch = torch
        self.seed = seed
        path = Path(str(model)).expanduser()
        kwargs: dict[str, Any] = {"local_files_only": not allow_hub}
        cached = _dequantised_folder(path, dequantised_cache)
        save_to = None
        if cached is not None and (cached / "config.json").exists():
            source = str(cached)  # dequantised once before: loads in ~0.3 s instead of ~27 s
        elif path.suffix == ".gguf":
            source, kwargs["gguf_file"] = str(path.parent), path.name
            save_to = cached
        else:
            source = str(path) if path.exists() else str(model)
        self.name = name or (path.name if path.exists() else str(model))
        self.batch_size = max(1, batch_size)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.source = source
        self.stats = GenerationStats()
        start = time.perf_counter()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(
                source, dtype=torch.float16 if device == "cuda" else torch.float32, **kwargs).to(device)
        except Exception as exc:
            hint = ("set SUMMARIZER_ALLOW_HUB=1 to let it download" if not allow_hub
                    else "check the model id or path")
            raise ModelError(model=self.name, problem=f"transformers could not load {model}: {exc}",
                             fix=hint) from exc
        self.model.eval()
        if save_to is not None:
            self._save_dequantised(save_to)  # float32, whatever this process runs in
        self.dtype = cpu_dtype(dtype) if device == "cpu" else "float16"
        if self.dtype != "float32" and device == "cpu":
            self.model = self.model.to(getattr(torch, self.dtype))
        self.load_seconds = time.perf_counter() - start
        self._lock = threading.RLock()

    def _save_dequantised(self, folder: Path) -> None:
        """Keep the float32 weights transformers dequantised from a GGUF file, so the
        next process loads them directly. Written to a temporary folder and renamed, so
        an interrupted save never leaves a half-written model behind."""
        import shutil
        import tempfile

        tmp = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
            # The weights are plain float32 tensors now; the GGUF quantizer marker only
            # stops save_pretrained from writing them.
            self.model.hf_quantizer = None
            if hasattr(self.model.config, "quantization_config"):
                del self.model.config.quantization_config
            self.model.save_pretrained(tmp)
            self.tokenizer.save_pretrained(tmp)
            tmp.rename(folder)
        except (OSError, ValueError):
            # read-only or full disk, or another process saved it first: the model in
            # memory is fine; only the next load is slower
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _encode_chat(self, messages):
        if getattr(self.tokenizer, "chat_template", None):
            ids = self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True,
                                                     return_tensors="pt", return_dict=True)
            return ids["input_ids"].to(self.device), ids.get("attention_mask").to(self.device)
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"
        enc = self.tokenizer(text, return_tensors="pt")
        return enc["input_ids"].to(self.device), enc["attention_mask"].to(self.device)

    def _generate(self, input_ids, attention_mask, max_tokens, stop, temperature, seed, streamer=None):
        torch = self._torch
        torch.manual_seed(self.seed if seed is None else seed)
        kwargs: dict[str, Any] = dict(max_new_tokens=max_tokens, do_sample=temperature > 0,
                                      pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        if temperature > 0:
            kwargs.update(temperature=temperature, top_p=0.95, top_k=40)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=list(stop), tokenizer=self.tokenizer)
        with torch.inference_mode():
            return self.model.generate(input_ids=input_ids, attention_mask=attention_mask,
                                       streamer=streamer, **kwargs)

    @staticmethod
    def _cut_at_stop(text: str, stop) -> str:
        for s in stop or []:
            i = text.find(s)
            if i >= 0:
                text = text[:i]
        return text

    def chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        input_ids, mask = self._encode_chat(messages)
        return self._run(input_ids, mask, max_tokens, stop, temperature, seed)

    def complete(self, prompt, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> str:
        enc = self.tokenizer(prompt, return_tensors="pt")
        return self._run(enc["input_ids"].to(self.device), enc["attention_mask"].to(self.device),
                         max_tokens, stop, temperature, seed)

    def _run(self, input_ids, mask, max_tokens, stop, temperature, seed) -> str:
        with self._lock:
            start = time.perf_counter()
            out = self._generate(input_ids, mask, max_tokens, stop, temperature, seed)
            new = out[0, input_ids.shape[1]:]
            self.stats.calls += 1
            self.stats.completion_tokens += int(new.shape[0])
            self.stats.seconds += time.perf_counter() - start
            return self._cut_at_stop(self.tokenizer.decode(new, skip_special_tokens=True), stop)

    def stream_chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        input_ids, mask = self._encode_chat(messages)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        with self._lock:
            worker = threading.Thread(target=self._generate,
                                      args=(input_ids, mask, max_tokens, stop, temperature, seed, streamer))
            worker.start()
            emitted = ""
            for piece in streamer:
                cut = self._cut_at_stop(emitted + piece, stop)
                if len(cut) < len(emitted) + len(piece):
                    if len(cut) > len(emitted):
                        yield cut[len(emitted):]
                    break
                emitted += piece
                if piece:
                    yield piece
            worker.join()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def token_logprobs(self, text: str) -> TokenScores:
        torch = self._torch
        enc = self.tokenizer(text, return_tensors="pt", return_offsets_mapping=True, add_special_tokens=False)
        ids = enc["input_ids"][0]
        offsets = [int(a) for a, _ in enc["offset_mapping"][0].tolist()]
        # Mirror the model's own convention (as llama.cpp does from GGUF metadata):
        # prepend a BOS only if the tokenizer adds one by default.
        prefix = list(self.tokenizer("", add_special_tokens=True)["input_ids"])
        full = torch.tensor([prefix + ids.tolist()], device=self.device)
        with self._lock, torch.inference_mode():
            picked = self._next_token_logprobs(full, torch.ones_like(full))[0].cpu()
        lp = [float(x) for x in picked[max(1, len(prefix)) - 1:]]
        tokens = [self.tokenizer.decode([int(t)]) for t in ids]
        return TokenScores(tokens=tokens, offsets=offsets, logprobs=lp, first=0 if prefix else 1)

    def token_logprobs_batch(self, texts: Sequence[str]) -> list[TokenScores]:
        """Score many texts in padded batches: measured on 96 MLQE-PE sentences with
        SmolLM2 on 2 threads, 205 tok/s at batch 16 against 112 tok/s one at a time
        (and llama.cpp's 120). Texts are sorted by length so padding stays small."""
        torch = self._torch
        prefix = list(self.tokenizer("", add_special_tokens=True)["input_ids"])
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        encs = [self.tokenizer(t, return_offsets_mapping=True, add_special_tokens=False) for t in texts]
        out: list[TokenScores | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i]["input_ids"]))
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            rows = [prefix + list(encs[i]["input_ids"]) for i in idx]
            width = max(len(r) for r in rows)
            ids = torch.full((len(rows), max(width, 1)), pad, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for k, r in enumerate(rows):  # right padding: real tokens keep positions 0..n-1
                ids[k, :len(r)] = torch.tensor(r, dtype=torch.long)
                mask[k, :len(r)] = 1
            with self._lock, torch.inference_mode():
                picked = self._next_token_logprobs(ids.to(self.device), mask.to(self.device)).cpu()
            for k, i in enumerate(idx):
                n = len(rows[k])
                token_ids = encs[i]["input_ids"]
                out[i] = TokenScores(tokens=[self.tokenizer.decode([t]) for t in token_ids],
                                     offsets=[int(a) for a, _ in encs[i]["offset_mapping"]],
                                     logprobs=[float(x) for x in picked[k, :max(n - 1, 0)]],
                                     first=0 if prefix else 1)
        return out  # type: ignore[return-value]

    # Positions sent through the output layer at once: 512 x 49,152 float32 logits = 100 MB.
    HEAD_CHUNK = 512

    def _next_token_logprobs(self, ids, mask):
        """log P(token t | tokens < t) for t >= 1, shape (batch, width - 1); 0 at padding.

        The output layer (576 x 49,152 for SmolLM2) runs only on real positions, not on
        padding or each row's last token, in chunks of ``HEAD_CHUNK`` positions, and the
        log-normaliser is a logsumexp: a full float32 log-softmax held two (batch x width
        x 49,152) float32 tensors, 2 x 250 MB at batch 32 and 40 tokens. Speed is the same
        as that path's at equal batch (200 MLQE-PE ro-en dev sentences, 2 threads,
        bfloat16, six interleaved rounds, median CPU ms a sentence: 37.4 vs 38.0 at batch
        16, 34.2 vs 34.3 at 32); batch 32, the default, is what is faster than 16 (wall
        40.0 -> 44.2 sentences/s)."""
        torch = self._torch
        model = self.model
        head = model.get_output_embeddings()
        plain_head = head is not None and not any(
            getattr(model.config, k, None) for k in ("final_logit_softcapping", "logit_scale"))
        if not plain_head:  # a model that post-processes its logits: take them as it gives them
            logp = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits[:, :-1].float(), dim=-1)
            return logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        hidden = model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state[:, :-1]
        real = mask[:, 1:].bool()
        states, targets = hidden[real], ids[:, 1:][real]
        picked = torch.zeros(real.shape, dtype=torch.float32, device=ids.device)
        values = []
        for c in range(0, states.shape[0], self.HEAD_CHUNK):
            # The normaliser in the logits' own dtype: a float32 copy plus its logsumexp
            # took 0.76 of 4.6 s (200 sentences). Shifted by the row maximum first, so a
            # bfloat16 result is a small number (ulp <= 1/64 below 4) and errs by ~0.004,
            # not by the 0.06 of rounding a logsumexp near 20; float32 models stay exact.
            logits = head(states[c:c + self.HEAD_CHUNK])
            top = logits.amax(dim=-1, keepdim=True)
            tgt = targets[c:c + self.HEAD_CHUNK]
            values.append((logits.gather(-1, tgt.unsqueeze(-1)).float() - top.float()).squeeze(-1)
                          - torch.logsumexp(logits - top, dim=-1).float())
        if values:
            picked[real] = torch.cat(values)
        return picked

    def info(self) -> dict[str, Any]:
        import transformers

        return {"name": self.name, "backend": self.backend, "source": self.source,
                "transformers": transformers.__version__, "torch": self._torch.__version__,
                "device": self.device, "dtype": self.dtype}


DTYPES = ("auto", "float32", "bfloat16")


def cpu_dtype(setting: str) -> str:
    """The ``torch_dtype`` setting -> the type the weights run in on this CPU."""
    if setting not in DTYPES:
        raise ValueError(f"unknown torch_dtype {setting!r} (expected one of {', '.join(DTYPES)})")
    if setting != "auto":
        return setting
    import torch

    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    return "bfloat16" if amx else "float32"


# GGUF files up to this size are kept dequantised after the first load (SmolLM2:
# 94 MB GGUF -> 538 MB float32); larger ones (Qwen: 6.2 GB float32) are not.
DEQUANTISED_CACHE_MAX_BYTES = 300 * 2**20


def _dequantised_folder(path: Path, cache_root: Path | None) -> Path | None:
    """Where the float32 copy of a small GGUF file lives, or None. Named by the file's
    name, size and a hash of its first MiB: a changed file is dequantised again, while
    the same file installed in another environment shares the copy."""
    if cache_root is None or path.suffix != ".gguf" or not path.is_file():
        return None
    size = path.stat().st_size
    if size > DEQUANTISED_CACHE_MAX_BYTES:
        return None
    import hashlib

    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(2**20)).hexdigest()[:12]
    return Path(cache_root) / f"{path.stem}-{size}-{head}"


# --- factory ----------------------------------------------------------------------

_CACHE: dict[tuple, Generator] = {}
_CACHE_LOCK = threading.Lock()


def llamacpp_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def load_generator(config: Config, model: str | None = None, backend: str | None = None) -> Generator:
    """The generator for a model setting, loaded once per process and reused."""
    model = model or config.generator_model
    backend = backend or config.generator_backend
    if backend == "auto":
        backend = "openai" if config.generator_url else "llamacpp" if llamacpp_available() else "transformers"
    key = (backend, model, config.n_threads, config.context_size, str(config.home), config.prompt_cache,
           config.torch_dtype, config.draft_tokens, config.generator_url)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if backend == "openai":
            from .openai_server import OpenAIServerGenerator

            if not config.generator_url:
                raise ModelError(model=model, problem="the openai backend needs the server's address",
                                 fix="set generator_url (--server-url), e.g. http://localhost:8080/v1")
            gen = OpenAIServerGenerator(config.generator_url, model, seed=config.seed,
                                        concurrency=max(1, min(8, config.parallel_sequences)))
            _CACHE[key] = gen
            return gen
        nice = {"qwen": "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M", "smollm2": "SmolLM2-135M-Instruct-Q4_1"}.get(model)
        gguf = resolve_gguf(model, config)
        if backend == "llamacpp":
            if gguf is None:
                raise ModelError(model=model, problem="the llamacpp backend needs a .gguf file",
                                 fix="use --backend transformers for Hugging Face ids and folders")
            gen: Generator = LlamaCppGenerator(gguf, name=nice, n_ctx=config.context_size,
                                               n_threads=config.n_threads, seed=config.seed,
                                               prompt_cache=config.home / "llama-states" if config.prompt_cache else None,
                                               draft_tokens=config.draft_tokens,
                                               parallel_sequences=config.parallel_sequences)
        elif backend == "transformers":
            gen = TransformersGenerator(gguf or model, name=nice, n_threads=config.n_threads,
                                        allow_hub=config.allow_hub, seed=config.seed,
                                        dequantised_cache=config.home / "dequantised", dtype=config.torch_dtype)
        else:
            raise ValueError(f"unknown generator backend {backend!r} (expected llamacpp, transformers, openai or auto)")
        _CACHE[key] = gen
        return gen
