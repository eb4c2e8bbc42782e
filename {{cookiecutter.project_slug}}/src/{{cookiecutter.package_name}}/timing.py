"""Per-stage wall-clock timings, taken once in the pipeline and reused everywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("embed_query", "bm25", "dense", "fuse", "rerank", "answer", "retrieve", "total")


class Timings:
    """Milliseconds per stage for one request."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000.0

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.ms.items()}
