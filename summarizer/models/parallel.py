"""Many prompts generated at once in one llama.cpp context (parallel sequences).

Repair asks the generator for one short rewrite per flagged sentence: ~25 prompts on
the seeds, each ~250 tokens after the shared fixed part and ~35 tokens of output. One
at a time, decoding runs at ~10 tokens/s on 2 cores: a pass over one token costs
nearly what a pass over eight does, since it is bound by reading the weights, not by
arithmetic. Measured on Qwen2.5-1.5B Q4_K_M (2 threads, AVX-512): a pass of 1 / 8 /
16 / 24 / 32 tokens takes 123 / 324 / 386 / 541 / 625 ms, i.e. 8 / 25 / 41 / 44 / 51
tokens/s. So every prompt here gets its own sequence in one context, and each pass
decodes the next token of every unfinished sequence together.

The fixed part every prompt shares (system prompt, rules, examples) is evaluated once:
its cells are copied from the generator's main context (where the prompt cache keeps
it, see prompt_cache.py) into every sequence here. Then each prompt's own tokens are
evaluated, prompt by prompt, and decoding starts.

Each sequence has a cache of its own (``kv_unified = False``): in one shared cache every
token attends over all sequences' cells, masked, and on the seeds (24 prompts, ~6,000
cells) evaluation fell from 51 to 36 tokens/s as the cache filled and a decoding pass
of 23 tokens took 1.0 s instead of 0.54 s; 24 rewrites took 163 s, as long as one at a
time. Separate caches cost memory instead: ``n_ctx_seq`` cells (~28 KB each for
Qwen2.5-1.5B) per sequence: ~0.9 GB for 24 sequences of 1,280, the seeds' repair.

No prompt-lookup drafts here (speculative.py drafts the one-at-a-time path): with a
cache per sequence a pass that feeds a sequence more than one token costs far more
than its token count says. Measured in this context (seeds prompts held, 2 cores):
24 sequences x 1 token 271 ms, x 2 tokens 1,040 ms, x 4 tokens 1,390 ms; 12 x 1 195
ms, 12 x 2 575 ms; 1 x 1 48 ms, 1 x 4 117 ms. With 3 drafted tokens a sequence the
seeds' first round took 23 passes instead of 63 (500 of 847 drafted tokens kept) but
49.0 s instead of 41.4 s; drafting only while a pass stays within 24 tokens, 43.4 s.

Not done either: starting a refused first candidate's second candidate in its own
sequence as soon as the guard refuses it, while the other first candidates are still
decoding (continuous batching). Measured on the seeds: the same repairs and the same
149 decoding passes as two batches one after the other (the longest path runs through
one sentence's first and second candidates either way), and with more sequences in
each pass decoding took 29.3 s against 25.9 s.

Sampling is done here in numpy on each sequence's logits: greedy (temperature 0) is the
arg-max, as llama.cpp's top-k 1; otherwise top-k, top-p, min-p and temperature in
llama-cpp-python's order, from a generator seeded per prompt. A batched pass rounds
differently from a one-token pass, so where two tokens nearly tie, the output can
differ from the one-at-a-time path (as with speculative.py's drafts).
"""

from __future__ import annotations

import ctypes
import struct
import zlib
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np


@dataclass
class _Sequence:
    seq_id: int
    suffix: list[int]  # prompt tokens after the shared prefix
    max_tokens: int
    rng: np.random.Generator
    pos: int = 0  # next position in the KV cache
    out: list[int] = field(default_factory=list)
    text: str = ""
    done: bool = False


def longest_common_prefix(seqs: Sequence[Sequence[int]]) -> int:
    if not seqs:
        return 0
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs[1:]):
            return i
    return n


def sequence_rng(seed: int, prompt: Sequence[int]) -> np.random.Generator:
    """A prompt's random draws come from the prompt itself, not from its place in the
    batch: a sentence's sampled second candidate does not change when another sentence
    joins or leaves the batch (seeds: one more refusal shifted every later candidate's
    seed, and six other sentences' outcomes changed). The logits it samples from can
    still differ in the last bits with the batch on some CPUs (an AVX2-only AMD EPYC:
    SmolLM2 sampling at 0.9 picked "," for "." with another prompt beside it; an AVX-512
    CPU gave the same replies alone and together)."""
    return np.random.default_rng([seed, zlib.crc32(np.asarray(prompt, dtype=np.int32).tobytes())])


