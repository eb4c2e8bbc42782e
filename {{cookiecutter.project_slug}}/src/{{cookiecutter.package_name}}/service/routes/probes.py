"""GET /health (liveness), /ready (what is loaded and what is not) and /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..deps import AppMetrics, CurrentPipeline

router = APIRouter(tags=["probes"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
def ready(pipeline: CurrentPipeline) -> dict[str, Any]:
    """Readiness: the index and models that are loaded, and what is unavailable and why."""
    return {"ready": True, **pipeline.status()}


@router.get("/metrics", response_class=PlainTextResponse)
def prometheus(metrics: AppMetrics) -> Response:
    """Prometheus metrics: requests, per-stage latency, refusals, guardrail blocks."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
