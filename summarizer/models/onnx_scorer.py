"""The scoring LM through ONNX Runtime: token log-probabilities only, no generation.

``build`` exports the transformers model (the GGUF dequantised to float32) once, at
``summarizer models install``: one graph from token ids and attention mask straight to
each position's log P(token | tokens before it), so the 49,152-way normaliser runs inside
ONNX Runtime and no logits cross into Python. Two files are written:

- ``float32.onnx``: the model as it is;
- ``int8.onnx``: every product by a weight matrix in int8, weights quantised per output
  channel and activations per token (``quantise_per_token``). ONNX Runtime's own dynamic
  quantisation takes one activation scale per batch, which the "massive activations" of
  small LMs break (SmolLM2's largest ``down_proj`` input channel in layer 11 reaches
  2,211 x the median channel's): quantised that way, a sentence's mean log-prob fell to
  r = 0.949 against float32, 0.987 with the MLP output projections kept float32; per
  token, every product quantised, r = 0.995 (400 MLQE-PE dev sentences, five pairs).
  The LM tier (eval/qe_speed.py, 2 cores without AMX): float32 35.3, int8 57.8
  sentences/s.

At run time only ``onnxruntime``, ``tokenizers`` and numpy are imported (neither torch
nor transformers), which also shortens a cold start.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ModelError
from .generator import GenerationStats, TokenScores

PRECISIONS = ("int8", "float32")
# 5: int8.onnx stores its weights as uint8 (exact on CPUs without VNNI; see quantise_per_token)
FORMAT_VERSION = 5
# How int8.onnx quantises (its scores change with it; float32's never do)
INT8_SCHEME = "per-token"
# ONNX opset of the export; 17 is the newest the TorchScript exporter writes reliably.
OPSET = 17


def build(torch_generator, folder: Path) -> Path:
    """Export ``torch_generator`` (a TransformersGenerator) into ``folder``; returns it.

    Written to a temporary folder and renamed, so an interrupted build never leaves a
    half-written model behind."""
    import torch

    model = torch_generator.model.eval()
    if next(model.parameters()).dtype != torch.float32:  # an export from rounded weights would keep the rounding
        raise ValueError(f"export needs float32 weights, not {next(model.parameters()).dtype}")
    head = model.get_output_embeddings()

    class TokenLogprobs(torch.nn.Module):
        """(ids, mask) -> log P(ids[:, t] | ids[:, <t]) for t >= 1; 0 at padding."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            logits = head(hidden[:, :-1])
            # exported as one LogSoftmax node: ONNX Runtime runs it vectorised, 5x faster
            # than the max / subtract / ReduceLogSumExp chain a logsumexp exports to (32 x 40
            # positions: 42 against 219 ms), which took 15-25% of a batch
            logp = torch.log_softmax(logits, dim=-1).gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
            return logp * attention_mask[:, 1:].to(logp.dtype)

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
    try:
        ids = torch.randint(100, 1000, (2, 12))
        dims = {0: "batch", 1: "width"}
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(TokenLogprobs().eval(), (ids, torch.ones_like(ids)), str(tmp / "float32.onnx"),
                              input_names=["input_ids", "attention_mask"], output_names=["logprobs"],
                              dynamic_axes={"input_ids": dims, "attention_mask": dims,
                                            "logprobs": {0: "batch", 1: "width_minus_one"}},
                              opset_version=OPSET, dynamo=False)
        n_int8 = quantise_per_token(tmp / "float32.onnx", tmp / "int8.onnx")
        save_optimised(tmp, "int8")
        torch_generator.tokenizer.save_pretrained(tmp)
        (tmp / "meta.json").write_text(json.dumps({
            "format": FORMAT_VERSION, "name": torch_generator.name, "source": str(torch_generator.source),
            "opset": OPSET, "torch": torch.__version__, "int8_matmuls": n_int8, "int8_scheme": INT8_SCHEME,
            "prefix_ids": list(torch_generator.tokenizer("", add_special_tokens=True)["input_ids"]),
        }, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def quantise_per_token(src: Path, dst: Path) -> int:
    """Write ``src`` with every MatMul by a constant weight in int8: weights symmetric per
    output channel (scale = max |w| / 127), activations symmetric per token (each row's
    max |x| / 127, computed in the graph), the product exact in int32 (MatMulInteger)
    and rescaled to float32. ONNX Runtime fuses the cast and rescale into its
    MatMulIntegerToFloat kernel. Returns the number of products quantised.

    Both operands are stored as uint8 with a zero point of 128 (values -127..127 shifted
    by 128). Signed weights beside unsigned activations (u8s8) would be the same product,
    but ONNX Runtime computes u8s8 on x86 CPUs without VNNI (AVX2 only) with an
    instruction that adds pairs of products in saturating int16: most rows overflow it
    (an AMD EPYC with AVX2: a sentence's mean log-prob moved from float32's by 0.157 on
    average, r = 0.992, MLQE-PE ro-en dev, 100 sentences; u8u8 there: 0.084, r = 0.997,
    at 17.5 against 19.4 sentences/s). u8u8 is exact on every CPU, and gives the int32
    products a VNNI CPU gives for u8s8, which the detection combiners were fitted on."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    shared = {"q/127": np.array(127.0, np.float32), "q/tiny": np.array(1e-8, np.float32),
              "q/128": np.array(128.0, np.float32), "q/zero_point": np.array(128, np.uint8)}
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in shared.items())
    nodes, replaced, n_products = [], set(), 0
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in weights:
            nodes.append(node)  # attention's products of two activations stay float32
            continue
        x, w_name = node.input
        p = node.name
        w = numpy_helper.to_array(weights[w_name]).astype(np.float32)
        w_scale = (np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0).astype(np.float32)
        w_uint8 = (np.clip(np.round(w / w_scale), -127, 127) + 128).astype(np.uint8)
        graph.initializer.extend([numpy_helper.from_array(w_uint8, p + "/w_uint8"),
                                  numpy_helper.from_array(w_scale, p + "/w_scale")])
        replaced.add(w_name)
        n_products += 1
        nodes += [
            helper.make_node("Abs", [x], [p + "/abs"], name=p + "/Abs"),
            helper.make_node("ReduceMax", [p + "/abs"], [p + "/row_max"], axes=[-1], keepdims=1, name=p + "/RowMax"),
            helper.make_node("Max", [p + "/row_max", "q/tiny"], [p + "/row_max_pos"], name=p + "/NonZero"),
            helper.make_node("Div", [p + "/row_max_pos", "q/127"], [p + "/x_scale"], name=p + "/Scale"),
            helper.make_node("Div", [x, p + "/x_scale"], [p + "/x_scaled"], name=p + "/Divide"),
            helper.make_node("Round", [p + "/x_scaled"], [p + "/x_round"], name=p + "/Round"),
            helper.make_node("Add", [p + "/x_round", "q/128"], [p + "/x_shift"], name=p + "/Shift"),
            helper.make_node("Cast", [p + "/x_shift"], [p + "/x_uint8"], to=TensorProto.UINT8, name=p + "/ToUint8"),
            helper.make_node("MatMulInteger", [p + "/x_uint8", p + "/w_uint8", "q/zero_point", "q/zero_point"],
                             [p + "/y_int32"],
                             name=p + "/MatMulInteger"),
            helper.make_node("Cast", [p + "/y_int32"], [p + "/y_float"], to=TensorProto.FLOAT, name=p + "/ToFloat"),
            helper.make_node("Mul", [p + "/x_scale", p + "/w_scale"], [p + "/y_scale"], name=p + "/OutScale"),
            helper.make_node("Mul", [p + "/y_float", p + "/y_scale"], list(node.output), name=p + "/Rescale"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.save(model, str(dst))
    return n_products


def optimised_path(folder: Path, precision: str, ort_version: str) -> Path:
    """Where ONNX Runtime's rewrite of ``<precision>.onnx`` (fused kernels) is kept, named
    by the version of ONNX Runtime that made it."""
    return Path(folder) / f"{precision}.ort-{ort_version}.onnx"


def save_optimised(folder: Path, precision: str) -> Path:
    """Save ONNX Runtime's graph rewrite of ``<precision>.onnx`` once, so a start loads it
    instead of rewriting: the int8 graph (12 nodes a quantised product) loads in 0.9-1.1 s
    that way, against 2.6 s when rewritten at every start. The "extended" level, not
    "all": it leaves out layout rewrites specific to one CPU, so the file stays valid on
    another."""
    import onnxruntime as ort

    target = optimised_path(folder, precision, ort.__version__)
    tmp = target.with_name(target.name + ".tmp")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(tmp)
    ort.InferenceSession(str(Path(folder) / f"{precision}.onnx"), options, providers=["CPUExecutionProvider"])
    tmp.replace(target)
    return target


# Padded tokens per ONNX Runtime call. Every position's log-softmax over the 49,152-token
# vocabulary is materialised: 32 seed sentences of ~60 tokens make 377 MB of float32
# logits, far past the caches. Capped at 256 tokens (50 MB), an AVX2 EPYC scored the
# seeds' 114 sentences at 13.0 against 10.0 sentences/s (32 rows whatever their length)
# and MLQE-PE ro-en dev's shorter ones at 21.9 against 21.2 (medians of 5 interleaved
# runs; 128: 12.7 / 22.0, 512: 12.1 / 20.8), with the same scores.
BATCH_TOKENS = 256


class OnnxScorer:
    """Token log-probabilities of an exported LM (see ``build``) with ONNX Runtime."""

    backend = "onnx"

    def __init__(self, folder: Path, *, precision: str = "float32", n_threads: int = 2, batch_size: int = 32,
                 batch_tokens: int = BATCH_TOKENS):
        if precision not in PRECISIONS:
            raise ValueError(f"unknown scorer precision {precision!r} (expected one of {', '.join(PRECISIONS)})")
        folder = Path(folder)
        meta_file = folder / "meta.json"
        if not (meta_file.is_file() and (folder / f"{precision}.onnx").is_file()):
            raise ModelError(model=f"onnx scorer ({folder.name})", problem=f"no {precision} export in {folder}",
                             fix="run `summarizer models install`")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(model=f"onnx scorer ({folder.name})", problem=f"{exc.name} is not installed",
                             fix="pip install onnxruntime tokenizers") from exc
        start = time.perf_counter()
        self.meta = json.loads(meta_file.read_text())
        self.name = self.meta.get("name") or folder.name
        self.precision = precision
        self.source = str(folder / f"{precision}.onnx")
        self.batch_size = max(1, batch_size)
        self.batch_tokens = max(1, batch_tokens)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._pad = self.tokenizer.token_to_id("<|endoftext|>") or 0
        self._prefix = [int(i) for i in self.meta.get("prefix_ids", [])]
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, n_threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        optimised = optimised_path(folder, precision, ort.__version__)
        self.optimised = optimised.is_file()
        try:
            self.session = ort.InferenceSession(str(optimised) if self.optimised else self.source, options,
                                                providers=["CPUExecutionProvider"])
        except Exception:  # a damaged saved rewrite: the export itself, rewritten on loading
            if not self.optimised:
                raise
            self.optimised = False
            self.session = ort.InferenceSession(self.source, options, providers=["CPUExecutionProvider"])
        self.stats = GenerationStats()
        self.load_seconds = time.perf_counter() - start
        self._lock = threading.Lock()
        self._ort_version = ort.__version__

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def token_logprobs(self, text: str) -> TokenScores:
        return self.token_logprobs_batch([text])[0]

    def _batches(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """``order`` (sorted by length) cut into batches of at most ``batch_size`` rows
        and ``batch_tokens`` padded tokens."""
        out: list[list[int]] = []
        for i, n in zip(order, lengths):
            if out and len(out[-1]) < self.batch_size and (len(out[-1]) + 1) * n <= self.batch_tokens:
                out[-1].append(i)  # sorted: this row is the batch's longest
            else:
                out.append([i])
        return out

    def token_logprobs_batch(self, texts: Sequence[str]) -> list[TokenScores]:
        """Same contract and batching as TransformersGenerator.token_logprobs_batch:
        texts sorted by length, right-padded batches, the first token unscored unless
        the model's tokenizer adds a prefix (SmolLM2's does not)."""
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        out: list[TokenScores | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        for idx in self._batches(order, [len(self._prefix) + len(encs[i].ids) for i in order]):
            rows = [self._prefix + list(encs[i].ids) for i in idx]
            width = max(2, max(len(r) for r in rows))
            ids = np.full((len(rows), width), self._pad, dtype=np.int64)
            mask = np.zeros_like(ids)
            for k, r in enumerate(rows):
                ids[k, :len(r)] = r
                mask[k, :len(r)] = 1
            with self._lock:
                picked = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            for k, i in enumerate(idx):
                n = len(rows[k])
                enc = encs[i]
                out[i] = TokenScores(tokens=[self.tokenizer.decode([t], skip_special_tokens=False) for t in enc.ids],
                                     offsets=[int(a) for a, _ in enc.offsets],
                                     logprobs=[float(x) for x in picked[k, :max(n - 1, 0)]],
                                     first=0 if self._prefix else 1)
        return out  # type: ignore[return-value]

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "backend": self.backend, "source": self.source, "precision": self.precision,
                "onnxruntime": self._ort_version, "format": self.meta.get("format"), "optimised_copy": self.optimised,
                "exported_with_torch": self.meta.get("torch")}


def export_folder(config, model: str | None = None) -> Path:
    """Where the export of the scorer ``model`` (default: the ``scorer_model`` setting)
    lives: under ``home``, named like the dequantised copy of its GGUF file (name, size,
    hash of its first MiB), so a changed model file is exported again."""
    import re

    from .generator import _dequantised_folder
    from .registry import resolve_gguf

    model = model or config.scorer_model
    gguf = resolve_gguf(model, config)
    named = _dequantised_folder(gguf, config.home / "dequantised") if gguf is not None else None
    key = named.name if named is not None else re.sub(r"[^\w.-]+", "_", str(model)).strip("_")
    return config.home / "onnx" / key


def ensure_export(config) -> Path:
    """The scorer's export, built first if it is missing or of an older format (about
    a minute for SmolLM2 on 2 cores)."""
    from .generator import load_generator

    folder = export_folder(config)
    meta = folder / "meta.json"
    if meta.is_file() and json.loads(meta.read_text()).get("format") == FORMAT_VERSION \
            and all((folder / f"{p}.onnx").is_file() for p in PRECISIONS):
        return folder
    # float32 weights: an export from bfloat16 ones would carry their rounding
    torch_model = load_generator(config.replace(torch_dtype="float32"), model=config.scorer_model,
                                 backend="transformers")
    return build(torch_model, folder)


def load_scorer(config) -> OnnxScorer:
    return OnnxScorer(export_folder(config), precision=config.scorer_precision, n_threads=config.n_threads)
