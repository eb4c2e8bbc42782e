"""POST /admin/reload behind the admin key: swap in the index now on disk."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...core.errors import RagError
from ..deps import live_pipeline
from ..hardening import require_admin
from ..reload import LivePipeline

log = logging.getLogger("reload")
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong admin key"},
    403: {"description": "Admin endpoints are disabled (no key configured)"},
    409: {"description": "The index on disk cannot be loaded; the old one keeps serving"},
}


class ReloadResponse(BaseModel):
    reloaded: bool
    previous_version: str | None
    version: str | None
    chunks: int
    seconds: float


@router.post("/reload", response_model=ReloadResponse, responses=ERRORS)
def reload(live: Annotated[LivePipeline, Depends(live_pipeline)]) -> Any:
    """Load the index now on disk and swap it in; requests in flight finish on the old one."""
    try:
        result = live.reload()
    except RagError as exc:
        log.warning("reload failed", extra={"fields": {"error": str(exc)}})
        return JSONResponse({"error": f"reload failed: {exc}"}, status_code=409)
    log.info("reloaded", extra={"fields": result})
    return result
