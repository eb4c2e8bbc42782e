"""What every store's ingest shares: the report, the fingerprint of what vectors depend on,
one document's chunks and manifest entry, and the manifest entries every store records."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.types import Chunk
from ..guardrails import flags
from ..guardrails.pii import PiiRedactor
from .chunking import HFTokenCounter, chunk_document
from .loaders import Document

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


def fingerprint(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What the stored vectors and chunks depend on: a change means re-embedding everything."""
    return {
        "embedder": embedder.location.model_id,
        "embedder_sha256": embedder.location.sha256,
        "max_seq_length": embedder.max_seq_length,
        "embedder_precision": embedder.precision,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "redact_pii_at_ingest": settings.redact_pii_at_ingest,
    }


def prepare(
    doc: Document,
    counter: HFTokenCounter,
    settings: Settings,
    embedder: Embedder,
    pii: PiiRedactor,
    redact_pii: bool,
) -> tuple[list[Chunk], dict[str, Any], int]:
    """A new or changed document's chunks, its manifest entry and how many chunks were flagged."""
    doc_chunks = chunk_document(
        doc, counter, settings.chunk_tokens, settings.chunk_overlap, embedder.max_seq_length
    )
    flagged = flags.scan(doc_chunks, pii, redact_pii)
    meta = {
        "sha256": doc.sha256,
        "title": doc.title,
        "format": doc.format,
        "chunks": len(doc_chunks),
        "tokens": sum(counter.count([c.indexed_text for c in doc_chunks])),
    }
    return doc_chunks, meta, flagged


def passages(chunks: list[Chunk]) -> tuple[list[str], list[list[list[int]]]]:
    """What the embedder reads for each chunk (its indexed text) and, in that text's coordinates,
    the spans of the chunk's sentences (to pool into sentence vectors)."""
    texts, spans = [], []
    for chunk in chunks:
        shift = len(chunk.indexed_text) - len(chunk.text)
        texts.append(chunk.indexed_text)
        spans.append([[start + shift, end + shift] for start, end in chunk.sentences])
    return texts, spans


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
