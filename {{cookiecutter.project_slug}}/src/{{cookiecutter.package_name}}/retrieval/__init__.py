"""Sparse, dense and fused retrieval, and re-ranking, over a ChunkStore (``retrieval.stores``)."""

from .fusion import rrf, weighted
from .hybrid import HybridRetriever
from .stores.factory import open_store
from .stores.local import ChunkStore, LocalStore

__all__ = ["ChunkStore", "HybridRetriever", "LocalStore", "open_store", "rrf", "weighted"]
