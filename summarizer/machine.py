"""The machine a run's seconds were measured on.

Speed depends on the CPU far more than on anything else here: the seeds' repair took
119 s on an AVX-512 machine and 288 s on an AVX2-only AMD EPYC, both 2 cores, with the
same rewrites. So every report and evaluation signature records the CPU model, the
cores this process may use and the instruction sets the kernels choose between
(llama.cpp's and ONNX Runtime's int8 products take other paths with VNNI or AMX).
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path
from typing import Any

# instruction-set flags of /proc/cpuinfo that change which kernels run
SPEED_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "asimd")


def parse_cpuinfo(text: str) -> tuple[str, list[str]]:
    """(CPU model, the SPEED_FLAGS it lists) from /proc/cpuinfo's text (x86 "model name"
    and "flags", Arm "Features")."""
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "cpu model", "hardware") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return model, [f for f in SPEED_FLAGS if f in flags]


@lru_cache(maxsize=1)
def machine_info() -> dict[str, Any]:
    """{"cpu", "arch", "cores", "isa"}; "cores" is what this process may run on."""
    try:
        model, isa = parse_cpuinfo(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:  # not Linux
        model, isa = "", []
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return {"cpu": model or platform.processor() or "unknown", "arch": platform.machine(), "cores": cores,
            "isa": isa}


def describe(info: dict[str, Any] | None = None) -> str:
    """One line: 'AMD EPYC (x86_64), 2 cores, avx2 fma f16c'."""
    info = info or machine_info()
    isa = " ".join(info.get("isa") or []) or "no listed vector extensions"
    return f"{info.get('cpu')} ({info.get('arch')}), {info.get('cores')} cores, {isa}"
