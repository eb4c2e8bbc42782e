"""Writing the index into Milvus: collections, schema, upserts and the manifest (the store in
``milvus.py`` reads what this writes)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...core.errors import RagError
from ...core.types import Chunk

if TYPE_CHECKING:
    from ...core.settings import Settings

from .milvus_client import (
    BM25_PARAMS,
    DELETE_BATCH,
    DOC_PREFIX,
    MANIFEST_KEY,
    MAX_ID,
    MAX_VARCHAR,
    META_SUFFIX,
    SCHEMA_VERSION,
    UPSERT_BATCH,
    analyzer_params,
    bm25_text,
    connect,
    dense_index_params,
    fit_varchar,
    in_filter,
    index_kind,
    is_local,
    milvus_uri,
    quiet,
)


class MilvusIndex:
    """Schema, manifest and writes; ``MilvusStore`` adds the reads the retriever needs."""

    def __init__(self, settings: Settings, client: Any | None = None):
        self.settings = settings
        self.uri = milvus_uri(settings)
        self.collection = settings.milvus_collection
        self.meta_collection = self.collection + META_SUFFIX
        self.client = client if client is not None else connect(settings)
        self.upserted = 0
        self.deleted = 0

    # manifest and documents

    def exists(self) -> bool:
        return bool(self.client.has_collection(self.collection)) and bool(
            self.client.has_collection(self.meta_collection)
        )

    def load(self) -> None:
        """Load both collections into memory (a new connection finds them released)."""
        for name in (self.collection, self.meta_collection):
            self.client.load_collection(name)

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.exists():
            return None
        self.load()
        rows = self.client.get(self.meta_collection, ids=[MANIFEST_KEY], output_fields=["value"])
        if not rows:
            return None
        manifest: dict[str, Any] = json.loads(rows[0]["value"])
        return manifest

    def _scan(self, collection: str, expr: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every row matching ``expr``, fetched in batches by a query iterator."""
        with quiet():
            iterator = self.client.query_iterator(
                collection, batch_size=1_000, filter=expr, output_fields=fields
            )
            try:
                while batch := iterator.next():
                    yield from batch
            finally:
                iterator.close()

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every indexed document's metadata."""
        return {
            row["key"][len(DOC_PREFIX) :]: json.loads(row["value"])
            for row in self._scan(self.meta_collection, 'kind == "doc"', ["key", "value"])
        }

    def _meta_rows(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), UPSERT_BATCH):
            self.client.upsert(self.meta_collection, rows[start : start + UPSERT_BATCH])

    def write_documents(self, docs: dict[str, dict[str, Any]]) -> None:
        self._meta_rows(
            [
                {
                    "key": DOC_PREFIX + doc_id,
                    "kind": "doc",
                    "value": json.dumps(meta, ensure_ascii=False),
                    "v": [1.0, 0.0],
                }
                for doc_id, meta in docs.items()
            ]
        )

    def delete_documents(self, doc_ids: list[str]) -> None:
        keys = [DOC_PREFIX + d for d in doc_ids]
        for start in range(0, len(keys), DELETE_BATCH):
            self.client.delete(self.meta_collection, ids=keys[start : start + DELETE_BATCH])

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        value = json.dumps({**manifest, "schema_version": SCHEMA_VERSION}, ensure_ascii=False)
        if len(value.encode("utf-8")) > MAX_VARCHAR:
            raise RagError("the Milvus manifest is too large (over 64 KiB)")
        self._meta_rows(
            [{"key": MANIFEST_KEY, "kind": "manifest", "value": value, "v": [1.0, 0.0]}]
        )

    # schema

    def drop(self) -> None:
        for name in (self.collection, self.meta_collection):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    def create(self, dim: int, chunks: int) -> None:
        """Create both collections (chunk schema, BM25 function, indexes) and load them."""
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=MAX_ID)
        schema.add_field("doc_sha256", DataType.VARCHAR, max_length=64)
        schema.add_field("title", DataType.VARCHAR, max_length=MAX_ID)
        schema.add_field("section", DataType.VARCHAR, max_length=MAX_ID)
        schema.add_field("position", DataType.INT64)
        schema.add_field("flags", DataType.VARCHAR, max_length=1_024)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field(
            "terms",
            DataType.VARCHAR,
            max_length=MAX_VARCHAR,
            enable_analyzer=True,
            analyzer_params=analyzer_params(self.settings.milvus_analyzer),
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_function(
            Function(
                name="terms_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["terms"],
                output_field_names=["sparse"],
            )
        )
        index = self.client.prepare_index_params()
        index.add_index(
            "sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params=dict(BM25_PARAMS),
        )
        kind = index_kind(chunks, self.settings.milvus_index)
        index.add_index(
            "vector",
            index_type=kind,
            metric_type="IP",
            params=dense_index_params(kind, chunks),
        )
        self.client.create_collection(
            self.collection, schema=schema, index_params=index, consistency_level="Strong"
        )

        meta = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        meta.add_field("key", DataType.VARCHAR, is_primary=True, max_length=MAX_ID + 8)
        meta.add_field("kind", DataType.VARCHAR, max_length=16)
        meta.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
        meta.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field
        meta_index = self.client.prepare_index_params()
        meta_index.add_index("v", index_type="FLAT", metric_type="IP")
        self.client.create_collection(
            self.meta_collection, schema=meta, index_params=meta_index, consistency_level="Strong"
        )

    def dense_index(self) -> tuple[str, int | None]:
        info = self.client.describe_index(self.collection, "vector")
        params = info.get("params") or {}
        nlist = info.get("nlist") or params.get("nlist")
        return str(info.get("index_type", "FLAT")), int(nlist) if nlist else None

    def ensure_index(self, chunks: int) -> str | None:
        """Rebuild the vector index when the collection's size calls for another kind."""
        kind = index_kind(chunks, self.settings.milvus_index)
        current, _ = self.dense_index()
        if current == kind:
            return None
        self.client.release_collection(self.collection)
        self.client.drop_index(self.collection, "vector")
        index = self.client.prepare_index_params()
        index.add_index(
            "vector", index_type=kind, metric_type="IP", params=dense_index_params(kind, chunks)
        )
        self.client.create_index(self.collection, index)
        self.client.load_collection(self.collection)
        return f"vector index rebuilt: {current} -> {kind} for {chunks} chunks"

    # chunk writes

    def upsert_chunks(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, doc_sha: dict[str, str]
    ) -> int:
        """Upsert chunks keyed by chunk id, in batches; returns the rows written."""
        analyzer = self.settings.milvus_analyzer
        rows = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            terms = bm25_text(chunk.indexed_text, analyzer)
            for name, value in (
                ("chunk id", chunk.chunk_id),
                ("text", chunk.text),
                ("terms", terms),
            ):
                limit = MAX_ID if name == "chunk id" else MAX_VARCHAR
                if len(value.encode("utf-8")) > limit:
                    raise RagError(
                        f"chunk {chunk.chunk_id[:80]}: {name} is over Milvus's {limit}-byte "
                        "VARCHAR limit; lower chunk_tokens or shorten the document path"
                    )
            rows.append(
                {
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "doc_sha256": doc_sha.get(chunk.doc_id, ""),
                    "title": fit_varchar(chunk.title, MAX_ID),
                    "section": fit_varchar(chunk.section, MAX_ID),
                    "position": chunk.position,
                    "flags": json.dumps(chunk.flags),
                    "text": chunk.text,
                    "terms": terms,
                    "vector": np.asarray(vector, dtype=np.float32).tolist(),
                }
            )
        for start in range(0, len(rows), UPSERT_BATCH):
            self.client.upsert(self.collection, rows[start : start + UPSERT_BATCH])
        self.upserted += len(rows)
        return len(rows)

    def delete_chunks(self, chunk_ids: list[str]) -> int:
        for start in range(0, len(chunk_ids), DELETE_BATCH):
            self.client.delete(self.collection, ids=chunk_ids[start : start + DELETE_BATCH])
        self.deleted += len(chunk_ids)
        return len(chunk_ids)

    def chunk_ids_of(self, doc_ids: list[str]) -> list[str]:
        """The chunk ids stored for ``doc_ids``."""
        ids: list[str] = []
        for start in range(0, len(doc_ids), 100):
            expr = in_filter("doc_id", doc_ids[start : start + 100])
            ids.extend(
                str(row["chunk_id"]) for row in self._scan(self.collection, expr, ["chunk_id"])
            )
        return ids

    def count(self) -> int:
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def flush(self) -> None:
        if not is_local(self.uri):  # Milvus Lite persists on write; a server seals segments
            self.client.flush(self.collection)
            self.client.flush(self.meta_collection)
