"""Connecting to Milvus and the helpers both the index writer and the store use: the URI and
its lock, the collection schema's limits, BM25 term encoding, index parameters, and the rows of
chunks seen in search results (``milvus.py`` holds the store, ``milvus_index.py`` the writer)."""

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

from ...core.errors import RagError
from ...core.types import Chunk
from ...text.analyzer import STOPWORDS, analyze

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
def quiet() -> Iterator[None]:
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
        with quiet():
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


def encode_term(term: str) -> str:
    """A term Milvus's standard tokenizer keeps whole: ``[a-z0-9]+`` as is, else ``x`` + hex."""
    return term if _PLAIN.fullmatch(term) else "x" + term.encode("utf-8").hex()


def bm25_text(text: str, analyzer: str) -> str:
    """What goes into ``terms`` (at ingest) or the BM25 query (at search)."""
    if analyzer == "milvus":
        return text
    return " ".join(encode_term(t) for t in analyze(text))


def analyzer_params(analyzer: str) -> dict[str, Any]:
    if analyzer == "milvus":
        return {
            "tokenizer": "standard",
            "filter": ["lowercase", {"type": "stop", "stop_words": sorted(STOPWORDS)}],
        }
    return {"tokenizer": "standard", "filter": ["lowercase"]}


def literal(value: str) -> str:
    """A Milvus filter-expression string literal."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def in_filter(field: str, values: Iterable[str]) -> str:
    return f"{field} in [{', '.join(literal(v) for v in values)}]"


def fit_varchar(value: str, limit: int) -> str:
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


def chunk_from_entity(entity: dict[str, Any], chunk_id: str) -> Chunk:
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
