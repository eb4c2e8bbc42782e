"""ONNX copies of the loaded models, exported here by ``torch.onnx.export`` and run by onnxruntime.

sentence-transformers' own ONNX backend needs ``optimum``, whose pins conflict with gradio, so the
export is done by hand: the already verified torch model is wrapped so that its forward takes
``input_ids``, ``attention_mask`` and ``token_type_ids`` and returns what the caller needs
(mean-pooled, L2-normalised embeddings for the embedder; logits for the cross-encoder). Nothing
is downloaded. Exports live in ``<models_dir>/onnx/<model>-<kind>-<weights sha256[:12]>/`` with
``export.json`` recording the source weights' sha256 and the ONNX file's own sha256, which is
checked before every load; a mismatch re-exports.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..core.checksums import sha256_file
from ..core.errors import ModelUnavailableError

ONNX_FILE = "model.onnx"
EXPORT_META = "export.json"
TOKENIZER_FILE = "tokenizer.json"  # the model's fast tokenizer, saved beside the export
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# 2: the embedder also returns its token states (tokens), pooled into sentence vectors at ingest.
EXPORT_FORMAT = 2

_export_lock = threading.Lock()


def export_dir(models_dir: Path, model_id: str, kind: str, weights_sha256: str | None) -> Path:
    tag = (weights_sha256 or "unverified")[:12]
    return models_dir / "onnx" / f"{model_id.replace('/', '__')}-{kind}-{tag}"


def _wrapped(torch_model: Any, kind: str) -> Any:
    """A module taking the three BERT inputs and returning embeddings or logits."""
    import torch

    class MeanPooledNormalised(torch.nn.Module):
        def __init__(self, encoder: Any):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1), hidden

    class Logits(torch.nn.Module):
        def __init__(self, classifier: Any):
            super().__init__()
            self.classifier = classifier

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.classifier(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    module = MeanPooledNormalised(torch_model) if kind == "embedder" else Logits(torch_model)
    return module.eval()


def _export(torch_model: Any, tokenizer: Any, kind: str, target: Path) -> None:
    import torch

    sample = tokenizer(
        ["an example", "a second, longer example"], padding=True, return_tensors="pt"
    )
    args = tuple(sample[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    axes["output"] = {0: "batch"}
    outputs = ["output", "tokens"] if kind == "embedder" else ["output"]
    if kind == "embedder":
        axes["tokens"] = {0: "batch", 1: "tokens"}
    # The tracer warns about shape-dependent Python branches in transformers; for these BERT
    # encoders they are constant (no causal mask, no cache), as the equivalence test checks.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _wrapped(torch_model, kind),
            args,
            str(target),
            input_names=list(INPUTS),
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def current_export(folder: Path, weights_sha256: str | None) -> dict[str, Any] | None:
    """The export's record when ``folder`` holds a current, intact export of these weights (and
    its tokenizer), else None. Needs neither torch nor transformers."""
    onnx_path, meta_path = folder / ONNX_FILE, folder / EXPORT_META
    if not (onnx_path.is_file() and meta_path.is_file() and (folder / TOKENIZER_FILE).is_file()):
        return None
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if (
        meta.get("source_sha256") == weights_sha256
        and meta.get("format") == EXPORT_FORMAT
        and meta.get("onnx_sha256") == sha256_file(onnx_path)
    ):
        return meta
    return None


def cpu_flags() -> set[str]:
    """The CPU's instruction-set flags (Linux; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_vnni() -> bool:
    """True on CPUs with int8 dot-product instructions (AVX-512 VNNI or AVX-VNNI)."""
    return bool({"avx512_vnni", "avx_vnni"} & cpu_flags())


def int8_recipe(vnni: bool) -> dict[str, Any]:
    """Dynamic quantisation of the weight MatMuls, per channel: signed int8 weights where VNNI
    multiplies them; without it u8s8 products can saturate int16 intermediates, so the weights
    keep 7 bits (``reduce_range``)."""
    return {
        "weights": "QInt8" if vnni else "QUInt8",
        "per_channel": True,
        "reduce_range": not vnni,
        "op_types": ["MatMul"],
    }


def quantise(source: Path, target: Path, vnni: bool) -> dict[str, Any]:
    """Write the int8 copy of ``source`` for this CPU; returns the recipe used."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    recipe = int8_recipe(vnni)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    quantize_dynamic(
        source,
        tmp,
        weight_type=QuantType.QInt8 if vnni else QuantType.QUInt8,
        per_channel=recipe["per_channel"],
        reduce_range=recipe["reduce_range"],
        op_types_to_quantize=recipe["op_types"],
    )
    os.replace(tmp, target)
    return recipe


def ensure_int8(folder: Path) -> str:
    """The file name of the export's int8 copy for this CPU, made (and recorded in the export's
    record with its sha256) on first use; a copy whose checksum no longer matches is remade."""
    vnni = cpu_has_vnni()
    name = f"model-int8-{'vnni' if vnni else 'u8-7bit'}.onnx"
    meta_path = folder / EXPORT_META
    with _export_lock:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        known = meta.get("int8", {}).get(name, {})
        if (folder / name).is_file() and known.get("sha256") == sha256_file(folder / name):
            return name
        recipe = quantise(folder / ONNX_FILE, folder / name, vnni)
        meta.setdefault("int8", {})[name] = {"sha256": sha256_file(folder / name), **recipe}
        meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return name


def ensure_export(
    torch_model: Any,
    tokenizer: Any,
    kind: str,
    folder: Path,
    weights_sha256: str | None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Return the checked ONNX file in ``folder``, exporting it first when absent or stale.
    ``extra`` goes into the export's record (what loading it without torch needs to know)."""

    onnx_path = folder / ONNX_FILE
    meta_path = folder / EXPORT_META
    with _export_lock:
        if current_export(folder, weights_sha256) is not None:
            return onnx_path
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{ONNX_FILE}.{os.getpid()}.tmp"
            _export(torch_model, tokenizer, kind, tmp)
            meta = {
                "kind": kind,
                "source_sha256": weights_sha256,
                "onnx_sha256": sha256_file(tmp),
                "opset": OPSET,
                "format": EXPORT_FORMAT,
            }
            meta.update(extra or {})
            tokenizer.backend_tokenizer.save(str(folder / TOKENIZER_FILE))
            os.replace(tmp, onnx_path)
            meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        except OSError as exc:
            raise ModelUnavailableError(
                f"cannot write the ONNX export to {folder} ({exc.strerror}): make models_dir "
                "writable or use the torch backend"
            ) from None
    return onnx_path


