"""One router per area: answers (/ask, /search), feedback, probes (/health, /ready, /metrics),
admin."""

from .admin import router as admin
from .answers import router as answers
from .feedback import router as feedback
from .probes import router as probes

__all__ = ["admin", "answers", "feedback", "probes"]
