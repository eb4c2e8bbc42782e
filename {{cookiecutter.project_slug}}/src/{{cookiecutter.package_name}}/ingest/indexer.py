"""Build or update the index from a folder of documents.

Unchanged documents (same content hash, chunking settings and embedder weights) keep their
chunks and vectors; only new or changed documents are embedded again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import DocsError, RagError
from ..guardrails.context import flag_chunks
from ..guardrails.pii import PiiRedactor
from ..retrieval.stores.local import IndexData, load_index_data, write_index
from .chunking import Chunk, HFTokenCounter, chunk_document
from .loaders import SUPPORTED, Document, SkipDocument, discover, doc_id_for, load_document

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder

Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    index_dir: Path
    documents: int = 0
    chunks: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    embedded_chunks: int = 0
    embedding_tokens: int = 0
    flagged_chunks: int = 0
    seconds: float = 0.0
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index_dir": str(self.index_dir),
            "documents": self.documents,
            "chunks": self.chunks,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "removed": self.removed,
            "skipped": [{"doc_id": d, "reason": r} for d, r in self.skipped],
            "embedded_chunks": self.embedded_chunks,
            "embedding_tokens": self.embedding_tokens,
            "flagged_chunks": self.flagged_chunks,
            "seconds": round(self.seconds, 3),
            "note": self.note,
        }


# Chunks handed to the embedder per call: it sorts them by length and encodes them in batches of
# embed_batch_size, so a large block pads less than embedding each batch as it comes.
EMBED_BLOCK = 512


def _previous(index_dir: Path, fingerprint: dict[str, Any]) -> tuple[IndexData | None, str | None]:
    """The live index if its vectors can be reused, else (None, why not)."""
    try:
        data = load_index_data(index_dir)
    except RagError as exc:
        if (index_dir / "CURRENT").exists() or (index_dir / "manifest.json").exists():
            return None, f"previous index not reused ({exc})"
        return None, None
    if data.manifest.get("fingerprint") != fingerprint:
        return None, "embedder or chunking changed: every document re-embedded"
    return data, None


def fingerprint(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What the stored vectors and chunks depend on: a change means re-embedding everything."""
    return {
        "embedder": embedder.location.model_id,
        "embedder_sha256": embedder.location.sha256,
        "max_seq_length": embedder.max_seq_length,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "redact_pii_at_ingest": settings.redact_pii_at_ingest,
    }


def prepare(
    doc: Document,
    counter: HFTokenCounter,
    settings: Settings,
    embedder: Embedder,
    pii: PiiRedactor | None,
) -> tuple[list[Chunk], dict[str, Any], int]:
    """A new or changed document's chunks, its manifest entry and how many chunks were flagged."""
    doc_chunks = chunk_document(
        doc, counter, settings.chunk_tokens, settings.chunk_overlap, embedder.max_seq_length
    )
    if pii is not None:
        for chunk in doc_chunks:
            chunk.text, _ = pii.redact(chunk.text)
    flagged = flag_chunks(doc_chunks)
    meta = {
        "sha256": doc.sha256,
        "title": doc.title,
        "format": doc.format,
        "chunks": len(doc_chunks),
        "tokens": sum(counter.count([c.indexed_text for c in doc_chunks])),
    }
    return doc_chunks, meta, flagged


def manifest_base(
    built_with: dict[str, Any],
    embedder: Embedder,
    docs_dir: Path,
    documents: dict[str, Any],
    report: IngestReport,
    chunks: int,
) -> dict[str, Any]:
    """The manifest entries every store records: build time, fingerprint, embedder, corpus hash,
    skipped files and counts."""
    corpus_hash = hashlib.sha256(
        "".join(f"{d}:{documents[d]['sha256']}\n" for d in sorted(documents)).encode()
    ).hexdigest()
    return {
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "fingerprint": built_with,
        "embedder": {
            "id": embedder.location.model_id,
            "source": embedder.location.source,
            "sha256": embedder.location.sha256,
            "dim": embedder.dim,
            "max_seq_length": embedder.max_seq_length,
        },
        "docs_dir": str(docs_dir),
        "corpus_sha256": corpus_hash,
        "skipped": [{"doc_id": d, "reason": r} for d, r in report.skipped],
        "counts": {"documents": len(documents), "chunks": chunks},
    }


