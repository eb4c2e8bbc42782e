"""The on-disk index: chunks, embeddings, a faiss index and a bm25s index, behind one interface.

Layout: ``<index_dir>/CURRENT`` names the live version folder ``<index_dir>/v-<timestamp>/``.
A new version is written beside the live one and ``CURRENT`` is replaced atomically, so an
interrupted ingest leaves the previous index in place. Every file's sha256 is in the manifest
and checked at load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ...core.checksums import sha256_file as _sha256
from ...core.errors import IndexIncompatibleError, IndexMissingError
from ...core.types import Chunk
from ...text.analyzer import analyze

INDEX_SCHEMA_VERSION = 2  # 2: sentence vectors (sentences.npy) for extractive answers
POINTER = "CURRENT"
MANIFEST = "manifest.json"
KEEP_VERSIONS = 2
_VERSION_NAME = re.compile(r"^v-[0-9T]+-[0-9]+$")
HNSW_M = 32  # graph degree: recall vs memory; 32 keeps recall@10 near exact for 384-d MiniLM
HNSW_EF_CONSTRUCTION = 200


class ChunkStore(Protocol):
    """What the retriever needs from a store; a server-side engine can implement it too."""

    manifest: dict[str, Any]
    restricted: bool  # some chunk is readable by some groups only

    @property
    def chunks(self) -> Sequence[Chunk]: ...  # indexed by the int rows the searches return

    def bm25(self, query: str, n: int) -> list[tuple[int, float]]: ...

    def dense(self, vector: np.ndarray, n: int) -> list[tuple[int, float]]: ...

    def dense_scores(self, vector: np.ndarray, ids: list[int]) -> list[float]: ...

    def bm25_scores(self, query: str, ids: list[int]) -> list[float]: ...

    def has_term(self, term: str) -> bool: ...

    def allowed(self, groups: frozenset[str]) -> np.ndarray | None: ...  # None: every row

    def term_df(self, term: str) -> int: ...  # chunks that contain the analysed term

    def __len__(self) -> int: ...


FILTERED_HNSW_SHARE = 0.5
"""An HNSW index searches with a filter when at least this share of rows is allowed (a filtered
graph walk over a small allowed set finds too few)."""


def _top(scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    n = min(n, scores.shape[0])
    if n <= 0:
        return []
    idx = np.argpartition(-scores, n - 1)[:n]
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def live_version(index_dir: Path) -> Path:
    """The live version folder, or a one-line error saying what to run."""
    pointer = index_dir / POINTER
    if not pointer.is_file():
        if (index_dir / MANIFEST).is_file() or (index_dir / "chunks.jsonl").is_file():
            raise IndexIncompatibleError(
                f"{index_dir} was built by an older version of this project: re-run `ingest`"
            )
        raise IndexMissingError(f"no index at {index_dir}: run `ingest DOCS_DIR` first")
    name = pointer.read_text(encoding="utf-8", errors="replace").strip()
    version = index_dir / name
    if not _VERSION_NAME.match(name) or not (version / MANIFEST).is_file():
        raise IndexIncompatibleError(f"{index_dir} points at a missing version: re-run `ingest`")
    return version


def _manifest(version: Path) -> dict[str, Any]:
    """The version's manifest, or a one-line error if it is unreadable or lacks checksums."""
    try:
        manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexIncompatibleError(
            f"index manifest {version / MANIFEST} is damaged ({type(exc).__name__}): re-run `ingest`"
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexIncompatibleError(
            f"index manifest {version / MANIFEST} has no file checksums: re-run `ingest`"
        )
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any]:
    return _manifest(live_version(index_dir))


@dataclass
class IndexData:
    chunks: list[Chunk]
    embeddings: np.ndarray
    manifest: dict[str, Any]
    # One row per span in chunk.sentences, chunk after chunk (sentence_rows finds them).
    sentences: np.ndarray


def sentence_rows(chunks: Sequence[Chunk]) -> np.ndarray:
    """Where each chunk's sentence vectors start: chunk i owns rows [rows[i], rows[i + 1])."""
    return np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])]).astype(np.int64)


def build_dense_index(embeddings: np.ndarray, hnsw: bool, ef_search: int = 128) -> Any:
    """Exact inner-product search, or an HNSW graph (approximate) over normalised vectors."""
    import faiss

    dim = int(embeddings.shape[1])
    index: Any
    if hnsw:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = ef_search  # saved with the index
    else:
        index = faiss.IndexFlatIP(dim)
    if embeddings.shape[0]:
        index.add(np.ascontiguousarray(embeddings, dtype=np.float32))
    return index


