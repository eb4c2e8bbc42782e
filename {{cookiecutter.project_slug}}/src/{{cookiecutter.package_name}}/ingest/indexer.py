"""Build or update the index from a folder of documents.

Unchanged documents (same content hash, chunking settings and embedder weights) keep their
chunks and vectors; only new or changed documents are embedded again.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import DocsError, RagError
from ..core.types import Chunk
from ..guardrails import flags
from ..guardrails.pii import PiiRedactor
from ..retrieval.stores.local import IndexData, load_index_data, sentence_rows, write_index
from .acl import load_rules
from .base import (
    EMBED_BLOCK,
    IngestReport,
    Progress,
    fingerprint,
    manifest_base,
    passages,
    prepare,
)
from .chunking import HFTokenCounter
from .loaders import SUPPORTED, SkipDocument, discover, doc_id_for, load_document

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder


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
    access = load_rules(docs_dir)
    # [vector_store=milvus]
    if settings.vector_store == "milvus":
        from .milvus_indexer import RESTRICTED, ingest_milvus

        if access.rules:
            raise DocsError(RESTRICTED)

        return ingest_milvus(docs_dir, files, settings, embedder, progress, started)
    # [/vector_store=milvus]

    built_with = fingerprint(settings, embedder)
    report = IngestReport(index_dir=settings.index_dir)
    previous, report.note = _previous(settings.index_dir, built_with)
    old_docs: dict[str, Any] = previous.manifest["documents"] if previous else {}
    old_rows: dict[str, list[int]] = {}
    if previous:
        for row, chunk in enumerate(previous.chunks):
            old_rows.setdefault(chunk.doc_id, []).append(row)

    scans = flags.signatures()
    rescan = previous is not None and previous.manifest.get("scans") != scans
    counter = HFTokenCounter(embedder.tokenizer)
    pii = PiiRedactor()
    documents: dict[str, dict[str, Any]] = {}
    chunks: list[Chunk] = []
    vectors: list[np.ndarray | None] = []
    sentence_vectors: list[np.ndarray | None] = []
    old_sentences = sentence_rows(previous.chunks if previous else [])
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
            # Permissions are read again every time: a change of groups alone re-labels the
            # chunks, their vectors are kept.
            groups = list(access.groups_for(doc_id, doc.allowed_groups))
            reused = [replace(previous.chunks[r], groups=groups) for r in rows]
            if rescan:  # flagged by other rules: flag again (stored text is not redacted again)
                report.flagged_chunks += flags.scan(reused, pii)
            chunks.extend(reused)
            vectors.extend(previous.embeddings[r] for r in rows)
            sentence_vectors.extend(
                previous.sentences[old_sentences[r] : old_sentences[r + 1]] for r in rows
            )
            documents[doc_id] = {**old, "groups": groups}
            continue
        (report.changed if old else report.new).append(doc_id)
        doc_chunks, documents[doc_id], flagged = prepare(
            doc, counter, settings, embedder, pii, settings.redact_pii_at_ingest
        )
        report.flagged_chunks += flagged
        groups = list(access.groups_for(doc_id, doc.allowed_groups))
        for chunk in doc_chunks:
            chunk.groups = groups
        documents[doc_id]["groups"] = groups
        chunks.extend(doc_chunks)
        vectors.extend([None] * len(doc_chunks))
        sentence_vectors.extend([None] * len(doc_chunks))
    if not documents:
        reasons = "; ".join(f"{d}: {r}" for d, r in report.skipped[:3])
        raise DocsError(f"no document in {docs_dir} could be indexed ({reasons}); index unchanged")

    todo = [i for i, v in enumerate(vectors) if v is None]
    for start in range(0, len(todo), EMBED_BLOCK):
        rows = todo[start : start + EMBED_BLOCK]
        texts, spans = passages([chunks[i] for i in rows])
        encoded, pooled = embedder.encode_passages(texts, spans)
        for i, vector, sentences in zip(rows, encoded, pooled, strict=True):
            vectors[i] = vector
            sentence_vectors[i] = sentences
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
        "scans": scans,
    }
    if progress:
        progress("write", 0, 1)
    sentences = np.vstack(
        [np.zeros((0, embedder.dim), np.float32), *[v for v in sentence_vectors if v is not None]]
    ).astype(np.float32)
    write_index(
        settings.index_dir,
        IndexData(chunks, matrix, manifest, sentences),
        hnsw_threshold=settings.hnsw_threshold,
        hnsw_ef_search=settings.hnsw_ef_search,
    )
    if progress:
        progress("write", 1, 1)
    report.documents = len(documents)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    return report