class OnnxRunner:
    """An onnxruntime session over an exported model; ``run`` takes tokenizer output.

    ``spinning`` keeps idle threads busy-waiting between parallel sections. That is faster for a
    batch (ingest: the threads are needed again at once) but, on a query, a pool left spinning
    steals the cores the next stage needs: the query embedder, faiss and the cross-encoder run
    one after another on the same cores. With spinning, `make bench` timed the pipeline's dense
    stage at several times the same faiss search run on its own (`latency_ms.dense` against
    `dense_search.flat_ms` in bench.json). Query-path sessions therefore do not spin.
    """

    def __init__(self, path: Path, threads: int, spinning: bool = False):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Batch and sequence sizes vary per call: memory patterns planned for one shape only
        # grow the arena, so plan per run instead.
        options.enable_mem_pattern = False
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", "1" if spinning else "0"
        )
        self.path = path
        self.threads = max(1, threads)
        self.spinning = spinning
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(self, encoded: Any) -> np.ndarray:
        """The first output (pooled embeddings or logits)."""
        return self.run_all(encoded, ["output"])[0]

    def run_all(self, encoded: Any, names: list[str] | None = None) -> list[np.ndarray]:
        """The named outputs (all of them by default)."""
        feeds = {name: np.asarray(encoded[name], dtype=np.int64) for name in INPUTS}
        return [np.asarray(x, dtype=np.float32) for x in self.session.run(names, feeds)]


class OnnxTextEncoder:
    """Mean-pooled embeddings from an export, with only ``tokenizers`` and onnxruntime: the
    query path loads no torch, transformers or sentence-transformers.

    Two sessions over one file: queries (one text) run on threads that sleep when idle; batches
    (ingest) on threads that spin, created on first use (see ``OnnxRunner``)."""

    def __init__(self, folder: Path, max_length: int, threads: int, file: str = ONNX_FILE):
        from tokenizers import Tokenizer

        self.path = folder / file
        self.threads = max(1, threads)
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()  # padded to the batch's longest text here, not to a fixed size
        self.tokenizer.enable_truncation(max_length)
        self.query = OnnxRunner(self.path, self.threads, spinning=False)
        self._batch: OnnxRunner | None = None
        self.dim = int(self.query.session.get_outputs()[0].shape[1])

    def _batch_runner(self) -> OnnxRunner:
        if self._batch is None:
            self._batch = OnnxRunner(self.path, self.threads, spinning=True)
        return self._batch

    def feeds(self, texts: list[str]) -> tuple[dict[str, np.ndarray], list[list[tuple[int, int]]]]:
        """Model inputs padded to the longest text, and each text's token character offsets."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        arrays = {name: np.zeros((len(texts), width), dtype=np.int64) for name in INPUTS}
        for row, e in enumerate(encodings):
            n = len(e.ids)
            arrays["input_ids"][row, :n] = e.ids
            arrays["attention_mask"][row, :n] = e.attention_mask
            arrays["token_type_ids"][row, :n] = e.type_ids
        return arrays, [list(e.offsets) for e in encodings]

    def encode(
        self, texts: list[str], batch_size: int, with_states: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray], list[list[tuple[int, int]]]]:
        """(pooled vectors, per-text token states, per-text offsets); states only on request."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        states: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        offsets: list[list[tuple[int, int]]] = [[] for _ in texts]
        # Longest first, so each batch pads to similar lengths (as sentence-transformers does).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        runner = self.query if len(texts) == 1 else self._batch_runner()
        names = ["output", "tokens"] if with_states else ["output"]
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            feeds, spans = self.feeds([texts[i] for i in rows])
            results = runner.run_all(feeds, names)
            for k, i in enumerate(rows):
                out[i] = results[0][k]
                offsets[i] = spans[k]
                if with_states:
                    states[i] = results[1][k, : len(spans[k])]
        return out, states, offsets


def load_runner(
    torch_model: Any,
    tokenizer: Any,
    kind: str,
    models_dir: Path,
    model_id: str,
    weights_sha256: str | None,
    spinning: bool = False,
) -> OnnxRunner:
    """Export (once) and open the ONNX copy of ``torch_model``."""
    import torch

    folder = export_dir(models_dir, model_id, kind, weights_sha256)
    path = ensure_export(torch_model, tokenizer, kind, folder, weights_sha256)
    return OnnxRunner(path, torch.get_num_threads(), spinning)
