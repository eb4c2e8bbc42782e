"""FastAPI dependencies: the pipeline that is live when a request starts, and the app's metrics.

A request binds to one Pipeline when its dependencies resolve, so a reload during the request
lets it finish on the index it started on."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..pipeline import Pipeline
from .observability import Metrics
from .reload import LivePipeline


def live_pipeline(request: Request) -> LivePipeline:
    live: LivePipeline = request.app.state.live
    return live


def current_pipeline(request: Request) -> Pipeline:
    return live_pipeline(request).current


def app_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


CurrentPipeline = Annotated[Pipeline, Depends(current_pipeline)]
AppMetrics = Annotated[Metrics, Depends(app_metrics)]
