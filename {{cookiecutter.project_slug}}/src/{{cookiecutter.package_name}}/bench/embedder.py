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
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return {
        "flags": [f for f in wanted if f in flags],
        "vnni": bool({"avx512_vnni", "avx_vnni"} & flags),
    }


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
