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

import json
import logging
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ...core.errors import IndexIncompatibleError, IndexMissingError, RagError
from ...ingest.chunking import Chunk
from ...text.analyzer import _STOPWORDS, analyze

if TYPE_CHECKING:
    from ...core.settings import Settings

SCHEMA_VERSION = 1
META_SUFFIX = "_meta"
MANIFEST_KEY = "manifest"
DOC_PREFIX = "doc:"
UPSERT_BATCH = 256
DELETE_BATCH = 1000
MAX_VARCHAR = 65_535
MAX_ID = 2_048
ROW_CACHE = 100_000
CHUNK_FIELDS = ["chunk_id", "doc_id", "title", "section", "text", "position", "flags"]
# BM25 as bm25s's default ("lucene"): k1 1.5, b 0.75. Milvus Lite uses these values whatever
# the index says; a Milvus server reads them from the index parameters.
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}
# Chunks below this are searched exactly (FLAT, the same ranking as faiss IndexFlatIP);
# up to the next one HNSW; beyond it IVF_SQ8, whose memory is a quarter of the raw vectors.
FLAT_BELOW = 100_000
HNSW_BELOW = 10_000_000
HNSW_PARAMS = {"M": 16, "efConstruction": 200}

_PLAIN = re.compile(r"[a-z0-9]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

log = logging.getLogger(__name__)


class StoreUnavailableError(RagError):
    """The Milvus engine cannot be reached or opened."""


# --- settings and connection -------------------------------------------------------------


def milvus_uri(settings: Settings) -> str:
    """``MILVUS_URI``/``milvus_uri``, else a Milvus Lite file under the index folder."""
    return settings.milvus_uri or str(settings.index_dir / "milvus.db")


def is_local(uri: str) -> bool:
    """True for a Milvus Lite file (no ``scheme://``)."""
    return not _SCHEME.match(uri)


def describe(settings: Settings) -> str:
    return f"Milvus collection {settings.milvus_collection} at {milvus_uri(settings)}"


@contextmanager
def _quiet() -> Iterator[None]:
    """pymilvus and Milvus Lite log a stack trace for errors this module reports in one line."""
    # grpc._server: Milvus Lite's in-process server logs unimplemented RPCs (AllocTimestamp,
    # which pymilvus's query iterator tries first and then does without).
    loggers = [logging.getLogger(n) for n in ("pymilvus", "milvus_lite", "grpc._server")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def connect(settings: Settings) -> Any:
    """A ``pymilvus.MilvusClient`` for the configured engine, or a one-line error."""
    # pymilvus parses MILVUS_URI when first imported and rejects a Milvus Lite path there.
    env_uri = os.environ.get("MILVUS_URI")
    if env_uri is not None and is_local(env_uri):
        del os.environ["MILVUS_URI"]
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreUnavailableError(
            "vector_store is milvus but pymilvus is not installed: "
            "pip install 'pymilvus>=3.0.2,<4' 'milvus-lite>=3.2,<4'"
        ) from None
    finally:
        if env_uri is not None:
            os.environ["MILVUS_URI"] = env_uri
    uri = milvus_uri(settings)
    if is_local(uri):
        if not uri.endswith(".db"):
            raise StoreUnavailableError(
                f"milvus_uri {uri} is neither a Milvus Lite file (*.db) nor http(s)://host:port"
            )
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
    try:
        with _quiet():
            return MilvusClient(uri=uri, token=token)
    except Exception as exc:
        if is_local(uri):
            raise StoreUnavailableError(
                f"cannot open Milvus Lite file {uri}: another process (serve, ingest, eval) may "
                "hold it (Milvus Lite allows one process per file); stop it, or run a Milvus "
                "server and set MILVUS_URI"
            ) from None
        raise StoreUnavailableError(f"cannot connect to Milvus at {uri}: {exc}") from None


# --- BM25 terms ----------------------------------------------------------------------------


def _encode(term: str) -> str:
    """A term Milvus's standard tokenizer keeps whole: ``[a-z0-9]+`` as is, else ``x`` + hex."""
    return term if _PLAIN.fullmatch(term) else "x" + term.encode("utf-8").hex()


def bm25_text(text: str, analyzer: str) -> str:
    """What goes into ``terms`` (at ingest) or the BM25 query (at search)."""
    if analyzer == "milvus":
        return text
    return " ".join(_encode(t) for t in analyze(text))


def analyzer_params(analyzer: str) -> dict[str, Any]:
    if analyzer == "milvus":
        return {
            "tokenizer": "standard",
            "filter": ["lowercase", {"type": "stop", "stop_words": sorted(_STOPWORDS)}],
        }
    return {"tokenizer": "standard", "filter": ["lowercase"]}


def _literal(value: str) -> str:
    """A Milvus filter-expression string literal."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} in [{', '.join(_literal(v) for v in values)}]"


def _fit(value: str, limit: int) -> str:
    data = value.encode("utf-8")
    return value if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


# --- index parameters ----------------------------------------------------------------------


def index_kind(chunks: int, setting: str = "auto") -> str:
    """FLAT below 100k chunks, HNSW below 10M, IVF_SQ8 beyond (docs/scaling.md)."""
    if setting != "auto":
        return setting
    if chunks < FLAT_BELOW:
        return "FLAT"
    return "HNSW" if chunks < HNSW_BELOW else "IVF_SQ8"


def ivf_nlist(chunks: int) -> int:
    """About 4 * sqrt(n) lists, a power of two between 1024 and 65536."""
    target = 4 * math.sqrt(max(chunks, 1))
    return int(min(65_536, max(1_024, 2 ** round(math.log2(target)))))


def dense_index_params(kind: str, chunks: int) -> dict[str, Any]:
    if kind == "HNSW":
        return dict(HNSW_PARAMS)
    if kind in ("IVF_FLAT", "IVF_SQ8"):
        return {"nlist": ivf_nlist(chunks)}
    return {}


def dense_search_params(kind: str, nlist: int | None, limit: int) -> dict[str, Any]:
    if kind == "HNSW":
        return {"ef": max(128, limit)}
    if kind in ("IVF_FLAT", "IVF_SQ8"):
        return {"nprobe": max(16, (nlist or 1_024) // 256)}
    return {}


# --- rows: the retriever addresses chunks by int ------------------------------------------


# term_df counts a term's chunks up to this many.
DF_CAP = 1000


class RowChunks(Sequence[Chunk]):
    """Chunks seen in search results, addressed by an int row as the retriever expects.

    Rows are handed out in order of first sight and never reused; the oldest chunks are
    forgotten beyond ``ROW_CACHE`` entries (a request uses its rows within milliseconds).
    """

    def __init__(self, capacity: int = ROW_CACHE):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._by_row: OrderedDict[int, Chunk] = OrderedDict()
        self._row_of: dict[str, int] = {}
        self._next = 0

    def add(self, chunk: Chunk) -> int:
        with self._lock:
            row = self._row_of.get(chunk.chunk_id)
            if row is None or row not in self._by_row:
                row = self._next
                self._next += 1
                self._row_of[chunk.chunk_id] = row
            self._by_row[row] = chunk
            self._by_row.move_to_end(row)
            while len(self._by_row) > self.capacity:
                old, gone = self._by_row.popitem(last=False)
                if self._row_of.get(gone.chunk_id) == old:
                    del self._row_of[gone.chunk_id]
            return row

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> Sequence[Chunk]: ...

    def __getitem__(self, row: int | slice) -> Chunk | Sequence[Chunk]:
        if isinstance(row, slice):
            raise TypeError("RowChunks is addressed by row, not sliced")
        try:
            return self._by_row[row]
        except KeyError:
            raise IndexError(f"row {row} is not in the chunk cache") from None

    def __len__(self) -> int:
        return len(self._by_row)

    def __iter__(self) -> Iterator[Chunk]:
        return iter(list(self._by_row.values()))


def _chunk(entity: dict[str, Any], chunk_id: str) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=entity["doc_id"],
        title=entity["title"],
        section=entity["section"],
        text=entity["text"],
        position=int(entity["position"]),
        flags=json.loads(entity.get("flags") or "[]"),
    )


# --- the collections -----------------------------------------------------------------------


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
        with _quiet():
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
                    "title": _fit(chunk.title, MAX_ID),
                    "section": _fit(chunk.section, MAX_ID),
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
            expr = _in("doc_id", doc_ids[start : start + 100])
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
            out.append((self.chunks.add(_chunk(entity, chunk_id)), abs(score) if bm25 else score))
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
        hits = self._search([terms], "sparse", len(unique), filter=_in("chunk_id", unique))
        scores = {str(h.get("id", h.get("chunk_id"))): abs(float(h["distance"])) for h in hits}
        return [scores.get(c, 0.0) for c in chunk_ids]

    def term_df(self, term: str) -> int:
        """Chunks that contain ``term``: the hits of a BM25 search for it alone, counted up to
        ``DF_CAP`` (beyond that its IDF is near zero anyway); cached per term."""
        known = self._df.get(term)
        if known is None:
            encoded = (
                self._query_terms(term)
                if self.settings.milvus_analyzer == "milvus"
                else _encode(term)
            )
            hits = self.client.search(
                self.collection,
                data=[encoded],
                anns_field="sparse",
                limit=max(1, min(DF_CAP, len(self))),
                output_fields=["chunk_id"],
            )
            known = len(hits[0]) if hits else 0
            if len(self._df) > 10_000:
                self._df.clear()
            self._df[term] = known
        return known

    def has_term(self, term: str) -> bool:
        """True when some chunk has ``term`` (a BM25 search for it alone finds a chunk)."""
        known = self._terms.get(term)
        if known is None:
            encoded = (
                self._query_terms(term)
                if self.settings.milvus_analyzer == "milvus"
                else _encode(term)
            )
            hits = self.client.search(
                self.collection,
                data=[encoded],
                anns_field="sparse",
                limit=1,
                output_fields=["chunk_id"],
            )
            known = bool(hits and len(hits[0]))
            if len(self._terms) > 10_000:
                self._terms.clear()
            self._terms[term] = known
        return known
