"""Thumbs up or down on an answer, kept in SQLite with what was answered.

The database is created on first use, in WAL mode (readers never wait for the writer), with its
schema version in ``PRAGMA user_version``. Every text field passes PII redaction before it is
written: the question, the answer, the citations' ids and the caller's comment.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import RagError

SCHEMA_VERSION = 1
REASONS = (
    "wrong_answer",
    "wrong_sources",
    "should_have_refused",
    "should_not_have_refused",
    "other",
)
RATINGS = ("up", "down")
MAX_COMMENT = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    request_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reason TEXT,
    comment TEXT,
    index_version TEXT,
    mode TEXT,
    question TEXT,
    answer TEXT,
    citations TEXT NOT NULL,
    refused INTEGER NOT NULL,
    blocked INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
"""


_INSERT = """
INSERT INTO feedback (id, created_at, request_id, rating, reason, comment, index_version, mode,
    question, answer, citations, refused, blocked)
VALUES (:id, :created_at, :request_id, :rating, :reason, :comment, :index_version, :mode,
    :question, :answer, :citations, :refused, :blocked)
"""


class FeedbackError(RagError):
    """Feedback that cannot be stored: an unknown request, a bad rating or reason."""


@dataclass(frozen=True)
class Answered:
    """What a request was answered with, as the feedback record keeps it (``add`` redacts it)."""

    request_id: str
    index_version: str
    mode: str
    question: str
    answer: str
    citations: tuple[str, ...]
    refused: bool
    blocked: bool


class FeedbackStore:
    """``redact`` maps text to text with personal data replaced; it runs on every field."""

    def __init__(self, path: Path, redact: Callable[[str], str]):
        self.path = path
        self.redact = redact
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10.0)) as db:
            db.row_factory = sqlite3.Row
            yield db

    def _create(self) -> None:
        """Create the file and schema on first use; refuse a database from a newer schema."""
        if self._ready:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise FeedbackError(
                        f"{self.path} has feedback schema {version}; this version reads "
                        f"{SCHEMA_VERSION}: upgrade the project or point feedback_db elsewhere"
                    )
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.commit()
            self._ready = True

    def add(
        self, answered: Answered, rating: str, reason: str | None = None, comment: str | None = None
    ) -> str:
        if rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
        if reason is not None and reason not in REASONS:
            raise FeedbackError(f"reason must be one of {', '.join(REASONS)}, got {reason!r}")
        if comment is not None and len(comment) > MAX_COMMENT:
            raise FeedbackError(f"comment is over {MAX_COMMENT} characters")
        self._create()
        record = {
            "id": uuid.uuid4().hex,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request_id": answered.request_id,
            "rating": rating,
            "reason": reason,
            "comment": self.redact(comment) if comment else None,
            "index_version": answered.index_version,
            "mode": answered.mode,
            "question": self.redact(answered.question),
            "answer": self.redact(answered.answer),
            "citations": json.dumps([self.redact(c) for c in answered.citations]),
            "refused": int(answered.refused),
            "blocked": int(answered.blocked),
        }
        with self._connect() as db:
            db.execute(_INSERT, record)
            db.commit()
        return str(record["id"])

    def rows(self) -> list[dict[str, Any]]:
        """Every record, oldest first (empty when nothing was stored yet)."""
        if not self.path.is_file():
            return []
        self._create()
        with self._connect() as db:
            found = db.execute("SELECT * FROM feedback ORDER BY created_at, id").fetchall()
        return [
            {
                **dict(row),
                "citations": json.loads(row["citations"]),
                "refused": bool(row["refused"]),
                "blocked": bool(row["blocked"]),
            }
            for row in found
        ]
