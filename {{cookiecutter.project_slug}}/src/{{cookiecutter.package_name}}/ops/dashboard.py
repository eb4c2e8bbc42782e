"""Service metrics over time: record ``/metrics`` during a load or soak run, then plot it.

``MetricsRecorder`` scrapes the Prometheus endpoint every few seconds into ``metrics.jsonl``
(one line per scrape: time and every sample). ``render`` turns a recording into PNG plots of
request rate, error rate and p50/p95 latency per stage, each computed from the difference between
consecutive scrapes, the way Prometheus's ``rate()`` and ``histogram_quantile()`` do.
The Grafana dashboard in ``docs/grafana/`` shows the same panels live.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from ..core.errors import RagError

REQUESTS = "rag_requests_total"
STAGE_BUCKETS = "rag_stage_seconds_bucket"


class RecordingError(RagError):
    """No usable metrics recording."""


def parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    from prometheus_client.parser import text_string_to_metric_families

    return [
        (sample.name, dict(sample.labels), float(sample.value))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


class MetricsRecorder:
    """Scrape ``<base_url>/metrics`` every ``interval`` seconds into ``path`` until stopped."""

    def __init__(self, base_url: str, path: Path, interval: float = 2.0):
        self.url = base_url.rstrip("/") + "/metrics"
        self.path = path
        self.interval = interval
        self.scrapes = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MetricsRecorder:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("", encoding="utf-8")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.scrape()  # the final state

    def scrape(self) -> None:
        try:
            text = httpx.get(self.url, timeout=5.0).text
        except httpx.HTTPError:
            self.failures += 1
            return
        line = {"t": time.time(), "samples": parse(text)}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        self.scrapes += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.scrape()
            self._stop.wait(self.interval)


def load_recording(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise RecordingError(
            f"no metrics recording at {path}: run `make load` or `make soak` first"
        )
    scrapes = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    if len(scrapes) < 2:
        raise RecordingError(f"{path} has {len(scrapes)} scrape(s); at least 2 are needed")
    return scrapes


def _total(samples: list[list[Any]], name: str, where: dict[str, str] | None = None) -> float:
    where = where or {}
    return sum(
        v
        for n, labels, v in samples
        if n == name and all(labels.get(k) == val for k, val in where.items())
    )


def _errors(samples: list[list[Any]]) -> float:
    return sum(
        v
        for n, labels, v in samples
        if n == REQUESTS and str(labels.get("status", "")).startswith("5")
    )


def _buckets(samples: list[list[Any]], stage: str) -> dict[float, float]:
    out: dict[float, float] = {}
    for n, labels, v in samples:
        if n == STAGE_BUCKETS and labels.get("stage") == stage:
            le = labels["le"]
            out[math.inf if le in ("+Inf", "inf") else float(le)] = v
    return out


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus's histogram_quantile over cumulative bucket counts (linear within a bucket)."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for upper in bounds:
        count = buckets[upper]
        if count >= rank:
            if math.isinf(upper):
                return lower
            share = (rank - below) / (count - below) if count > below else 0.0
            return lower + (upper - lower) * share
        lower, below = upper, count
    return lower


def series(scrapes: list[dict[str, Any]]) -> dict[str, Any]:
    """Per interval between scrapes: request rate, 5xx rate, and p50/p95 per stage (ms)."""
    stages = sorted(
        {labels["stage"] for s in scrapes for n, labels, _ in s["samples"] if n == STAGE_BUCKETS}
    )
    start = scrapes[0]["t"]
    out: dict[str, Any] = {"t": [], "rps": [], "error_rps": [], "p50": {}, "p95": {}}
    for stage in stages:
        out["p50"][stage], out["p95"][stage] = [], []
    for prev, cur in itertools.pairwise(scrapes):
        dt = cur["t"] - prev["t"]
        if dt <= 0:
            continue
        out["t"].append(cur["t"] - start)
        out["rps"].append(
            (_total(cur["samples"], REQUESTS) - _total(prev["samples"], REQUESTS)) / dt
        )
        out["error_rps"].append((_errors(cur["samples"]) - _errors(prev["samples"])) / dt)
        for stage in stages:
            before, after = _buckets(prev["samples"], stage), _buckets(cur["samples"], stage)
            delta = {le: after[le] - before.get(le, 0.0) for le in after}
            for q, key in ((0.5, "p50"), (0.95, "p95")):
                value = quantile(q, delta)
                out[key][stage].append(None if value is None else value * 1000.0)
    return out


def render(recording: Path, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(load_recording(recording))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(data["t"], data["rps"], label="requests/s")
    ax.plot(data["t"], data["error_rps"], label="5xx/s", color="tab:red")
    ax.set_xlabel("seconds since the recording started")
    ax.set_ylabel("per second")
    ax.set_title("Request and error rate")
    ax.legend()
    fig.tight_layout()
    path = out_dir / "rates.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    stages = [s for s in data["p95"] if any(v is not None for v in data["p95"][s])]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, key in zip(axes, ("p50", "p95"), strict=True):
        for stage in stages:
            points = [(t, v) for t, v in zip(data["t"], data[key][stage], strict=True) if v]
            if points:
                ax.plot(*zip(*points, strict=True), label=stage)
        ax.set_yscale("log")
        ax.set_title(f"{key} latency per stage (ms)")
        ax.set_xlabel("seconds")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    path = out_dir / "latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    (out_dir / "series.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return written
