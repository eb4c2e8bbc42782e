"""Per-stage wall-clock (and process CPU) timings, taken once in the pipeline and reused
everywhere. CPU time is the whole process's, so it is per stage only when one request runs at a
time (as in `cost`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("embed_query", "bm25", "dense", "fuse", "rerank", "answer", "retrieve", "total")


class Timings:
    """Milliseconds per stage for one request."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.cpu_ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000.0
            spent = (time.process_time() - cpu) * 1000.0
            self.cpu_ms[name] = self.cpu_ms.get(name, 0.0) + spent

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.ms.items()}
