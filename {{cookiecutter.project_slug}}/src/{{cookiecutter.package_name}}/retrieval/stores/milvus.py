"""The index in a Milvus collection: the same retrieval, served by a standalone or clustered engine.

``MILVUS_URI`` picks the engine: a local Milvus Lite file (default ``<index_dir>/milvus.db``),
``http://host:19530`` for a standalone server or a cluster, or a Zilliz Cloud endpoint
(with ``MILVUS_TOKEN``). The code is the same for all of them: pymilvus speaks one protocol.

Two collections per index:

- ``<milvus_collection>``: one row per chunk, primary key the chunk id (``doc_id#n``). ``terms``
  is analysed by Milvus and turned into a sparse vector by a BM25 function; ``vector`` holds the
  normalised embedding (inner product = cosine). Rows are upserted, so ingest is idempotent.
- ``<milvus_collection>_meta``: the manifest (``key="manifest"``) and one row per document
  (``key="doc:<doc_id>"``) with its content hash and chunk count. A document's row is written
  after its chunks, so an interrupted ingest is repaired by the next one.

BM25 terms: with ``milvus_analyzer: project`` (default) ``terms`` holds this project's analyser
output (stems, stopwords dropped, identifiers such as ``hx-4200`` kept whole), encoded so that
Milvus's ``standard`` tokenizer keeps every term intact; queries are encoded the same way, so
BM25 sees the same terms as the faiss store's bm25s. ``milvus`` sends the raw text to Milvus's
standard analyzer (lower-case, the same English stopwords, no stemming; identifiers are split).

Search modes: ``bm25`` is a BM25 sparse search, ``dense`` a vector search, ``hybrid`` one
server-side ``hybrid_search`` with Milvus's ``RRFRanker(k=rrf_k)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...core.errors import IndexIncompatibleError, IndexMissingError
from .milvus_client import (
    CHUNK_FIELDS,
    DF_CAP,
    SCHEMA_VERSION,
    RowChunks,
    StoreUnavailableError,
    bm25_text,
    chunk_from_entity,
    connect,
    dense_search_params,
    describe,
    encode_term,
    in_filter,
    index_kind,
    is_local,
    ivf_nlist,
    milvus_uri,
)
from .milvus_index import MilvusIndex

if TYPE_CHECKING:
    from ...core.settings import Settings

# The helpers callers reach through this module (ingest, migration, bench, tests).
__all__ = [
    "SCHEMA_VERSION",
    "MilvusIndex",
    "MilvusStore",
    "StoreUnavailableError",
    "bm25_text",
    "connect",
    "describe",
    "index_kind",
    "is_local",
    "ivf_nlist",
    "milvus_uri",
]


class MilvusStore(MilvusIndex):
    """The ``ChunkStore`` the retriever and pipeline use, backed by Milvus."""

    name = "milvus"

    def __init__(self, settings: Settings, client: Any | None = None):
        super().__init__(settings, client)
        manifest = self.read_manifest()
        if manifest is None:
            raise IndexMissingError(
                f"no index in {describe(settings)}: run `ingest DOCS_DIR` first"
            )
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexIncompatibleError(
                f"{describe(settings)} has index schema {manifest.get('schema_version')}, "
                f"this version reads {SCHEMA_VERSION}: re-run `ingest`"
            )
        if manifest.get("milvus_analyzer", "project") != settings.milvus_analyzer:
            raise IndexIncompatibleError(
                f"{describe(settings)} was built with milvus_analyzer "
                f"{manifest.get('milvus_analyzer')}, settings say {settings.milvus_analyzer}: "
                "re-run `ingest`"
            )
        self.manifest = manifest
        self.chunks = RowChunks()
        self.kind, self.nlist = self.dense_index()
        self._terms: dict[str, bool] = {}
        self._df: dict[str, int] = {}

    def __len__(self) -> int:
        return int(self.manifest.get("counts", {}).get("chunks", 0))

    def _rows(self, hits: list[dict[str, Any]], bm25: bool) -> list[tuple[int, float]]:
        out = []
        for hit in hits:
            entity = hit.get("entity", hit)
            chunk_id = str(hit.get("id", hit.get("chunk_id", entity.get("chunk_id"))))
            score = float(hit["distance"])
            # Milvus Lite 3.2 returns BM25 scores negated; a Milvus server returns them positive.
            out.append(
                (
                    self.chunks.add(chunk_from_entity(entity, chunk_id)),
                    abs(score) if bm25 else score,
                )
            )
        return out

    def _query_terms(self, query: str) -> str:
        return bm25_text(query, self.settings.milvus_analyzer).strip()

    def _search(self, data: list[Any], field: str, limit: int, **kw: Any) -> list[dict[str, Any]]:
        result = self.client.search(
            self.collection,
            data=data,
            anns_field=field,
            limit=limit,
            output_fields=CHUNK_FIELDS,
            **kw,
        )
        return list(result[0]) if result else []

    # Ingest and migration refuse documents with permissions for Milvus (no filter yet).
    restricted = False

    def allowed(self, groups: frozenset[str]) -> None:
        return None

    def bm25(self, query: str, n: int) -> list[tuple[int, float]]:
        terms = self._query_terms(query)
        if not terms or n <= 0:
            return []
        hits = self._search([terms], "sparse", n)
        return [(row, s) for row, s in self._rows(hits, bm25=True) if s > 0]

    def dense(self, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        if n <= 0:
            return []
        params = dense_search_params(self.kind, self.nlist, n)
        hits = self._search(
            [np.asarray(vector, dtype=np.float32).tolist()],
            "vector",
            n,
            search_params={"metric_type": "IP", "params": params},
        )
        return self._rows(hits, bm25=False)

    def hybrid(
        self, query: str, vector: np.ndarray, n: int, limit: int, rrf_k: int, bm25_weight: float
    ) -> list[tuple[int, float]]:
        """Server-side RRF over a BM25 and a dense search of ``n`` candidates each.

        Milvus's RRFRanker has no per-route weights; a BM25 weight w >= 1 is applied by sending
        the BM25 route round(w) times, which adds exactly w / (k + rank) for integer w.
        """
        from pymilvus import AnnSearchRequest, RRFRanker

        params = dense_search_params(self.kind, self.nlist, n)
        requests = [
            AnnSearchRequest(
                data=[np.asarray(vector, dtype=np.float32).tolist()],
                anns_field="vector",
                param={"metric_type": "IP", "params": params},
                limit=n,
            )
        ]
        terms = self._query_terms(query)
        if terms:
            bm25 = AnnSearchRequest(
                data=[terms], anns_field="sparse", param={"metric_type": "BM25"}, limit=n
            )
            requests = [bm25] * max(1, round(bm25_weight)) + requests
        result = self.client.hybrid_search(
            self.collection,
            reqs=requests,
            ranker=RRFRanker(rrf_k),
            limit=limit,
            output_fields=CHUNK_FIELDS,
        )
        return self._rows(list(result[0]) if result else [], bm25=False)

    def _ids(self, rows: list[int]) -> list[str]:
        return [self.chunks[r].chunk_id for r in rows]

    def dense_scores(self, vector: np.ndarray, ids: list[int]) -> list[float]:
        if not ids:
            return []
        chunk_ids = self._ids(ids)
        got = self.client.get(
            self.collection, ids=list(dict.fromkeys(chunk_ids)), output_fields=["vector"]
        )
        vectors = {str(r["chunk_id"]): np.asarray(r["vector"], dtype=np.float32) for r in got}
        q = np.asarray(vector, dtype=np.float32)
        return [float(vectors[c] @ q) if c in vectors else 0.0 for c in chunk_ids]

    def bm25_scores(self, query: str, ids: list[int]) -> list[float]:
        terms = self._query_terms(query)
        if not ids or not terms:
            return [0.0] * len(ids)
        chunk_ids = self._ids(ids)
        unique = list(dict.fromkeys(chunk_ids))
        hits = self._search([terms], "sparse", len(unique), filter=in_filter("chunk_id", unique))
        scores = {str(h.get("id", h.get("chunk_id"))): abs(float(h["distance"])) for h in hits}
        return [scores.get(c, 0.0) for c in chunk_ids]

    def _chunks_with(self, term: str, limit: int) -> int:
        """How many chunks (up to ``limit``) a BM25 search for ``term`` alone finds."""
        encoded = (
            self._query_terms(term)
            if self.settings.milvus_analyzer == "milvus"
            else encode_term(term)
        )
        hits = self.client.search(
            self.collection,
            data=[encoded],
            anns_field="sparse",
            limit=limit,
            output_fields=["chunk_id"],
        )
        return len(hits[0]) if hits else 0

    def term_df(self, term: str) -> int:
        """Chunks that contain ``term``, counted up to ``DF_CAP`` (beyond that its IDF is near zero
        anyway); cached per term."""
        known = self._df.get(term)
        if known is None:
            known = self._chunks_with(term, max(1, min(DF_CAP, len(self))))
            if len(self._df) > 10_000:
                self._df.clear()
            self._df[term] = known
        return known

    def has_term(self, term: str) -> bool:
        """True when some chunk has ``term`` (a BM25 search for it alone finds a chunk)."""
        known = self._terms.get(term)
        if known is None:
            known = self._chunks_with(term, 1) > 0
            if len(self._terms) > 10_000:
                self._terms.clear()
            self._terms[term] = known
        return known
