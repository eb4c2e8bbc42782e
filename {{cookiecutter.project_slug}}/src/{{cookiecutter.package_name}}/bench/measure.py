"""Measurements at one corpus size, in one process (peak RSS is that process's own).

Latencies are for distinct queries: the query-embedding cache is cleared before every timed
query, and cache hits are timed in a separate pass and reported apart.
"""

from __future__ import annotations

import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.settings import load_settings
from ..eval.golden import GoldenItem, load_golden
from ..eval.metrics import RANKING_DEPTH, recall_at
from ..ingest.indexer import ingest
from ..models.encoders import Embedder, Reranker, load_embedder, load_reranker
from ..pipeline import WARMUP_QUESTIONS, Pipeline
from ..reports.stats import percentiles
from ..retrieval.stores.local import LocalStore, build_dense_index, read_manifest
from . import baseline
from .corpus import build_corpus
from .costs import filter_cost, tracing_cost
from .embedder import compute_ceiling, embedder_backends, int8_candidate
from .quality import ranker, ranking_quality

RERANK_CANDIDATES = (5, 6, 8, 10, 20, 50)
RERANK_LENGTHS = (128, 256)
RERANK_BUDGET_MS = 200.0  # the p95 a re-ranked search may take (issue target, 2-core laptop)
CURVE_QUESTIONS = 16
STAND_IN_NOTE = (
    "stand-in cross-encoder: CrossEncoder(all-MiniLM-L6-v2 folder, num_labels=1), the size of "
    "ms-marco-MiniLM-L-6-v2 with an untrained head; its latency is real, its ranking is "
    "meaningless, so hybrid+rerank quality is not reported"
)


@dataclass
class SizeJob:
    size: int
    docs: str
    golden: str
    work: str
    config: str | None = None
    questions: int | None = None
    extras: bool = False  # backend comparison, re-rank curve and sample-corpus ingest
    light: bool = False  # fewer re-rank curve points and backend passages (for tests)
    with_baseline: bool = True


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def stand_in_reranker(pipeline_embedder: Embedder, max_length: int, backend: str, models_dir: Path):
    """The MiniLM folder as a one-label cross-encoder; seeded so its random head is repeatable."""
    import torch

    torch.manual_seed(0)
    return Reranker(
        pipeline_embedder.location,
        max_length=max_length,
        backend=backend,
        models_dir=models_dir,
        num_labels=1,
    )


def _timed_ingest(docs: Path, settings: Any, embedder: Embedder) -> dict[str, Any]:
    first = ingest(docs, settings, embedder)
    again = ingest(docs, settings, embedder)
    return {
        "chunks": first.chunks,
        "documents": first.documents,
        "ingest_s": round(first.seconds, 3),
        "ingest_chunks_per_s": round(first.chunks / first.seconds, 1),
        "reingest_unchanged_s": round(again.seconds, 3),
    }


