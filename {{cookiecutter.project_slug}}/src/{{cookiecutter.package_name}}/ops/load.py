"""A bounded load run against a running server on loopback: N clients for T seconds."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..reports.stats import percentiles

DEFAULT_QUESTIONS = (
    "What does the warranty cover?",
    "How do I reset the device?",
    "Who do I contact about an incident?",
    "What is the policy on remote working?",
)


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    cached_latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Latency percentiles are for answers the server computed; answer-cache hits (a load run
        repeats its questions) are counted and timed apart, never mixed in."""
        latency = percentiles(self.latencies_ms, (50, 95, 99), digits=1)
        return {
            "cache_hits": len(self.cached_latencies_ms),
            "cache_hit_p50_ms": percentiles(self.cached_latencies_ms, (50,), digits=1)["p50"],
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.requests / self.seconds, 2) if self.seconds else 0.0,
            **{f"{k}_ms": v for k, v in latency.items()},
            "error_samples": self.error_samples[:5],
        }


def run_load(
    base_url: str,
    clients: int = 20,
    seconds: float = 30.0,
    questions: tuple[str, ...] | list[str] = DEFAULT_QUESTIONS,
    max_requests: int = 100_000,
) -> LoadResult:
    """Each client loops POST /ask (mode hybrid) until the time or request budget runs out."""
    if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load runs only against a loopback address")
    result = LoadResult(clients=clients, seconds=seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30.0) as http:
            n = index
            while time.monotonic() < deadline:
                with lock:
                    if result.requests >= max_requests:
                        return
                    result.requests += 1
                question = questions[n % len(questions)]
                n += clients
                started = time.perf_counter()
                try:
                    response = http.post("/ask", json={"question": question, "mode": "hybrid"})
                    ok = response.status_code == 200
                    cached = ok and response.json().get("cached") is True
                    detail = f"HTTP {response.status_code}"
                except (httpx.HTTPError, ValueError) as exc:
                    ok, cached, detail = False, False, type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000.0
                with lock:
                    (result.cached_latencies_ms if cached else result.latencies_ms).append(elapsed)
                    if not ok:
                        result.errors += 1
                        result.error_samples.append(detail)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    result.seconds = time.monotonic() - started
    return result
