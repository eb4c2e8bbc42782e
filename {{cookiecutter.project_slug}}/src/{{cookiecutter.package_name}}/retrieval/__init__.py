"""Sparse, dense and fused retrieval, and re-ranking."""