def _latency(pipeline: Pipeline, items: list[GoldenItem]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(distinct-query latencies per stage, cache-hit latencies)."""
    embedder = pipeline.embedder
    ms: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, list[float]] = defaultdict(list)
    for item in items:
        embedder.clear_cache()
        timings = pipeline.search(item.question, "hybrid").timings.ms
        for stage in ("embed_query", "bm25", "dense", "fuse", "retrieve"):
            ms[stage].append(timings[stage])
        ms["search_hybrid"].append(timings["total"])
        again = pipeline.search(item.question, "hybrid")
        if again.retrieval.cache_hit:
            hits["embed_query"].append(again.timings.ms["embed_query"])
            hits["search_hybrid"].append(again.timings.ms["total"])
    for item in items:
        embedder.clear_cache()
        timings = pipeline.search(item.question, "hybrid+rerank").timings.ms
        ms["rerank"].append(timings.get("rerank", 0.0))
        ms["search_hybrid+rerank"].append(timings["total"])
    for item in items:
        embedder.clear_cache()
        timings = pipeline.ask(item.question, "hybrid+rerank").timings.ms
        if "answer" in timings:  # a question stopped by the input rail has no answer stage
            ms["answer"].append(timings["answer"])
        ms["total"].append(timings["total"])
    latency = {stage: percentiles(values, digits=3) for stage, values in ms.items()}
    cached = {stage: percentiles(values, digits=3) for stage, values in hits.items()}
    cached["n"] = len(hits["embed_query"])  # type: ignore[assignment]
    return latency, cached


def _ask_path(pipeline: Pipeline, items: list[GoldenItem]) -> dict[str, Any]:
    """Every stage of ``ask`` as users get it by default: hybrid, no re-ranking, extractive
    answer, guardrails on; distinct questions with cold query and answer caches."""
    ms: dict[str, list[float]] = defaultdict(list)
    for item in items:
        pipeline.embedder.clear_cache()
        pipeline.answers.clear()
        for stage, value in pipeline.ask(item.question, "hybrid").timings.ms.items():
            ms[stage].append(value)
    return {stage: percentiles(values, digits=3) for stage, values in ms.items()}


def _ndcg_variants(
    pipeline: Pipeline, items: list[GoldenItem], stand_in: bool
) -> dict[str, dict[str, float]]:
    modes = ["bm25", "dense", "hybrid"] + ([] if stand_in else ["hybrid+rerank"])
    return {mode: ranking_quality(items, ranker(pipeline, mode)) for mode in modes}


def _dense_comparison(
    pipeline: Pipeline, store: LocalStore, items: list[GoldenItem], ef_search: int
) -> dict[str, Any]:
    """Exact vs HNSW dense search on the same vectors: latency, recall against exact, quality."""
    vectors = [pipeline.embedder.encode_query(i.question)[0] for i in items]
    started = time.perf_counter()
    indexes = {
        "flat": build_dense_index(store.embeddings, hnsw=False),
        "hnsw": build_dense_index(store.embeddings, hnsw=True, ef_search=ef_search),
    }
    hnsw_build_s = time.perf_counter() - started
    depth = min(RANKING_DEPTH, len(store))
    top: dict[str, list[np.ndarray]] = {}
    out: dict[str, Any] = {"hnsw_build_s": round(hnsw_build_s, 3), "ef_search": ef_search}
    for name, index in indexes.items():
        times, ids = [], []
        for vector in vectors:
            start = time.perf_counter()
            _, found = index.search(vector.reshape(1, -1), depth)
            times.append((time.perf_counter() - start) * 1000)
            ids.append(found[0])
        top[name] = ids
        out[f"{name}_ms"] = percentiles(times, digits=3)
    for k in (10, 50):
        kk = min(k, depth)
        overlap = [
            len(set(h[:kk]) & set(f[:kk])) / kk
            for h, f in zip(top["hnsw"], top["flat"], strict=True)
        ]
        out[f"hnsw_recall@{k}_vs_flat"] = round(float(np.mean(overlap)), 4)
    live = store.faiss
    served = store.manifest.get("dense_index", {}).get("type", "flat")
    other = "flat" if served == "hnsw" else "hnsw"
    store.faiss = indexes[other]
    try:
        out["quality"] = {
            f"{mode}-{other}": ranking_quality(items, ranker(pipeline, mode))
            for mode in ("dense", "hybrid")
        }
    finally:
        store.faiss = live
    out["served"] = served
    return out


def first_stage_recall(
    pipeline: Pipeline, items: list[GoldenItem], counts: Sequence[int]
) -> dict[str, float]:
    """Share of relevant documents among the first N fused chunks: what a re-ranker of N can reach."""
    answerable = [i for i in items if i.answerable]
    found: dict[int, list[float]] = {n: [] for n in counts}
    for item in answerable:
        hits = pipeline.search(item.question, "hybrid", max(counts)).retrieval.hits
        ranked = [h.chunk.doc_id for h in hits]
        for n in counts:
            found[n].append(recall_at(ranked, set(item.relevant_ids), n))
    return {str(n): round(float(np.mean(v)), 4) if v else 0.0 for n, v in found.items()}


def within_budget(curve: dict[str, Any], recall: dict[str, float], budget_ms: float) -> dict:
    """The (max_length, candidates) point with the highest first-stage recall whose p95 fits.

    Ties go to the longer passage, then to fewer candidates. Empty when no point fits.
    """
    fits = []
    for key, points in curve.items():
        if not key.startswith("max_length="):
            continue
        length = int(key.split("=")[1])
        for count, lat in points.items():
            if lat["p95"] <= budget_ms:
                fits.append((recall.get(count, 0.0), length, -int(count), lat["p95"]))
    if not fits:
        return {}
    best_recall, length, neg_count, p95 = max(fits)
    return {
        "max_length": length,
        "candidates": -neg_count,
        "p95": p95,
        "first_stage_recall": best_recall,
        "budget_ms": budget_ms,
    }


def _rerank_curve(
    pipeline: Pipeline,
    items: list[GoldenItem],
    stand_in: bool,
    settings: Any,
    light: bool,
    retrieve_p95: float,
) -> dict[str, Any]:
    """Re-rank latency by candidate count and passage length, torch vs onnx at the default, and
    the first-stage recall each candidate count leaves the re-ranker (its quality ceiling).

    The budget for the re-rank stage is the search budget less the p95 of hybrid retrieval at
    this size, since the target is for the whole re-ranked search."""
    questions = [i.question for i in items[:CURVE_QUESTIONS]]
    counts = (5, 20) if light else RERANK_CANDIDATES
    pools = {
        q: [h.chunk.indexed_text for h in pipeline.search(q, "hybrid", max(counts)).retrieval.hits]
        for q in questions
    }

    def make(max_length: int, backend: str) -> Reranker:
        if stand_in:
            return stand_in_reranker(pipeline.embedder, max_length, backend, settings.models_dir)
        assert pipeline.reranker is not None
        return Reranker(pipeline.reranker.location, max_length, backend, settings.models_dir)

    def timed(reranker: Reranker, n: int) -> dict[str, float]:
        reranker.score(questions[0], pools[questions[0]][:n])
        times = []
        for q in questions:
            start = time.perf_counter()
            reranker.score(q, pools[q][:n])
            times.append((time.perf_counter() - start) * 1000)
        return percentiles(times, digits=3)

    curve: dict[str, Any] = {"backend": settings.reranker_backend, "questions": len(questions)}
    for length in RERANK_LENGTHS:
        reranker = make(length, settings.reranker_backend)
        curve[f"max_length={length}"] = {str(n): timed(reranker, n) for n in counts}
    recall = first_stage_recall(pipeline, items, sorted({*counts, settings.rerank_candidates}))
    curve["first_stage_recall"] = recall
    curve["within_budget"] = within_budget(curve, recall, RERANK_BUDGET_MS - retrieve_p95)
    default = settings.rerank_candidates
    backends: dict[str, Any] = {
        backend: timed(make(settings.rerank_max_length, backend), default)
        for backend in ("torch", "onnx")
    }
    curve["backends"] = {
        **backends,
        "candidates": default,
        "max_length": settings.rerank_max_length,
    }
    return curve


def measure(job: SizeJob, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Everything measured at one size; the caller runs it in a fresh process."""
    work = Path(job.work)
    settings = load_settings(Path(job.config) if job.config else None, index_dir=work / "index")
    # [vector_store=milvus]
    # With vector_store: milvus the faiss store is measured first, then Milvus beside it.
    with_milvus = settings.vector_store == "milvus"
    # [/vector_store=milvus]
    settings = settings.model_copy(update={"vector_store": "faiss"})
    items = load_golden(Path(job.golden))
    if job.questions:
        items = items[: job.questions]
    started = time.perf_counter()
    embedder = load_embedder(settings)
    result: dict[str, Any] = {"model_load_s": round(time.perf_counter() - started, 3)}
    log(f"[{job.size}] building the corpus")
    info = build_corpus(
        Path(job.docs),
        work / "docs",
        job.size,
        settings,
        embedder.tokenizer,
        embedder.max_seq_length,
    )
    result["corpus"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(info).items()}
    if job.extras:
        log(f"[{job.size}] ingesting the base corpus alone")
        base = settings.model_copy(update={"index_dir": work / "index-base"})
        result["base_ingest"] = _timed_ingest(Path(job.docs), base, embedder)
    log(f"[{job.size}] ingesting {job.size} chunks")
    result.update(_timed_ingest(info.docs_dir, settings, embedder))
    result["index_mb"] = round(read_manifest(settings.index_dir)["files_bytes"] / 1e6, 2)
    store = LocalStore(settings.index_dir)
    result["dense_index"] = store.manifest.get("dense_index", {"type": "flat"})
    reranker, note = load_reranker(settings)
    stand_in = reranker is None
    if reranker is None:
        reranker = stand_in_reranker(
            embedder, settings.rerank_max_length, settings.reranker_backend, settings.models_dir
        )
    result["reranker"] = {
        "kind": "stand-in" if stand_in else "model",
        "id": settings.reranker,
        "note": f"{STAND_IN_NOTE} ({note})" if stand_in else "",
        "candidates": settings.rerank_candidates,
        "max_length": settings.rerank_max_length,
        "backend": settings.reranker_backend,
    }
    pipeline = Pipeline(settings, store, embedder, reranker, None)
    pipeline.warm_up("hybrid+rerank")
    log(f"[{job.size}] timing {len(items)} distinct queries")
    result["latency_ms"], result["cache_hit_latency_ms"] = _latency(pipeline, items)
    result["ask_latency_ms"] = _ask_path(pipeline, items)
    result["tracing"] = tracing_cost(pipeline, items)
    result["access_filter"] = filter_cost(pipeline, items)
    log(f"[{job.size}] retrieval quality by variant")
    quality = _ndcg_variants(pipeline, items, stand_in)
    result["dense_search"] = _dense_comparison(pipeline, store, items, settings.hnsw_ef_search)
    quality.update(result["dense_search"].pop("quality"))
    result["ndcg@10"] = {name: q["ndcg@10"] for name, q in quality.items()}
    result["recall@5"] = {name: q["recall@5"] for name, q in quality.items()}
    if job.extras:
        log(f"[{job.size}] re-rank curve and embedder backends")
        result["rerank_curve"] = _rerank_curve(
            pipeline,
            items,
            stand_in,
            settings,
            job.light,
            result["latency_ms"]["search_hybrid"]["p95"],
        )
        result["embedder_backends"] = embedder_backends(embedder, store, items, settings, job.light)
        result["compute_ceiling"] = compute_ceiling(embedder, info.mean_chunk_tokens)
        result["int8"] = int8_candidate(embedder, store, items, job.light)
    result["peak_rss_mb"] = peak_rss_mb()
    result["embedder_backend"] = embedder.backend
    if job.with_baseline:
        log(f"[{job.size}] LangChain baseline")
        result["baseline"] = _baseline(store, embedder, items, settings.candidates)
    # [vector_store=milvus]
    if with_milvus:
        from .milvus import measure_milvus

        log(f"[{job.size}] Milvus store")
        result["milvus"] = measure_milvus(info.docs_dir, settings, work, embedder, items, log)
    # [/vector_store=milvus]
    return result


def _baseline(
    store: LocalStore, embedder: Embedder, items: list[GoldenItem], k: int
) -> dict[str, Any]:
    base = baseline.build(store.chunks, store.embeddings, embedder.location.name_or_path, k)
    for question in WARMUP_QUESTIONS:
        base.search(question)
    times: list[float] = []
    ranked: dict[str, list[str]] = {}
    for item in items:
        start = time.perf_counter()
        ranked[item.question] = base.search(item.question)
        times.append((time.perf_counter() - start) * 1000)
    quality = ranking_quality(items, lambda q: ranked[q])
    return {
        "name": baseline.NAME,
        "k": k,
        "build_s": round(base.build_s, 3),
        **quality,
        "latency_ms": percentiles(times, digits=3),
    }