def write_index(
    index_dir: Path, data: IndexData, hnsw_threshold: int | None = None, hnsw_ef_search: int = 128
) -> Path:
    """Write a new version beside the live one and switch ``CURRENT`` to it atomically.

    The dense index is HNSW when there are at least ``hnsw_threshold`` chunks, else exact.
    """
    import bm25s
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("v-%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    staging = index_dir / f".tmp-{name}"
    staging.mkdir()
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in data.chunks:
            fh.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
    np.save(staging / "embeddings.npy", data.embeddings.astype(np.float32))
    if data.sentences.shape[0] != int(sentence_rows(data.chunks)[-1]):
        raise ValueError("sentence vectors do not match the chunks' sentence spans")
    np.save(staging / "sentences.npy", data.sentences.astype(np.float32))
    hnsw = hnsw_threshold is not None and len(data.chunks) >= hnsw_threshold
    dense = build_dense_index(data.embeddings, hnsw, hnsw_ef_search)
    faiss.write_index(dense, str(staging / "faiss.index"))
    retriever = bm25s.BM25()
    retriever.index([analyze(c.indexed_text) for c in data.chunks], show_progress=False)
    retriever.save(str(staging / "bm25"), show_progress=False)

    files = sorted(p for p in staging.rglob("*") if p.is_file())
    manifest = dict(data.manifest)
    manifest["schema_version"] = INDEX_SCHEMA_VERSION
    manifest["dense_index"] = (
        {
            "type": "hnsw",
            "m": HNSW_M,
            "ef_construction": HNSW_EF_CONSTRUCTION,
            "ef_search": hnsw_ef_search,
        }
        if hnsw
        else {"type": "flat"}
    )
    manifest["files"] = {p.relative_to(staging).as_posix(): _sha256(p) for p in files}
    manifest["files_bytes"] = sum(p.stat().st_size for p in files)
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for p in [*files, staging / MANIFEST]:
        with p.open("rb") as fh:
            os.fsync(fh.fileno())
    final = index_dir / name
    staging.rename(final)
    tmp_pointer = index_dir / f".{POINTER}.tmp"
    tmp_pointer.write_text(name, encoding="utf-8")
    with tmp_pointer.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp_pointer, index_dir / POINTER)
    _fsync_dir(index_dir)
    _prune(index_dir, keep=name)
    return final


