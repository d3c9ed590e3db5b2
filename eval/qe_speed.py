"""Sentences per second of the assess tiers on MLQE-PE dev MT (target-only), 2 threads.

    PYTHONPATH=. python eval/qe_speed.py [n] [repeats]

Each tier runs `repeats` times (default 3) and prints every rate and the median: on a
shared 2-core VM one run of a few seconds moves by +-15% with the neighbours' load.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qe_cache  # noqa: E402

from summarizer.assess import Assessor  # noqa: E402
from summarizer.config import Config  # noqa: E402
from summarizer.context import Context  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
rows = qe_cache.load_split("ro-en", "dev")[:n]
mt = [r["mt"] for r in rows]
ctx = Context.create(Config.load(threads=2))
ctx.models.scorer.token_logprobs("warm up")
scorer = ctx.models.used["scorer"]
print(f"scorer: {scorer['name']} on {scorer['backend']}" + (f" ({scorer['precision']})" if "precision" in scorer else "")
      + (f", fallback: {scorer['fallback']}" if "fallback" in scorer else ""))
ctx.models.langid.detect("warm up the detector")
for use_lm in (False, True):
    a = Assessor(ctx, use_lm=use_lm)
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        a.score_segments(mt)
        rates.append(len(mt) / (time.perf_counter() - t))
    runs = ", ".join(f"{r:.1f}" for r in rates)
    print(f"{'LM tier' if use_lm else 'cheap tier'}: {statistics.median(rates):.1f} sentences/s median "
          f"of {repeats} runs over {len(mt)} sentences ({runs})")
