"""Live answer quality in /metrics: rolling rates over the last ``quality_window`` answers, and
query drift.

Drift compares how close live questions come to the documents (each answer's best-evidence
similarity) with a baseline: the first full window of answers after start. It is a PSI over the
baseline's deciles (``reports.drift``): a stream of off-topic questions moves mass into the low
bins and the gauge rises.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Gauge

from ..reports.drift import psi

if TYPE_CHECKING:
    from ..pipeline import AskResponse


class QueryLog:
    """Opt-in (setting ``query_log``): one JSON line per answered question for `make drift`,
    with the question hashed, never its text."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, question: str, response: AskResponse) -> None:
        if response.cached or "dense" not in response.evidence:
            return
        row = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request_id": response.request_id,
            "question_sha256": hashlib.sha256(question.encode("utf-8")).hexdigest(),
            "best_evidence": round(float(response.evidence["dense"]), 4),
            "refused": response.refused,
            "reason": response.reason,
        }
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


class QualityMonitor:
    def __init__(
        self, registry: CollectorRegistry, window: int, baseline: list[float] | None = None
    ):
        self.window = window
        self.answers: deque[tuple[bool, bool, bool, int]] = deque(maxlen=window)
        self.evidence: deque[float] = deque(maxlen=window)
        self.ratings: deque[bool] = deque(maxlen=window)
        self.baseline: list[float] | None = baseline
        self._lock = threading.Lock()

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, registry=registry)

        self.refusal_rate = gauge("rag_quality_refusal_rate", "Share of recent answers refused")
        self.block_rate = gauge("rag_quality_block_rate", "Share of recent questions blocked")
        self.out_of_scope_rate = gauge(
            "rag_quality_out_of_scope_rate", "Share of recent questions refused as out of scope"
        )
        self.best_evidence = gauge(
            "rag_quality_best_evidence", "Mean best-evidence similarity of recent questions"
        )
        self.citations = gauge(
            "rag_quality_citations_per_answer", "Mean citations per recent (not refused) answer"
        )
        self.down_rate = gauge(
            "rag_quality_feedback_down_rate", "Share of recent feedback that is thumbs down"
        )
        self.drift = gauge(
            "rag_query_drift",
            "PSI of recent best-evidence similarities against the baseline (>0.25: large shift)",
        )

    def observe(self, response: AskResponse) -> None:
        if response.cached:
            return  # a repeat says nothing new about the traffic
        with self._lock:
            out_of_scope = response.reason == "out_of_scope"
            refused = response.refused and not response.blocked
            cited = len(response.citations)
            self.answers.append((refused, response.blocked, out_of_scope, cited))
            if "dense" in response.evidence:
                self.evidence.append(float(response.evidence["dense"]))
                if self.baseline is None and len(self.evidence) == self.window:
                    self.baseline = list(self.evidence)
            self._update()

    def observe_feedback(self, rating: str) -> None:
        with self._lock:
            self.ratings.append(rating == "down")
            self.down_rate.set(sum(self.ratings) / len(self.ratings))

    def _update(self) -> None:
        n = len(self.answers)
        self.refusal_rate.set(sum(a[0] for a in self.answers) / n)
        self.block_rate.set(sum(a[1] for a in self.answers) / n)
        self.out_of_scope_rate.set(sum(a[2] for a in self.answers) / n)
        answered = [a[3] for a in self.answers if not a[0] and not a[1]]
        self.citations.set(sum(answered) / len(answered) if answered else 0.0)
        if self.evidence:
            self.best_evidence.set(sum(self.evidence) / len(self.evidence))
        if self.baseline is not None and self.evidence:
            self.drift.set(psi(self.baseline, list(self.evidence)))
