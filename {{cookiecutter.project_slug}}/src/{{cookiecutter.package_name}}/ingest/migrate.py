"""Move a faiss index into Milvus without embedding anything again.

The faiss index already holds every chunk, its vector and the per-document manifest entries, so
the Milvus collection is filled from those: the same chunk ids, texts, vectors and document
hashes that ``ingest`` with ``vector_store: milvus`` would have written. The Milvus manifest
records the same fingerprint, so a later ``ingest`` of the same folder finds every document
unchanged and embeds nothing. The target collection is replaced; the faiss index is only read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import RagError
from ..retrieval.stores.local import LocalStore
from ..retrieval.stores.milvus import MilvusIndex, describe
from .milvus_indexer import RESTRICTED, milvus_entries, milvus_fingerprint

if TYPE_CHECKING:
    from ..core.settings import Settings

BATCH = 1024
COPIED_KEYS = ("embedder", "docs_dir", "corpus_sha256", "skipped", "counts")


class MigrationError(RagError):
    """The faiss index could not be moved (none there, or Milvus refused the rows)."""


@dataclass
class MigrationReport:
    source: Path
    target: str
    documents: int = 0
    chunks: int = 0
    vector_index: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "target": self.target,
            "documents": self.documents,
            "chunks": self.chunks,
            "vector_index": self.vector_index,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def migrate_to_milvus(source_dir: Path, settings: Settings) -> MigrationReport:
    """Copy the faiss index at ``source_dir`` into the Milvus collection ``settings`` name."""
    started = time.perf_counter()
    target = settings.model_copy(update={"vector_store": "milvus"})
    source = LocalStore(source_dir)
    manifest = source.manifest
    documents: dict[str, dict[str, Any]] = manifest.get("documents") or {}
    if not documents or len(source) == 0:
        raise MigrationError(f"the faiss index at {source_dir} holds no chunks: nothing to move")
    if source.restricted:
        raise MigrationError(RESTRICTED)
    dim = int(source.embeddings.shape[1])
    report = MigrationReport(source_dir, describe(target))
    index = MilvusIndex(target)
    if index.read_manifest() is not None:
        report.notes.append(f"replaced the existing collection {target.milvus_collection}")
    index.drop()
    index.create(dim, len(source))
    doc_sha = {doc_id: str(meta["sha256"]) for doc_id, meta in documents.items()}
    for start in range(0, len(source), BATCH):
        part = slice(start, start + BATCH)
        index.upsert_chunks(source.chunks[part], source.embeddings[part], doc_sha)
    index.write_documents(documents)
    rebuilt = index.ensure_index(len(source))
    if rebuilt:
        report.notes.append(rebuilt)
    kind, _ = index.dense_index()
    index.write_manifest(
        {
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "fingerprint": milvus_fingerprint(manifest["fingerprint"], target),
            **{key: manifest[key] for key in COPIED_KEYS if key in manifest},
            "migrated_from": {
                "store": "faiss",
                "index_dir": str(source_dir),
                "created_at": manifest.get("created_at"),
            },
            **milvus_entries(target, kind),
        }
    )
    index.flush()
    stored = index.count()
    if stored != len(source):
        raise MigrationError(
            f"Milvus holds {stored} chunk rows after the copy, the faiss index {len(source)}: "
            "run the migration again"
        )
    report.documents = len(documents)
    report.chunks = stored
    report.vector_index = kind
    report.seconds = time.perf_counter() - started
    return report
