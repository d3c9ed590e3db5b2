"""Sentences per second of the assess tiers on MLQE-PE dev MT (target-only), 2 threads.

    PYTHONPATH=. python eval/qe_speed.py [n]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qe_cache  # noqa: E402

from summarizer.assess import Assessor  # noqa: E402
from summarizer.config import Config  # noqa: E402
from summarizer.context import Context  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
rows = qe_cache.load_split("ro-en", "dev")[:n]
mt = [r["mt"] for r in rows]
ctx = Context.create(Config.load(threads=2))
ctx.models.scorer.token_logprobs("warm up")
ctx.models.langid.detect("warm up the detector")
for use_lm in (False, True):
    a = Assessor(ctx, use_lm=use_lm)
    t = time.perf_counter()
    a.score_segments(mt)
    dt = time.perf_counter() - t
    print(f"{'LM tier' if use_lm else 'cheap tier'}: {len(mt) / dt:.1f} sentences/s ({len(mt)} in {dt:.1f} s)")