def _prune(index_dir: Path, keep: str) -> None:
    """Remove abandoned staging folders and all but the newest KEEP_VERSIONS versions."""
    for stale in index_dir.glob(".tmp-v-*"):
        shutil.rmtree(stale, ignore_errors=True)
    versions = sorted(p for p in index_dir.glob("v-*") if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


class LocalStore:
    """faiss (inner product on normalised vectors) + bm25s, all in this process."""

    name = "faiss"

    def __init__(self, index_dir: Path, verify: bool = True):
        import bm25s
        import faiss

        self.index_dir = index_dir
        self.version_dir = live_version(index_dir)
        self.manifest = _manifest(self.version_dir)
        if self.manifest.get("schema_version") != INDEX_SCHEMA_VERSION:
            raise IndexIncompatibleError(
                f"{index_dir} has index schema {self.manifest.get('schema_version')}, "
                f"this version reads {INDEX_SCHEMA_VERSION}: re-run `ingest`"
            )
        if verify:
            for rel, expected in self.manifest.get("files", {}).items():
                path = self.version_dir / rel
                if not path.is_file() or _sha256(path) != expected:
                    raise IndexIncompatibleError(
                        f"index file {path} is missing or damaged (checksum mismatch): re-run `ingest`"
                    )
        with (self.version_dir / "chunks.jsonl").open(encoding="utf-8") as fh:
            self.chunks = [Chunk.from_json(json.loads(line)) for line in fh]
        self.embeddings = np.load(self.version_dir / "embeddings.npy", allow_pickle=False)
        self.sentences = np.load(self.version_dir / "sentences.npy", allow_pickle=False)
        self._sentence_rows = sentence_rows(self.chunks)
        self._public: np.ndarray | None = None  # row masks by group, built on first use
        self.restricted = False
        self.relabelled()
        self.faiss = faiss.read_index(str(self.version_dir / "faiss.index"))
        self.bm25_index = bm25s.BM25.load(str(self.version_dir / "bm25"), show_progress=False)
        if not (len(self.chunks) == self.embeddings.shape[0] == self.faiss.ntotal) or (
            self.sentences.shape[0] != self._sentence_rows[-1]
        ):
            raise IndexIncompatibleError(f"{index_dir} is inconsistent: re-run `ingest`")

    def __len__(self) -> int:
        return len(self.chunks)

    def _bm25_all(self, query: str) -> np.ndarray:
        terms = analyze(query)
        if not terms or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25_index.get_scores(terms), dtype=np.float32)

    def bm25(
        self, query: str, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The top ``n`` chunks by BM25; with ``allowed`` (a row mask) only those rows compete."""
        scores = self._bm25_all(query)
        return _top(scores if allowed is None else np.where(allowed, scores, 0.0), n)

    def relabelled(self) -> None:
        """Forget the row masks after chunks' groups changed in memory (the bench does that)."""
        self._public = None
        self.restricted = any(c.groups for c in self.chunks)

    def allowed(self, groups: frozenset[str]) -> np.ndarray | None:
        """The rows a caller in ``groups`` may read (public ones and their groups' ones); None
        when the index restricts nothing."""
        if self._public is None:
            self._public = np.array([not c.groups for c in self.chunks], dtype=bool)
            self._by_group: dict[str, np.ndarray] = {}
            for row, chunk in enumerate(self.chunks):
                for group in chunk.groups:
                    self._by_group.setdefault(group, np.zeros(len(self.chunks), bool))[row] = True
        if self._public.all():
            return None
        mask = self._public.copy()
        for group in groups:
            if group in self._by_group:
                mask |= self._by_group[group]
        return mask

    def has_term(self, term: str) -> bool:
        return term in self.bm25_index.vocab_dict

    def term_df(self, term: str) -> int:
        """Chunks that contain ``term``: its column's length in bm25s's score matrix."""
        column = self.bm25_index.vocab_dict.get(term)
        if column is None:
            return 0
        indptr = self.bm25_index.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def bm25_scores(self, query: str, ids: list[int]) -> list[float]:
        scores = self._bm25_all(query)
        return [float(scores[i]) for i in ids]

    def dense(
        self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The top ``n`` chunks by inner product; with ``allowed`` (a row mask) only those rows
        compete. The exact index searches the best ``n / share allowed`` (doubled) rows and keeps
        the allowed ones, which are the exact answer whenever ``n`` of them are allowed; an HNSW
        index searches with a filter when most rows are allowed. Otherwise every row is scored
        and the allowed ones kept (the exact fallback for a small allowed set)."""
        import faiss

        n = min(n, len(self.chunks))
        if n <= 0:
            return []
        query = vector.reshape(1, -1).astype(np.float32)
        if allowed is None:
            return self._faiss_top(query, n)
        share = float(allowed.mean())
        if isinstance(self.faiss, faiss.IndexHNSW):
            if share >= FILTERED_HNSW_SHARE:
                bits = np.packbits(allowed, bitorder="little")
                selector = faiss.IDSelectorBitmap(len(self.chunks), faiss.swig_ptr(bits))
                return self._faiss_top(query, n, selector)
        elif share > 0:
            wider = min(len(self.chunks), 2 * int(np.ceil(n / share)))
            kept = [(r, s) for r, s in self._faiss_top(query, wider) if allowed[r]]
            if len(kept) >= n or wider == len(self.chunks):
                return kept[:n]
        scores = np.where(allowed, self.embeddings @ query[0], -np.inf)
        best = np.argsort(-scores, kind="stable")[:n]
        return [(int(r), float(scores[r])) for r in best if allowed[r]]

    def _faiss_top(
        self, query: np.ndarray, n: int, selector: Any = None
    ) -> list[tuple[int, float]]:
        import faiss

        # One query gains nothing from OpenMP threads, and threads left spinning after the
        # search would take the cores from the next stage (the setting is per calling thread).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            if selector is None:
                scores, ids = self.faiss.search(query, n)
            else:
                ef = self.faiss.hnsw.efSearch  # type: ignore[attr-defined]
                params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                    sel=selector, efSearch=ef
                )
                scores, ids = self.faiss.search(query, n, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def dense_scores(self, vector: np.ndarray, ids: list[int]) -> list[float]:
        if not ids:
            return []
        return [float(x) for x in self.embeddings[ids] @ vector]

    def sentence_vectors(self, row: int) -> np.ndarray:
        """The vectors of chunk row's sentences (chunk.sentences order), computed at ingest."""
        return self.sentences[self._sentence_rows[row] : self._sentence_rows[row + 1]]


def load_index_data(index_dir: Path) -> IndexData:
    """Chunks, embeddings and manifest of the live version (checksums verified)."""
    version = live_version(index_dir)
    manifest = _manifest(version)
    if manifest.get("schema_version") != INDEX_SCHEMA_VERSION:
        raise IndexIncompatibleError(f"{index_dir} has another index schema: re-run `ingest`")
    for rel in ("chunks.jsonl", "embeddings.npy", "sentences.npy"):
        if _sha256(version / rel) != manifest["files"].get(rel):
            raise IndexIncompatibleError(f"index file {version / rel} is damaged: re-run `ingest`")
    with (version / "chunks.jsonl").open(encoding="utf-8") as fh:
        chunks = [Chunk.from_json(json.loads(line)) for line in fh]
    embeddings = np.load(version / "embeddings.npy", allow_pickle=False)
    sentences = np.load(version / "sentences.npy", allow_pickle=False)
    return IndexData(chunks, embeddings, manifest, sentences)
