"""The Milvus store at one bench size, beside the faiss store (when ``vector_store: milvus``).

The same generated corpus, embedder and golden questions: ingest rate, hybrid search latency
(one server-side ``hybrid_search``) and nDCG@10 per mode, under ``sizes[n].milvus`` in bench.json.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ingest.indexer import ingest
from ..pipeline import Pipeline
from ..reports.stats import percentiles
from ..retrieval.stores.milvus import MilvusStore, is_local, milvus_uri
from .quality import ranker, ranking_quality

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..eval.golden import GoldenItem
    from ..models.encoders import Embedder


def measure_milvus(
    docs: Path,
    settings: Settings,
    work: Path,
    embedder: Embedder,
    items: list[GoldenItem],
    log: Callable[[str], None],
) -> dict[str, Any]:
    update: dict[str, Any] = {"vector_store": "milvus", "index_dir": work / "index-milvus"}
    if settings.milvus_uri is None or is_local(settings.milvus_uri):
        update["milvus_uri"] = None  # a Milvus Lite file in this size's work folder
    else:  # a server: a collection of its own, not the project's
        update["milvus_collection"] = f"{settings.milvus_collection}_bench"
    ms = settings.model_copy(update=update)
    log(f"ingesting into Milvus at {milvus_uri(ms)}")
    report = ingest(docs, ms, embedder)
    pipeline = Pipeline(ms, MilvusStore(ms), embedder, None, "bench: no re-ranking")
    totals: list[float] = []
    for item in items:
        embedder.clear_cache()
        totals.append(pipeline.search(item.question, "hybrid").timings.ms["total"])
    quality = {m: ranking_quality(items, ranker(pipeline, m)) for m in ("bm25", "dense", "hybrid")}
    return {
        "uri": milvus_uri(ms),
        "vector_index": pipeline.store.manifest.get("milvus", {}).get("vector_index"),
        "chunks": report.chunks,
        "ingest_chunks_per_s": round(report.chunks / report.seconds, 1),
        "latency_ms": {"search_hybrid": percentiles(totals, digits=3)},
        "ndcg@10": {m: q["ndcg@10"] for m, q in quality.items()},
        "recall@5": {m: q["recall@5"] for m, q in quality.items()},
    }
