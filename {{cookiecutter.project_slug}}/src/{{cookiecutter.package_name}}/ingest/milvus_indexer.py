"""Ingest into Milvus: the same documents, chunks and vectors as the faiss index, written in place.

Per document, by content hash: unchanged documents are not touched; new and changed ones are
chunked, embedded and upserted (batched, keyed by chunk id, so a re-run writes the same rows);
chunk rows a changed document no longer has, and every row of a document that disappeared, are
deleted. A document's metadata row is written after its chunks, so an interrupted ingest is
completed by the next one. A changed embedder, chunking or analyser rebuilds the collection.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import DocsError
from ..core.types import Chunk
from ..guardrails.pii import PiiRedactor
from ..retrieval.stores.milvus import SCHEMA_VERSION, MilvusIndex, describe, milvus_uri
from .base import EMBED_BLOCK, IngestReport, Progress, fingerprint, manifest_base, prepare
from .chunking import HFTokenCounter
from .loaders import SkipDocument, doc_id_for, load_document

RESTRICTED = (
    "document permissions (acl.yaml, allowed_groups) are enforced by the local store only: "
    "this version does not filter Milvus searches yet, so restricted documents are not indexed "
    "there (use vector_store: faiss, or remove the permissions)"
)

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder


def milvus_fingerprint(base: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A store fingerprint for Milvus: what ``base`` (the vectors' fingerprint) depends on, plus
    the store and its analyser. ``ingest`` and ``migrate-to-milvus`` must write the same one, or
    the next ingest after a migration would re-embed everything."""
    return {**base, "store": "milvus", "milvus_analyzer": settings.milvus_analyzer}


def milvus_entries(settings: Settings, vector_index: str) -> dict[str, Any]:
    """The manifest entries that say where the collection lives and how it is indexed."""
    return {
        "milvus_analyzer": settings.milvus_analyzer,
        "milvus": {
            "uri": milvus_uri(settings),
            "collection": settings.milvus_collection,
            "vector_index": vector_index,
        },
    }


def ingest_milvus(
    docs_dir: Path,
    files: list[Path],
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None,
    started: float,
) -> IngestReport:
    index = MilvusIndex(settings)
    built_with = milvus_fingerprint(fingerprint(settings, embedder), settings)
    report = IngestReport(index_dir=settings.index_dir)
    notes: list[str] = []
    manifest = index.read_manifest()
    old_docs: dict[str, dict[str, Any]] = {}
    reusable = (
        manifest is not None
        and manifest.get("schema_version") == SCHEMA_VERSION
        and manifest.get("fingerprint") == built_with
    )
    if reusable:
        old_docs = index.documents()
    elif manifest is not None:
        notes.append("embedder, chunking or analyser changed: every document re-embedded")

    counter = HFTokenCounter(embedder.tokenizer)
    pii = PiiRedactor()
    documents: dict[str, dict[str, Any]] = {}
    fresh: dict[str, dict[str, Any]] = {}
    pending: list[Chunk] = []
    for n, path in enumerate(files, start=1):
        doc_id = doc_id_for(path, docs_dir)
        if progress:
            progress("read", n, len(files))
        try:
            doc = load_document(path, docs_dir)
        except SkipDocument as exc:
            report.skipped.append((doc_id, str(exc)))
            continue
        if doc.allowed_groups:
            raise DocsError(RESTRICTED)
        old = old_docs.get(doc_id)
        if old and old["sha256"] == doc.sha256:
            report.unchanged.append(doc_id)
            documents[doc_id] = old
            continue
        (report.changed if old else report.new).append(doc_id)
        doc_chunks, documents[doc_id], flagged = prepare(
            doc, counter, settings, embedder, pii, settings.redact_pii_at_ingest
        )
        fresh[doc_id] = documents[doc_id]
        report.flagged_chunks += flagged
        pending.extend(doc_chunks)
    if not documents:
        reasons = "; ".join(f"{d}: {r}" for d, r in report.skipped[:3])
        raise DocsError(f"no document in {docs_dir} could be indexed ({reasons}); index unchanged")

    total = sum(int(meta["chunks"]) for meta in documents.values())
    if not reusable:
        index.drop()
        index.create(embedder.dim, total)

    doc_sha = {d: meta["sha256"] for d, meta in fresh.items()}
    for start in range(0, len(pending), EMBED_BLOCK):
        part = pending[start : start + EMBED_BLOCK]
        index.upsert_chunks(part, embedder.encode([c.indexed_text for c in part]), doc_sha)
        if progress:
            progress("embed", min(start + EMBED_BLOCK, len(pending)), len(pending))
    report.embedded_chunks = len(pending)
    report.embedding_tokens = sum(int(meta["tokens"]) for meta in fresh.values())

    if progress:
        progress("write", 0, 1)
    gone = sorted(set(old_docs) - set(documents))
    report.removed = sorted(set(gone) - {d for d, _ in report.skipped})
    kept = {c.chunk_id for c in pending}
    stale = [c for c in index.chunk_ids_of([*report.changed, *gone]) if c not in kept]
    index.delete_chunks(stale)
    index.write_documents(fresh)
    index.delete_documents(gone)
    rebuilt = index.ensure_index(total)
    if rebuilt:
        notes.append(rebuilt)
    kind, _ = index.dense_index()
    index.write_manifest(
        {
            **manifest_base(built_with, embedder, docs_dir, documents, report, total),
            **milvus_entries(settings, kind),
        }
    )
    index.flush()
    if progress:
        progress("write", 1, 1)
    notes.append(
        f"{describe(settings)} ({kind} vector index): {index.upserted} chunk rows upserted, "
        f"{index.deleted} deleted"
    )
    report.note = "; ".join(notes)
    report.documents = len(documents)
    report.chunks = total
    report.seconds = time.perf_counter() - started
    return report