def ingest(
    docs_dir: Path,
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
) -> IngestReport:
    """Index ``docs_dir`` into ``settings.index_dir``; raise DocsError if nothing is indexable."""
    started = time.perf_counter()
    if not docs_dir.exists():
        raise DocsError(f"documents folder {docs_dir} does not exist")
    if not docs_dir.is_dir():
        raise DocsError(f"{docs_dir} is not a folder")
    files = discover(docs_dir)
    if not files:
        raise DocsError(f"{docs_dir} is empty: add {', '.join(SUPPORTED)} files")
    if settings.vector_store == "milvus":
        from .milvus_indexer import ingest_milvus

        return ingest_milvus(docs_dir, files, settings, embedder, progress, started)

    built_with = fingerprint(settings, embedder)
    report = IngestReport(index_dir=settings.index_dir)
    previous, report.note = _previous(settings.index_dir, built_with)
    old_docs: dict[str, Any] = previous.manifest["documents"] if previous else {}
    old_rows: dict[str, list[int]] = {}
    if previous:
        for row, chunk in enumerate(previous.chunks):
            old_rows.setdefault(chunk.doc_id, []).append(row)

    counter = HFTokenCounter(embedder.tokenizer)
    pii = PiiRedactor() if settings.redact_pii_at_ingest else None
    documents: dict[str, dict[str, Any]] = {}
    chunks: list[Chunk] = []
    vectors: list[np.ndarray | None] = []
    for n, path in enumerate(files, start=1):
        doc_id = doc_id_for(path, docs_dir)
        if progress:
            progress("read", n, len(files))
        try:
            doc = load_document(path, docs_dir)
        except SkipDocument as exc:
            report.skipped.append((doc_id, str(exc)))
            continue
        old = old_docs.get(doc_id)
        if previous and old and old["sha256"] == doc.sha256:
            report.unchanged.append(doc_id)
            rows = old_rows.get(doc_id, [])
            chunks.extend(previous.chunks[r] for r in rows)
            vectors.extend(previous.embeddings[r] for r in rows)
            documents[doc_id] = old
            continue
        (report.changed if old else report.new).append(doc_id)
        doc_chunks, documents[doc_id], flagged = prepare(doc, counter, settings, embedder, pii)
        report.flagged_chunks += flagged
        chunks.extend(doc_chunks)
        vectors.extend([None] * len(doc_chunks))
    if not documents:
        reasons = "; ".join(f"{d}: {r}" for d, r in report.skipped[:3])
        raise DocsError(f"no document in {docs_dir} could be indexed ({reasons}); index unchanged")

    todo = [i for i, v in enumerate(vectors) if v is None]
    for start in range(0, len(todo), EMBED_BLOCK):
        rows = todo[start : start + EMBED_BLOCK]
        encoded = embedder.encode([chunks[i].indexed_text for i in rows])
        for i, vector in zip(rows, encoded, strict=True):
            vectors[i] = vector
        if progress:
            progress("embed", min(start + EMBED_BLOCK, len(todo)), len(todo))
    report.embedded_chunks = len(todo)
    report.embedding_tokens = sum(documents[d]["tokens"] for d in (*report.new, *report.changed))
    report.removed = sorted(set(old_docs) - set(documents) - {d for d, _ in report.skipped})

    matrix = (
        np.vstack([v for v in vectors if v is not None]).astype(np.float32)
        if chunks
        else np.zeros((0, embedder.dim), dtype=np.float32)
    )
    manifest = {
        **manifest_base(built_with, embedder, docs_dir, documents, report, len(chunks)),
        "documents": documents,
    }
    if progress:
        progress("write", 0, 1)
    write_index(
        settings.index_dir,
        IndexData(chunks, matrix, manifest),
        hnsw_threshold=settings.hnsw_threshold,
        hnsw_ef_search=settings.hnsw_ef_search,
    )
    if progress:
        progress("write", 1, 1)
    report.documents = len(documents)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    return report
