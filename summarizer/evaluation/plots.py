"""Plots saved next to the result JSON (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def qe_scatter(quality: Sequence[float], z_mean: Sequence[float], out: str | Path, title: str,
               r: float | None = None) -> Path | None:
    pairs = [(q, z) for q, z in zip(quality, z_mean) if q is not None and z is not None]
    if not pairs:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
    ax.scatter([p[0] for p in pairs], [p[1] for p in pairs], s=10, alpha=0.6)
    ax.set_xlabel("project quality (1 - badness)")
    ax.set_ylabel("human DA z_mean")
    ax.set_title(title + (f"  (Pearson {r:.3f})" if r is not None else ""), fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out)
    plt.close(fig)
    return out


def metric_bars(systems: dict[str, dict[str, float | None]], metrics: Sequence[str], out: str | Path,
                title: str, ylabel: str = "score") -> Path | None:
    """Grouped bars: one group per metric, one bar per system (system first, then baselines)."""
    if not systems:
        return None
    import numpy as np

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    names = list(systems)
    width = 0.8 / len(names)
    x = np.arange(len(metrics))
    for k, name in enumerate(names):
        vals = [systems[name].get(m) or 0.0 for m in metrics]
        bars = ax.bar(x + k * width - 0.4 + width / 2, vals, width, label=name)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(x, list(metrics))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out)
    plt.close(fig)
    return out
