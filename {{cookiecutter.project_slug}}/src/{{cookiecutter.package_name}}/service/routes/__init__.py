"""One router per area: answers (/ask, /search), probes (/health, /ready, /metrics), admin."""

from .admin import router as admin
from .answers import router as answers
from .probes import router as probes

__all__ = ["admin", "answers", "probes"]
