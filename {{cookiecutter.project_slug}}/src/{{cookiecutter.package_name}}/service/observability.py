"""Structured JSON logs with a request id, and Prometheus metrics fed by the pipeline's timings."""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from ..core import tracing
from .quality import QualityMonitor, QueryLog

if TYPE_CHECKING:
    from ..pipeline import AskResponse

request_id: ContextVar[str] = ContextVar("request_id", default="-")

STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (and trace id, while a span records) when it
    is created (in its own thread)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        if not hasattr(record, "trace_id"):
            record.trace_id = tracing.current_trace_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields passed as ``extra={"fields": {...}}``. A line
    written while a span records (tracing on) carries its ``trace_id``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "msg": record.getMessage(),
        }
        trace_id = getattr(record, "trace_id", None) or tracing.current_trace_id()
        if trace_id is not None:
            entry["trace_id"] = trace_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "httpx", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Metrics:
    """Counters and histograms for one app; a registry per app keeps tests independent."""

    def __init__(self, quality_window: int = 200, query_log: Path | None = None) -> None:
        self.registry = CollectorRegistry()
        self.query_log = QueryLog(query_log) if query_log is not None else None
        self.requests = Counter(
            "rag_requests", "HTTP requests", ["endpoint", "status"], registry=self.registry
        )
        self.stage_seconds = Histogram(
            "rag_stage_seconds",
            "Pipeline stage latency",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.refusals = Counter(
            "rag_refusals", "Refused answers", ["reason"], registry=self.registry
        )
        self.blocks = Counter(
            "rag_guardrail_blocks",
            "Requests blocked by a guardrail",
            ["reason"],
            registry=self.registry,
        )
        self.redactions = Counter(
            "rag_pii_redactions",
            "PII found and redacted, by entity type",
            ["entity"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "rag_llm_fallbacks", "Extractive fallbacks after an LLM failure", registry=self.registry
        )
        self.feedback = Counter(
            "rag_feedback", "Feedback on answers", ["rating"], registry=self.registry
        )
        for rating in ("up", "down"):
            self.feedback.labels(rating=rating)  # both series exist from the start
        # Rolling answer quality and query drift over the last ``quality_window`` answers.
        self.quality = QualityMonitor(self.registry, quality_window)

    def observe_stages(self, latency_ms: dict[str, float]) -> None:
        for stage, ms in latency_ms.items():
            self.stage_seconds.labels(stage=stage).observe(ms / 1000.0)

    def observe_redactions(self, entities: list[str]) -> None:
        for entity in entities:
            self.redactions.labels(entity=entity).inc()

    def observe_answer(self, response: AskResponse, question: str = "") -> None:
        self.observe_stages(response.latency_ms)
        if self.query_log is not None:
            self.query_log.write(question, response)
        if response.blocked:
            self.blocks.labels(reason=response.reason or "unknown").inc()
        elif response.refused:
            self.refusals.labels(reason=response.reason or "unknown").inc()
        self.observe_redactions(response.redactions)
        if response.fallback is not None:
            self.fallbacks.inc()
        self.quality.observe(response)
