"""What two optional mechanisms cost the served path: OpenTelemetry tracing (off and on) and
document permissions (security trimming with a share of the corpus restricted)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..reports.stats import percentiles

if TYPE_CHECKING:
    from ..eval.golden import GoldenItem
    from ..pipeline import Pipeline


def tracing_cost(pipeline: Pipeline, items: list[GoldenItem]) -> dict[str, Any]:
    """The ask path with tracing off and on (every span kept in memory), alternating question by
    question so both see the same machine; and what one timed stage costs with tracing off (its
    clock reads and the single check tracing adds)."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ..core import tracing
    from ..core.timing import Timings

    ms: dict[str, list[float]] = {"off": [], "on": []}
    spans = 0
    for item in items:
        for state in ("off", "on"):
            pipeline.embedder.clear_cache()
            pipeline.answers.clear()
            exporter = InMemorySpanExporter()
            if state == "on":
                tracing.install(exporter)
            try:
                ms[state].append(pipeline.ask(item.question, "hybrid").timings.ms["total"])
            finally:
                if state == "on":
                    spans += len(exporter.get_finished_spans())
                    tracing.shutdown()
    timings, n = Timings(), 100_000
    start = time.perf_counter()
    for _ in range(n):
        with timings.stage("bench"):
            pass
    return {
        "ask_ms_off": percentiles(ms["off"], digits=3),
        "ask_ms_on": percentiles(ms["on"], digits=3),
        "spans_per_ask": round(spans / max(len(items), 1), 1),
        "stage_ns_off": round((time.perf_counter() - start) / n * 1e9, 1),
    }


def filter_cost(pipeline: Pipeline, items: list[GoldenItem]) -> dict[str, Any]:
    """Hybrid retrieval (query embedding included) for a caller with no groups, with none, 10 %
    and 90 % of the chunks restricted to a group: what security trimming costs. The labels are
    set on the loaded chunks (as an ingest with acl.yaml would store them), then taken off."""
    import numpy as np

    from ..retrieval.stores.local import LocalStore

    store = pipeline.store
    if not isinstance(store, LocalStore):
        return {"skipped": "document permissions are enforced by the local store only"}
    chunks = store.chunks
    rng = np.random.default_rng(7)
    found: dict[str, Any] = {}
    for share in (0.0, 0.1, 0.9):
        chosen = rng.permutation(len(chunks))[: round(share * len(chunks))]
        for row in chosen:
            chunks[row].groups = ["restricted"]
        store.relabelled()
        ms: list[float] = []
        for item in items:
            pipeline.embedder.clear_cache()
            ms.append(pipeline.search(item.question, "hybrid").timings.ms["retrieve"])
        for row in chosen:
            chunks[row].groups = []
        found[f"{round(share * 100)}%"] = percentiles(ms, digits=3)
    store.relabelled()
    base = found["0%"]["p95"]
    found["overhead_p95"] = {
        k: round(v["p95"] / base - 1.0, 3) for k, v in found.items() if k != "0%"
    }
    return found
