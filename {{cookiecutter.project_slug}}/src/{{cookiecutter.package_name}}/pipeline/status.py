"""What a pipeline has loaded, as /readyz, the UI banner and reports show it."""

from __future__ import annotations

from typing import Any


def describe(pipeline: Any) -> dict[str, Any]:
    """``pipeline`` is a ``core.Pipeline`` (not imported: core imports this module)."""
    manifest = pipeline.store.manifest
    loc = pipeline.embedder.location
    reranker: dict[str, Any] = {
        "id": pipeline.settings.reranker,
        "available": pipeline.reranker is not None,
    }
    if pipeline.reranker is not None:
        reranker["source"] = pipeline.reranker.location.source
    else:
        reranker["reason"] = pipeline.reranker_note
    return {
        "index": {
            "dir": str(pipeline.settings.index_dir),
            "store": getattr(pipeline.store, "name", type(pipeline.store).__name__),
            "created_at": manifest.get("created_at"),
            "documents": manifest.get("counts", {}).get("documents"),
            "chunks": manifest.get("counts", {}).get("chunks"),
            "corpus_sha256": manifest.get("corpus_sha256"),
        },
        "embedder": {"id": loc.model_id, "source": loc.source, "sha256": loc.sha256},
        "reranker": reranker,
        "llm": {
            "provider": pipeline.settings.llm_provider,
            "model": pipeline.settings.llm_model,
            "available": pipeline.generator is not None
            or pipeline.settings.llm_provider == "extractive",
            "note": pipeline.llm_note,
        },
    }
