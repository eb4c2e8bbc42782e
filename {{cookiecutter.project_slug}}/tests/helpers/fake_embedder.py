"""A deterministic stand-in for the embedder, for tests that need vectors but not meaning."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import numpy as np


class FakeEmbedder:
    """Unit vectors seeded by each text's sha256: equal texts, equal vectors; no model loaded."""

    dim = 32

    def __init__(self) -> None:
        self.location = SimpleNamespace(model_id="fake-embedder", sha256="0" * 64, source="test")

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        rows = []
        for text in texts:
            seed = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)
            vector = np.random.default_rng(seed).normal(size=self.dim).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def encode_query(self, text: str) -> tuple[np.ndarray, bool]:
        return self.encode([text])[0], False

    def encode_passages(
        self, texts: list[str], spans: list[list[list[int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors, and each span's vector as the vector of the span's own text."""
        pooled = [
            self.encode([text[a:b] for a, b in text_spans]).reshape(len(text_spans), self.dim)
            for text, text_spans in zip(texts, spans, strict=True)
        ]
        return self.encode(texts), pooled
