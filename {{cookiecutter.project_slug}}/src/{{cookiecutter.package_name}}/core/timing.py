"""Per-stage wall-clock (and process CPU) timings, taken once in the pipeline and reused
everywhere. CPU time is the whole process's, so it is per stage only when one request runs at a
time (as in `cost`). With tracing on (``core/tracing.py``) every stage is also a span."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .tracing import StageSpan, state

if TYPE_CHECKING:
    from opentelemetry.trace import Span
    from opentelemetry.util.types import AttributeValue

STAGES = (
    "embed_query",
    "rewrite",
    "bm25",
    "dense",
    "fuse",
    "rerank",
    "answer",
    "retrieve",
    "total",
)


class Timings:
    """Milliseconds per stage for one request; with tracing on, each stage is also the span
    ``rag.<stage>``, nested as the stages are."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.cpu_ms: dict[str, float] = {}
        self._spans: list[Span] = []  # the stage spans open now, innermost last

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name`` (added to its earlier time, if any)."""
        # Tracing off costs this one check.
        span = None if state.tracer is None else StageSpan(name, self._spans)
        error: BaseException | None = None
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000.0
            spent = (time.process_time() - cpu) * 1000.0
            self.cpu_ms[name] = self.cpu_ms.get(name, 0.0) + spent
            if span is not None:
                span.close(error)

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """The span ``rag.<name>`` around the block, which is not timed: for a stage whose time
        is the sum of its parts' (``retrieve``), so that their spans nest under it."""
        if state.tracer is None:
            yield
            return
        span = StageSpan(name, self._spans)
        error: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            span.close(error)

    def annotate(
        self, attributes: Mapping[str, AttributeValue] | None = None, **more: AttributeValue
    ) -> None:
        """Set attributes (str, bool, int, float or a list of one of them) on the span of the
        innermost stage open; nothing while tracing is off. Dotted names (the GenAI semantic
        conventions' ``gen_ai.request.model``) go in ``attributes``."""
        if self._spans:
            self._spans[-1].set_attributes({**(attributes or {}), **more})

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.ms.items()}
