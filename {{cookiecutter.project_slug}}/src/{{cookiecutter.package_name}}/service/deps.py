"""FastAPI dependencies: the pipeline that is live when a request starts, the app's metrics and
the caller's groups (document access).

A request binds to one Pipeline when its dependencies resolve, so a reload during the request
lets it finish on the index it started on."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..ingest.acl import GROUP_NAME
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


def caller_groups(request: Request) -> frozenset[str]:
    """The groups of the caller: from its API key (X-API-Key, matched by sha256 in constant time
    against ``api_key_groups``), else from X-User-Groups when ``trust_groups_header`` is on,
    else none (public documents only). An unknown key is a 401."""
    settings = live_pipeline(request).current.settings
    key = request.headers.get("x-api-key")
    if key is not None:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        found: list[str] | None = None
        for stored, groups in settings.api_key_groups.items():
            if hmac.compare_digest(stored.lower(), digest):
                found = groups
        if found is None:
            raise HTTPException(401, "unknown API key")
        return frozenset(found)
    if settings.trust_groups_header:
        header = request.headers.get("x-user-groups", "")
        return frozenset(g for g in (x.strip() for x in header.split(",")) if GROUP_NAME.match(g))
    return frozenset()


CurrentPipeline = Annotated[Pipeline, Depends(current_pipeline)]
CallerGroups = Annotated[frozenset[str], Depends(caller_groups)]
AppMetrics = Annotated[Metrics, Depends(app_metrics)]
