"""Make a llama.cpp completion a function of its prompt, not of what the context held.

llama.cpp reuses the KV cells of the longest prefix a prompt shares with the previous
one (or with a state restored from the prompt cache) and evaluates only the rest. The
numbers a token's cells get depend on how the batch that computed them was cut:
ggml's CPU matrix products take a batch's rows in groups of four from the batch start
and treat the rows left over, and very short batches, by another kernel that rounds
differently. So the same prompt evaluated from scratch, after another prompt that
shares 450 of its tokens, or after a stored state, gave last-token logits up to 0.8
apart (measured on Qwen2.5-1.5B Q4_K_M, llama-cpp-python 0.3.36, a 1,100-token
prompt), and a near-tie token then flips: the seeds' summary changed with the state
of the prompt cache.

Measured on the same prompt: the logits are bit-identical whichever the history when
every batch of the prompt starts at a position that is a multiple of four (batches of
32, 64, 100, 500 and 512 tokens give the same numbers; a run of 8-token batches does
not). ``CanonicalPromptEval`` keeps to
that: it reuses a prefix only up to a multiple of ``GROUP``, only over cells that were
computed that way (never the cells of generated tokens, which are evaluated one at a
time), and leaves at least ``MIN_BATCH`` prompt tokens for the last batch. It costs up
to ``MIN_BATCH + GROUP`` re-evaluated tokens in a call that shares almost all of its
prompt with the previous one, and nothing otherwise.
"""

from __future__ import annotations

GROUP = 4  # ggml's repacked quantised matmuls take rows in groups of four
MIN_BATCH = 64  # 32-token batches measured safe, 8 not; twice the safe figure as margin


def reusable_prefix(context_ids, computed_upto: int, prompt: list[int]) -> int:
    """How many leading cells of the context a prompt may keep: the shared prefix, cut to
    the cells computed as full prompt batches, to a multiple of ``GROUP``, and short
    enough to leave a last batch of ``MIN_BATCH`` tokens."""
    limit = min(computed_upto, len(prompt) - MIN_BATCH)
    shared = 0
    while shared < limit and context_ids[shared] == prompt[shared]:
        shared += 1
    return max(0, shared - shared % GROUP)


def prompt_batches(start: int, n_tokens: int, n_batch: int) -> list[tuple[int, int]]:
    """(begin, end) offsets into ``n_tokens`` prompt tokens evaluated from position
    ``start`` (a multiple of ``GROUP``): ``n_batch``-long batches, the last one at least
    ``MIN_BATCH`` long when there is more than one."""
    step = max(GROUP, n_batch - n_batch % GROUP)
    bounds = list(range(0, n_tokens, step)) + [n_tokens]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < MIN_BATCH <= step - MIN_BATCH:
        short = MIN_BATCH - (bounds[-1] - bounds[-2])
        bounds[-2] -= short + (-short) % GROUP
    return list(zip(bounds[:-1], bounds[1:]))


class CanonicalPromptEval:
    """Mixin for ``llama_cpp.Llama``: a prompt is evaluated in batches laid out the same
    whatever the context held before, so its logits and completion are reproducible."""

    _computed_upto = 0  # cells [0, n) hold prompt tokens evaluated under the rule above
    _prompt_pending = False

    def generate(self, tokens, *args, **kwargs):
        tokens = list(tokens)
        keep = reusable_prefix(self.input_ids, min(self.n_tokens, self._computed_upto), tokens)
        if keep < self.n_tokens:
            # llama-cpp-python's own prefix match would keep more; it sees only these
            self._ctx.kv_cache_seq_rm(-1, keep, -1)
            self.n_tokens = keep
        self._computed_upto = keep
        self._prompt_pending = True
        return (yield from super().generate(tokens, *args, **kwargs))

    def eval(self, tokens):
        if not self._prompt_pending:
            return super().eval(tokens)  # a generated token (and its draft)
        self._prompt_pending = False
        tokens = list(tokens)
        start = self.n_tokens
        for begin, end in prompt_batches(start, len(tokens), self.n_batch):
            super().eval(tokens[begin:end])
        total = start + len(tokens)
        self._computed_upto = total - total % GROUP if len(tokens) >= MIN_BATCH else start
        return None

    def reset(self):
        super().reset()
        self._computed_upto = 0