def sample(logits: np.ndarray, rng: np.random.Generator, temperature: float, top_k: int = 40,
           top_p: float = 0.95, min_p: float = 0.05) -> int:
    """One token from ``logits``: arg-max at temperature 0, else top-k -> top-p -> min-p
    -> temperature (llama-cpp-python's sampler order)."""
    if temperature <= 0:
        return int(np.argmax(logits))
    k = min(top_k, len(logits)) if top_k > 0 else len(logits)
    cand = np.argpartition(logits, -k)[-k:]
    cand = cand[np.argsort(logits[cand])[::-1]]
    z = logits[cand].astype(np.float64)
    p = np.exp(z - z[0])
    p /= p.sum()
    keep = int(np.searchsorted(np.cumsum(p), top_p)) + 1  # smallest set reaching top_p
    keep = max(1, min(keep, len(cand)))
    cand, z, p = cand[:keep], z[:keep], p[:keep]
    if min_p > 0:
        mask = p >= min_p * p[0]
        cand, z = cand[mask], z[mask]
    w = np.exp((z - z[0]) / temperature)
    return int(rng.choice(cand, p=w / w.sum()))


class ParallelDecoder:
    """A second llama.cpp context on the generator's model, for batches of prompts."""

    def __init__(self, llm, *, n_ctx_seq: int = 1536, n_seq_max: int = 32, n_batch: int = 512, n_threads: int = 2):
        import llama_cpp

        self._lc = llama_cpp
        self.llm = llm
        # the main context's settings (attention kernel, cache types, rope): a sequence's
        # saved state only loads into a context that lays out its cache the same way
        params = type(llm.context_params).from_buffer_copy(llm.context_params)
        params.n_ctx = n_ctx_seq * n_seq_max
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_seq_max = n_seq_max
        params.n_threads = n_threads
        params.n_threads_batch = n_threads
        params.kv_unified = False  # a cache per sequence (see the module's docstring)
        params.no_perf = True
        self.ctx = llama_cpp.llama_init_from_model(llm._model.model, params)
        if not self.ctx:
            raise RuntimeError(f"llama.cpp could not create a context of {n_seq_max} x {n_ctx_seq} tokens "
                               "for parallel decoding")
        self.n_ctx_seq = n_ctx_seq
        self.n_seq_max = n_seq_max
        self.n_batch = n_batch
        self.memory = llama_cpp.llama_get_memory(self.ctx)
        self.vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self.batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self.prefix: list[int] = []  # the tokens of ``_prefix_state``
        self._prefix_state = None  # their cells, as llama.cpp saves one sequence
        self.held: dict[int, list[int]] = {}  # sequence -> the prompt tokens in its cells
        self.evaluated = 0  # prompt tokens evaluated here (not restored or held)

    def close(self) -> None:
        if self.ctx:
            self._lc.llama_batch_free(self.batch)
            self._lc.llama_free(self.ctx)
            self.ctx = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def adopt(self, old: "ParallelDecoder") -> None:
        """Take over the cells an outgrown decoder holds (its shared prefix, each
        sequence's last prompt), so a follow-up prompt that needs more room still
        evaluates only its new tokens. Measured on the seeds with two context sentences
        a prompt (the second candidates' feedback pushed the cache from 1,024 to 1,280
        cells): 2,153 prompt tokens evaluated again without it, 604 with it; the round
        took 40.3 s, now 28.0 s, with the same replies."""
        if old.n_seq_max != self.n_seq_max or not old.ctx:
            return
        self.prefix, self._prefix_state = list(old.prefix), old._prefix_state
        for q, tokens in old.held.items():
            if len(tokens) < self.n_ctx_seq:
                self._load_state(old._seq_state(q), q, len(tokens))
                self.held[q] = list(tokens)

    # --- the shared prefix ------------------------------------------------------------
    def load_prefix(self, main_ctx, tokens: Sequence[int]) -> None:
        """Keep the cells of the main context's sequence 0, which must start with
        ``tokens`` (the caller has just evaluated them there), for every sequence here."""
        lc = self._lc
        size = int(lc.llama_state_seq_get_size(main_ctx, 0))
        buf = (ctypes.c_uint8 * size)()
        n = int(lc.llama_state_seq_get_data(main_ctx, buf, size, 0))
        data = bytes(memoryview(buf)[:n])
        # A sequence's saved KV state is [number of cache streams] then, per stream, [cell
        # count][cells] (llama_kv_cache::state_write; this build puts 8 bytes before it).
        # llama.cpp loads it only into a context with as many streams, and puts the cells
        # in the stream of the sequence it is loaded into. The main context has one
        # stream, this one a stream per sequence: the same cells, then empty streams.
        at = next((o for o in (0, 8) if n >= o + 8 and struct.unpack_from("<II", data, o)[0] == 1
                   and struct.unpack_from("<II", data, o)[1] >= len(tokens)), None)
        if at is None:
            raise RuntimeError("the main context's saved sequence is not in the expected layout")
        self._prefix_state = (data[:at] + struct.pack("<I", self.n_seq_max) + data[at + 4:]
                              + struct.pack("<I", 0) * (self.n_seq_max - 1))
        self.prefix = list(tokens)

    def _seq_state(self, seq_id: int) -> bytes:
        lc = self._lc
        size = int(lc.llama_state_seq_get_size(self.ctx, seq_id))
        buf = (ctypes.c_uint8 * size)()
        n = int(lc.llama_state_seq_get_data(self.ctx, buf, size, seq_id))
        return bytes(memoryview(buf)[:n])

    def _load_state(self, data: bytes, seq_id: int, keep: int) -> None:
        lc = self._lc
        lc.llama_memory_seq_rm(self.memory, seq_id, -1, -1)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if int(lc.llama_state_seq_set_data(self.ctx, buf, len(data), seq_id)) == 0:
            raise RuntimeError("could not copy a prompt's cells within the parallel context")
        lc.llama_memory_seq_rm(self.memory, seq_id, keep, -1)

    def _assign(self, prompts: list[list[int]]) -> list[int]:
        """Put prompt j in sequence j; returns how many of its tokens are already in
        the cells. Sequence numbers must be consecutive: with a cache per sequence,
        llama.cpp splits a batch into runs of consecutive sequences and evaluates each
        run on its own (``split_equal(..., sequential=true)``). A prompt that continues
        one a sequence holds (a second candidate for a sentence: the same prompt up to
        the feedback at its end) gets that sequence's cells (a copy of ~20 MB, not an
        evaluation); the others start from the shared prefix."""
        base = len(self.prefix)
        plan: list[tuple[int | None, int]] = []
        taken: set[int] = set()
        for p in prompts:
            best, best_n = None, base if base and p[:base] == self.prefix else 0
            for q, held in self.held.items():
                if q not in taken:
                    n = longest_common_prefix([held, p])
                    if n > best_n:
                        best, best_n = q, n
            if best is not None:
                taken.add(best)
            plan.append((best, min(best_n, len(p) - 1)))  # the last token is evaluated for its logits
        saved = {q: self._seq_state(q) for j, (q, _) in enumerate(plan) if q is not None and q != j}
        have = []
        for j, (q, n) in enumerate(plan):
            if q is None:
                self.held.pop(j, None)
                if n:
                    self._load_state(self._prefix_state, j, n)
                else:
                    self._lc.llama_memory_seq_rm(self.memory, j, -1, -1)
            elif q != j:
                self._load_state(saved[q], j, n)
            else:
                self._lc.llama_memory_seq_rm(self.memory, j, n, -1)
            have.append(n)
        for j in range(len(prompts)):
            self.held.pop(j, None)
        return have

    # --- one llama_decode -------------------------------------------------------------
    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> dict[int, np.ndarray]:
        """``entries``: (token, position, sequence, wants logits). Returns the logits
        of the flagged entries by sequence (copied: the next decode overwrites them)."""
        lc, b = self._lc, self.batch
        b.n_tokens = len(entries)
        for i, (tok, pos, seq, want) in enumerate(entries):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = want
        rc = lc.llama_decode(self.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode failed ({rc}): the parallel context is full or the batch is invalid")
        out = {}
        for i, (_, _, seq, want) in enumerate(entries):
            if want:
                ptr = lc.llama_get_logits_ith(self.ctx, i)
                out[seq] = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).copy()
        return out

    # --- generation -------------------------------------------------------------------
    def generate(self, prompts: list[list[int]], max_tokens: list[int], *, stop: Sequence[str] = (),
                 temperature: float = 0.0, seed: int = 0, detokenize=None, on_done=None
                 ) -> tuple[list[str], list[int]]:
        """A reply to each prompt; returns (texts, tokens generated). The caller keeps
        len(prompts) <= n_seq_max and each prompt within ``n_ctx_seq``; ``on_done(j)``
        is called as prompt j finishes."""
        lc = self._lc
        # the longest replies first: sequences end roughly from the last one backwards,
        # so those still decoding stay consecutive (see _assign)
        order = sorted(range(len(prompts)), key=lambda j: -max_tokens[j])
        have = self._assign([prompts[j] for j in order])
        seqs = [_Sequence(seq_id=i, suffix=list(prompts[j][n:]), max_tokens=max_tokens[j],
                          rng=sequence_rng(seed, prompts[j]), pos=n) for i, (j, n) in enumerate(zip(order, have))]
        index = {i: j for i, j in enumerate(order)}
        # each prompt's own tokens in decode calls of their own (logits at its last token).
        # Packed together, prompts of unequal length left small, slow micro-batches: with
        # a cache per sequence llama.cpp evaluates equal numbers of each sequence's tokens
        # together (seeds: 137 against 149 tokens/s). Alone, a prompt's cells also no
        # longer depend on which other prompts share its batch.
        logits: dict[int, np.ndarray] = {}
        for s in seqs:
            entries = [(tok, s.pos + k, s.seq_id, k == len(s.suffix) - 1) for k, tok in enumerate(s.suffix)]
            self.evaluated += len(entries)
            for start in range(0, len(entries), self.n_batch):
                logits.update(self._decode(entries[start:start + self.n_batch]))
        for s in seqs:
            s.pos += len(s.suffix)
        active = [s for s in seqs if s.max_tokens > 0]

        def finish(s: _Sequence) -> None:
            s.done = True
            if on_done:
                on_done(index[s.seq_id])

        for s in seqs:
            if s.max_tokens <= 0:
                finish(s)
        while active:
            step = []
            for s in active:
                tok = sample(logits[s.seq_id], s.rng, temperature)
                if lc.llama_vocab_is_eog(self.vocab, tok):
                    finish(s)
                    continue
                s.out.append(tok)
                s.text = detokenize(s.out)
                cut = min((s.text.find(x) for x in stop if x and x in s.text), default=-1)
                if cut >= 0:
                    s.text = s.text[:cut]
                    finish(s)
                    continue
                if len(s.out) >= s.max_tokens:
                    finish(s)
                    continue
                step.append(s)
            active = step
            if not active:
                break
            # a finished sequence below the last one still decoding gets a filler token
            # (its cells are dropped at the end): one run of consecutive sequences, one
            # evaluation, instead of a run per gap (a filler costs ~1/20 of a pass)
            last = active[-1].seq_id
            entries = [(s.out[-1] if s.out else 0, s.pos, s.seq_id, not s.done) for s in seqs[:last + 1]]
            for s in seqs[:last + 1]:
                s.pos += 1
            logits = self._decode(entries)
        # each sequence keeps its prompt's cells (not the reply's) for a follow-up prompt
        for s, j in zip(seqs, order):
            lc.llama_memory_seq_rm(self.memory, s.seq_id, len(prompts[j]), -1)
            self.held[s.seq_id] = list(prompts[j])
        texts, counts = [""] * len(prompts), [0] * len(prompts)
        for s, j in zip(seqs, order):
            texts[j], counts[j] = s.text, len(s.out)
        return texts, counts
