"""The usual LangChain stack, for comparison: EnsembleRetriever over BM25Retriever + FAISS.

BM25Retriever is rank-bm25 (``BM25Okapi`` over whitespace tokens, LangChain's default); the
FAISS store holds the same MiniLM vectors this project indexed (same model, same chunks), and
queries are embedded by LangChain's ``HuggingFaceEmbeddings`` (sentence-transformers, PyTorch),
as a LangChain user would. Both retrievers return ``k`` chunks, fused by LangChain's weighted
RRF with equal weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.types import Chunk

NAME = "langchain EnsembleRetriever(BM25Retriever[rank-bm25] + FAISS[MiniLM])"


def _ensemble_class() -> Any:
    try:
        from langchain_classic.retrievers import EnsembleRetriever

        return EnsembleRetriever
    except ImportError:  # with langchain-community 0.3.x it is in langchain itself
        from langchain.retrievers import EnsembleRetriever as Legacy

        return Legacy


@dataclass
class Baseline:
    retriever: Any
    build_s: float

    def search(self, query: str) -> list[str]:
        """Doc ids of the fused chunks, in rank order."""
        return [doc.metadata["doc_id"] for doc in self.retriever.invoke(query)]


def build(chunks: list[Chunk], embeddings: np.ndarray, model_path: str, k: int) -> Baseline:
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS

    started = time.perf_counter()
    texts = [c.indexed_text for c in chunks]
    metadatas = [{"doc_id": c.doc_id} for c in chunks]
    bm25 = BM25Retriever.from_texts(texts, metadatas=metadatas, k=k)
    embedder = HuggingFaceEmbeddings(model_name=model_path, model_kwargs={"device": "cpu"})
    store = FAISS.from_embeddings(
        list(zip(texts, embeddings.tolist(), strict=True)), embedder, metadatas=metadatas
    )
    dense = store.as_retriever(search_kwargs={"k": k})
    ensemble = _ensemble_class()(retrievers=[bm25, dense], weights=[0.5, 0.5])
    return Baseline(ensemble, time.perf_counter() - started)
