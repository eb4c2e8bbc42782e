"""Finding, verifying and running the models: the Embedder and Reranker (sentence-transformers
or ONNX Runtime, loaded lazily), and fetching weights (``models.fetch``)."""

from .encoders import Embedder, Reranker, load_embedder, load_reranker

__all__ = ["Embedder", "Reranker", "load_embedder", "load_reranker"]
