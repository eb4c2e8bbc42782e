"""The retriever: BM25 and dense candidates, fusion, then optional cross-encoder re-ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core.timing import Timings
from ..core.types import Hit, Retrieval
from ..text.analyzer import identifiers
from .fusion import rrf, weighted
from .stores.local import ChunkStore

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder, Reranker


def embedding_attributes(embedder: Embedder) -> dict[str, str]:
    """GenAI semantic-convention attributes of a query-embedding span."""
    return {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.request.model": embedder.location.model_id,
    }


class HybridRetriever:
    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        settings: Settings,
        reranker: Reranker | None = None,
        reranker_note: str | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker
        self.reranker_note = reranker_note

    def _names_known_identifier(self, query: str) -> bool:
        """True when the query names an identifier (E104, HX-4200) that the corpus contains.

        Exact identifiers are what BM25 is good at and embeddings blur, so such queries give the
        BM25 ranking more weight in fusion.
        """
        return any(self.store.has_term(term) for term in identifiers(query))

    def _complete(
        self,
        query: str,
        vector: np.ndarray | None,
        bm25: list[tuple[int, float]],
        dense: list[tuple[int, float]],
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Score every candidate with both retrievers, so fusion sees two rankings of one pool.

        Without this, a chunk that BM25 ranks first for an exact identifier but that falls
        outside the dense top-N gets half the fused credit of mediocre chunks found by both.
        Chunks with no query term (BM25 score 0) stay out of the BM25 ranking.
        """
        pool = sorted({row for row, _ in bm25} | {row for row, _ in dense})
        if not pool or vector is None:
            return bm25, dense
        lexical = self.store.bm25_scores(query, pool)
        semantic = self.store.dense_scores(vector, pool)
        full_bm25 = sorted(
            ((r, x) for r, x in zip(pool, lexical, strict=True) if x > 0),
            key=lambda t: (-t[1], t[0]),
        )
        full_dense = sorted(zip(pool, semantic, strict=True), key=lambda t: (-t[1], t[0]))
        return full_bm25, full_dense

    def search(
        self,
        query: str,
        mode: str,
        k: int,
        timings: Timings,
        groups: frozenset[str] = frozenset(),
    ) -> Retrieval:
        """Retrieve for ``query`` among the chunks a caller in ``groups`` may read (security
        trimming happens inside each retriever, before fusion and re-ranking, so a restricted
        chunk never reaches them); the parts are timed (and traced under ``rag.retrieve``) and
        ``retrieve`` is their sum."""
        with timings.span("retrieve"):
            found = self._search(query, mode, k, timings, groups)
            timings.annotate(
                {"rag.retrieval.mode": mode, "rag.retrieval.documents": len(found.hits)}
            )
        return found

    def _search(
        self, query: str, mode: str, k: int, timings: Timings, groups: frozenset[str]
    ) -> Retrieval:
        s = self.settings
        allowed = None
        if self.store.restricted:
            with timings.stage("acl"):
                allowed = self.store.allowed(groups)
        only = {} if allowed is None else {"allowed": allowed}
        use_bm25 = mode != "dense"
        use_dense = mode != "bm25"
        vector: np.ndarray | None = None
        cache_hit = False
        bm25: list[tuple[int, float]] = []
        dense: list[tuple[int, float]] = []
        # A store that fuses server-side (its own hybrid search with RRF) gets one request.
        fused_by_store = getattr(self.store, "hybrid", None)
        if s.fusion != "rrf" or mode in ("bm25", "dense"):
            fused_by_store = None
        if use_dense:
            with timings.stage("embed_query"):
                vector, cache_hit = self.embedder.encode_query(query)
                timings.annotate(embedding_attributes(self.embedder))
        if use_bm25 and fused_by_store is None:
            with timings.stage("bm25"):
                bm25 = self.store.bm25(query, s.candidates, **only)
        if use_dense and vector is not None and fused_by_store is None:
            with timings.stage("dense"):
                dense = self.store.dense(vector, s.candidates, **only)
        scores: dict[int, dict[str, float]] = {}
        if mode == "bm25":
            ranked = bm25
        elif mode == "dense":
            ranked = dense
        else:
            with timings.stage("fuse"):
                if s.fusion == "rrf":
                    lexical = (
                        s.identifier_bm25_weight if self._names_known_identifier(query) else 1.0
                    )
                    if fused_by_store is not None and vector is not None:
                        limit = max(k, s.candidates)
                        ranked = fused_by_store(
                            query, vector, s.candidates, limit, s.rrf_k, lexical
                        )
                    else:
                        bm25, dense = self._complete(query, vector, bm25, dense)
                        ranked = rrf([bm25, dense], k=s.rrf_k, weights=[lexical, 1.0])
                else:
                    bm25, dense = self._complete(query, vector, bm25, dense)
                    ranked = weighted([bm25, dense], [s.bm25_weight, 1.0 - s.bm25_weight])
            for row, score in ranked:
                scores.setdefault(row, {})["fused"] = score
        timings.ms["retrieve"] = sum(
            timings.ms.get(x, 0.0) for x in ("acl", "embed_query", "bm25", "dense", "fuse")
        )
        for row, score in bm25:
            scores.setdefault(row, {})["bm25"] = score
        for row, score in dense:
            scores.setdefault(row, {})["dense"] = score
        notes: list[str] = []
        reranked = False
        if mode == "hybrid+rerank":
            if self.reranker is None:
                notes.append(f"not re-ranked: {self.reranker_note or 'no reranker loaded'}")
            else:
                head = ranked[: s.rerank_candidates]
                with timings.stage("rerank"):
                    timings.annotate({"gen_ai.request.model": self.settings.reranker})
                    ce = self.reranker.score(
                        query, [self.store.chunks[row].indexed_text for row, _ in head]
                    )
                for (row, _), score in zip(head, ce, strict=True):
                    scores[row]["rerank"] = float(score)
                order = sorted(range(len(head)), key=lambda i: (-float(ce[i]), i))
                ranked = [head[i] for i in order]
                reranked = True
        hits = [Hit(row, self.store.chunks[row], scores[row]) for row, _ in ranked[:k]]
        return Retrieval(hits, mode, reranked, notes, vector, cache_hit)
