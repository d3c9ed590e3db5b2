"""Prompt-lookup speculative decoding for llama.cpp (no second model).

A repair is a minimal post-edit and a summary sentence is mostly told in its sources'
words, so most output tokens are copies of tokens in the prompt. After each generated
token the draft below looks up the last few tokens in the prompt (and the output so
far) and proposes the tokens that followed them there; llama.cpp then evaluates the
token and the draft in one batch, and llama-cpp-python's own ``generate`` samples
every position in turn, keeping draft tokens while they equal what the model samples.
The sampler, its penalties and its random draws run per token exactly as without a
draft; only the number of model passes falls. A batched pass rounds differently from a
one-token pass, though, and a near-tie can then resolve the other way. Measured: of
the seeds' 27 repairs one applied rewrite changed ("U.S." -> "US"); of NeuS val's first
40 summaries 13 changed (ROUGE-1/2/L 43.03/18.50/28.29 without drafts, 42.36/17.60/27.32
with; per story 4 up, 7 down, 2 equal, two stories making -17 of the -27 points),
at 11.4 s a story instead of 17.2 s.
On 2 cores Qwen2.5-1.5B decodes ~10 tokens/s and a pass of 4 tokens costs 1.8 passes
of one (168 vs 93 ms), so a draft pays when more than one of its tokens is kept on
average.

llama-cpp-python forces ``logits_all`` whenever a draft model is given: a 4096 x
151,936 float buffer (2.5 GB) and logits for every prompt token. ``DraftVerifyingEval``
asks for all logits only in the short verification batches instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DraftStats:
    drafts: int = 0  # drafts proposed (non-empty)
    proposed: int = 0  # draft tokens proposed
    passes: int = 0  # model passes while generating (one token, or one token and its draft)

    def as_dict(self) -> dict:
        return {"drafts": self.drafts, "proposed": self.proposed, "passes": self.passes}


class PromptLookupDraft:
    """Draft tokens by n-gram lookup: the most recent earlier occurrence of the last
    ``max_ngram`` (down to ``min_ngram``) tokens, and the tokens after it.

    The most recent occurrence, not the first one as in llama-cpp-python's
    ``LlamaPromptLookupDecoding``: the fixed prompt part (rules, invented examples) comes
    first, and the text being edited comes last, right before the answer.
    """

    def __init__(self, num_pred_tokens: int = 6, max_ngram: int = 3, min_ngram: int = 1, window: int = 2048):
        self.num_pred_tokens = num_pred_tokens
        self.max_ngram = max_ngram
        self.min_ngram = min_ngram
        self.window = window
        self.stats = DraftStats()

    def __call__(self, input_ids: np.ndarray, /, **_: object) -> np.ndarray:
        ids = np.asarray(input_ids[-self.window:], dtype=np.intc)
        draft = self.lookup(ids)
        if len(draft):
            self.stats.drafts += 1
            self.stats.proposed += len(draft)
        return draft

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        n = len(ids)
        for size in range(min(self.max_ngram, n - 1), self.min_ngram - 1, -1):
            tail = ids[-size:]
            # windows over ids[:-1] start at 0 .. n-1-size: the tail itself is not a match
            windows = np.lib.stride_tricks.sliding_window_view(ids[:-1], size)
            hits = np.nonzero((windows == tail).all(axis=1))[0]
            if len(hits):
                start = int(hits[-1]) + size
                return ids[start:start + self.num_pred_tokens].copy()
        return np.array([], dtype=np.intc)


class DraftVerifyingEval:
    """Mixin for ``llama_cpp.Llama``: a batch short enough to be a draft verification
    gets logits at every position (``generate`` samples each one); a prompt keeps
    logits for its last token only."""

    def eval(self, tokens):  # noqa: D401 - same contract as Llama.eval
        draft = getattr(self, "draft_model", None)
        if draft is None or self._logits_all or len(tokens) > draft.num_pred_tokens + 1:
            return super().eval(tokens)
        n_past = self.n_tokens
        self._ctx.kv_cache_seq_rm(-1, n_past, -1)
        self._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
        self._ctx.decode(self._batch)
        self.input_ids[n_past:n_past + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self._requires_eval = False
        if isinstance(draft, PromptLookupDraft):
            draft.stats.passes += 1
