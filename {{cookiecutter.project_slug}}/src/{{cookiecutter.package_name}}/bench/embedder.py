"""What the embedder costs on this machine: the float32 compute ceiling for ingest (attention
included), the CPU's int8-relevant instruction sets, and the torch and ONNX backends side by side.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..eval.golden import GoldenItem
from ..models.encoders import Embedder
from ..reports.stats import percentiles
from ..retrieval.stores.local import LocalStore

MATMUL_N = 1024
MATMUL_REPEATS = 10
BACKEND_PASSAGES = 192


def matmul_gflops(n: int = MATMUL_N, repeats: int = MATMUL_REPEATS) -> float:
    """This machine's float32 matrix-multiply rate with torch's threads (best of ``repeats``)."""
    import torch

    a = torch.randn(n, n)
    a @ a
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return round(2 * n**3 / best / 1e9, 1)


def compute_ceiling(embedder: Embedder, mean_tokens: float) -> dict[str, float]:
    """Chunks/s the embedder could reach if every multiply ran at the measured matmul rate.

    FLOPs per chunk at the corpus's real mean chunk length: 2 x the encoder's non-embedding
    weights x tokens (the dense layers) plus, per layer, 4 x tokens^2 x hidden size (attention
    scores and their weighted sum). An upper bound: no backend or batching embeds faster here.
    """
    model: Any = embedder.model[0].auto_model
    weights = sum(int(p.numel()) for p in model.parameters())
    embeddings = sum(int(p.numel()) for p in model.embeddings.parameters())
    config = model.config
    tokens = mean_tokens + 2  # [CLS] and [SEP]
    dense = 2 * (weights - embeddings) * tokens
    attention = 4 * tokens**2 * config.hidden_size * config.num_hidden_layers
    gflop = (dense + attention) / 1e9
    gflops = matmul_gflops()
    return {
        "matmul_gflops": gflops,
        "mean_chunk_tokens": round(mean_tokens, 1),
        "gflop_per_chunk": round(gflop, 3),
        "attention_share": round(attention / (dense + attention), 3),
        "chunks_per_s_at_peak": round(gflops / gflop, 1) if gflop else 0.0,
    }


def cpu_features() -> dict[str, Any]:
    """The instruction sets int8 speed depends on (VNNI multiplies int8 at about 4x fp32)."""
    from ..models.onnx_backend import cpu_flags, cpu_has_vnni

    flags = cpu_flags()
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return {"flags": [f for f in wanted if f in flags], "vnni": cpu_has_vnni()}


def embedder_backends(
    embedder: Embedder, store: LocalStore, items: list[GoldenItem], settings: Any, light: bool
) -> dict[str, Any]:
    """Passages/s and single-query ms for the torch and onnx backends on the same texts."""
    texts = [c.indexed_text for c in store.chunks[: 32 if light else BACKEND_PASSAGES]]
    questions = [i.question for i in items[:30]]
    others = {embedder.backend: embedder}
    for backend in ("torch", "onnx"):
        if backend not in others:
            others[backend] = Embedder(
                embedder.location,
                batch_size=settings.embed_batch_size,
                backend=backend,
                models_dir=settings.models_dir,
            )
    out: dict[str, Any] = {"passages": len(texts)}
    vectors = {}
    for backend, model in others.items():
        model.encode(texts[:8])
        start = time.perf_counter()
        vectors[backend] = model.encode(texts)
        rate = len(texts) / (time.perf_counter() - start)
        times = []
        for q in questions:
            start = time.perf_counter()
            model.encode([q])
            times.append((time.perf_counter() - start) * 1000)
        out[backend] = {"passages_per_s": round(rate, 1), "query_ms": percentiles(times, digits=3)}
    cos = np.sum(vectors["torch"] * vectors["onnx"], axis=1)
    out["min_cosine_torch_vs_onnx"] = round(float(cos.min()), 6)
    return out


# int8 is accepted only when it keeps the fp32 model's meaning and ranking (issue 17's bar).
INT8_MIN_MEAN_COSINE = 0.98
INT8_MIN_P5_COSINE = 0.95
INT8_MAX_NDCG_DROP = 0.01


def int8_candidate(
    embedder: Embedder, store: LocalStore, items: list[GoldenItem], light: bool
) -> dict[str, Any]:
    """Quantise the fp32 ONNX export for this CPU and judge it against fp32 on the same texts.

    With VNNI: signed int8 weights, per channel, only the MatMuls (activations quantised on the
    fly). Without VNNI, u8s8 products can saturate int16 intermediates, so the weights use
    7 bits (``reduce_range``). Accepted only if the mean cosine to fp32 is at least 0.98, the
    5th percentile at least 0.95, and dense nDCG@10 on the golden set drops by at most 0.01;
    otherwise the report says which bar it missed and the project stays in fp32.
    """
    import shutil
    import tempfile
    from pathlib import Path

    from ..models.onnx_backend import TOKENIZER_FILE, OnnxTextEncoder, cpu_has_vnni, quantise

    fp32 = embedder._onnx
    if fp32 is None:
        return {"skipped": "the embedder does not run on the onnx backend"}
    if embedder.precision != "fp32":
        return {"skipped": "the index is embedded in int8; int8 is judged against an fp32 run"}
    vnni = cpu_has_vnni()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        recipe = quantise(fp32.path, folder / fp32.path.name, vnni)
        shutil.copy(fp32.path.parent / TOKENIZER_FILE, folder / TOKENIZER_FILE)
        int8 = OnnxTextEncoder(folder, embedder.max_seq_length, fp32.threads)
        texts = [c.indexed_text for c in store.chunks[: 32 if light else BACKEND_PASSAGES]]
        rates, vectors = {}, {}
        for name, encoder in (("fp32", fp32), ("int8", int8)):
            encoder.encode(texts[:8], embedder.batch_size)
            start = time.perf_counter()
            vectors[name] = encoder.encode(texts, embedder.batch_size)[0]
            rates[name] = round(len(texts) / (time.perf_counter() - start), 1)
        cosine = np.sum(vectors["fp32"] * vectors["int8"], axis=1)
        chunks = [c.indexed_text for c in store.chunks]
        matrix = int8.encode(chunks, embedder.batch_size)[0]
        quality = {
            "fp32": _dense_ndcg(items, store, store.embeddings, fp32, embedder.batch_size),
            "int8": _dense_ndcg(items, store, matrix, int8, embedder.batch_size),
        }
    drop = round(quality["fp32"] - quality["int8"], 4)
    mean, p5 = float(cosine.mean()), float(np.percentile(cosine, 5))
    missed = [
        f"mean cosine {mean:.3f} < {INT8_MIN_MEAN_COSINE}" if mean < INT8_MIN_MEAN_COSINE else "",
        f"p5 cosine {p5:.3f} < {INT8_MIN_P5_COSINE}" if p5 < INT8_MIN_P5_COSINE else "",
        f"nDCG@10 drop {drop:.4f} > {INT8_MAX_NDCG_DROP}" if drop > INT8_MAX_NDCG_DROP else "",
    ]
    missed = [m for m in missed if m]
    return {
        "vnni": vnni,
        "recipe": recipe,
        "passages": len(texts),
        "passages_per_s": rates,
        "speedup": round(rates["int8"] / max(rates["fp32"], 1e-9), 2),
        "cosine_to_fp32": {
            "mean": round(mean, 4),
            "p5": round(p5, 4),
            "min": round(float(cosine.min()), 4),
        },
        "dense_ndcg@10": quality,
        "ndcg_drop": drop,
        "accepted": not missed,
        "why_not": "; ".join(missed),
    }


def _dense_ndcg(
    items: list[GoldenItem], store: LocalStore, matrix: np.ndarray, encoder: Any, batch: int
) -> float:
    """Dense-only nDCG@10 of the golden set over ``matrix`` (exact search)."""
    from .quality import ranking_quality

    def ranked(question: str) -> list[str]:
        query = encoder.encode([question], batch)[0][0]
        order = np.argsort(-(matrix @ query))[:50]
        return [store.chunks[int(i)].doc_id for i in order]

    return ranking_quality(items, ranked)["ndcg@10"]
