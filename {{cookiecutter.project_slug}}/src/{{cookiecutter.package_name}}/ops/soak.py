"""Soak test: a real server on loopback under concurrent mixed load for a bounded time.

Clients loop over ask (60%), search (30%) and health (10%) requests; the server process's
resident memory is sampled every second. The run passes with zero errors and less than
``MAX_GROWTH_PCT`` growth between the mean RSS of the first and of the last window.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from ..reports.stats import percentiles
from .load import DEFAULT_QUESTIONS

MAX_GROWTH_PCT = 10.0
WINDOW_S = 30.0
DOC_BEGIN = "<!-- soak:begin -->"
DOC_END = "<!-- soak:end -->"
MIX = ("ask",) * 6 + ("search",) * 3 + ("health",)

# The package this module belongs to, whatever the bake named it.
PACKAGE = __name__.split(".")[0]


def run_soak(
    base_url: str,
    pid: int,
    clients: int = 50,
    seconds: float = 120.0,
    questions: tuple[str, ...] | list[str] = DEFAULT_QUESTIONS,
    max_requests: int = 1_000_000,
    warmup_s: float = 20.0,
) -> dict[str, Any]:
    """Load ``base_url`` (loopback only) and sample the RSS of process ``pid``; return the summary.

    The clients first run ``warmup_s`` unmeasured (thread pools, allocator arenas and caches fill
    up); errors there still count.
    """
    import psutil

    if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("soak runs only against a loopback address")
    proc = psutil.Process(pid)
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {kind: [] for kind in set(MIX)}
    errors: list[str] = []
    count = [0]
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    started = time.monotonic() + warmup_s
    deadline = started + seconds

    def sample() -> None:
        stop.wait(max(0.0, started - time.monotonic()))
        while not stop.is_set():
            samples.append((time.monotonic() - started, proc.memory_info().rss / 2**20))
            stop.wait(1.0)

    def client(index: int) -> None:
        n = index
        with httpx.Client(base_url=base_url, timeout=60.0) as http:
            while time.monotonic() < deadline:
                with lock:
                    if count[0] >= max_requests:
                        return
                    count[0] += 1
                kind = MIX[n % len(MIX)]
                question = questions[n % len(questions)]
                n += clients
                t0 = time.perf_counter()
                try:
                    if kind == "ask":
                        r = http.post("/ask", json={"question": question, "mode": "hybrid"})
                    elif kind == "search":
                        r = http.post("/search", json={"query": question, "mode": "hybrid"})
                    else:
                        r = http.get("/health")
                    problem = None if r.status_code == 200 else f"{kind}: HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    problem = f"{kind}: {type(exc).__name__}"
                elapsed = (time.perf_counter() - t0) * 1000.0
                with lock:
                    if time.monotonic() - elapsed / 1000.0 >= started:
                        latencies[kind].append(elapsed)
                    if problem:
                        errors.append(problem)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(warmup_s + seconds + 120)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join(5)

    window = min(WINDOW_S, elapsed / 3)
    first = [rss for t, rss in samples if t <= window]
    last = [rss for t, rss in samples if t >= elapsed - window]
    rss_first = float(np.mean(first or [0.0]))
    rss_last = float(np.mean(last or [0.0]))
    growth = (rss_last - rss_first) / rss_first * 100 if rss_first else 0.0
    every = [x for values in latencies.values() for x in values]
    return {
        "schema_version": 1,
        "clients": clients,
        "questions": len(questions),
        "warmup_s": warmup_s,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "errors": len(errors),
        "error_samples": errors[:5],
        "rps": round(len(every) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "all": percentiles(every, (50, 95, 99), digits=1),
            **{
                kind: {"n": len(v), **percentiles(v, (50, 95, 99), digits=1)}
                for kind, v in sorted(latencies.items())
            },
        },
        "memory": {
            "window_s": round(window, 1),
            "rss_first_mb": round(rss_first, 1),
            "rss_last_mb": round(rss_last, 1),
            "rss_max_mb": round(max((rss for _, rss in samples), default=0.0), 1),
            "growth_pct": round(growth, 2),
            "samples": len(samples),
            "series_mb": [[round(t), round(rss, 1)] for t, rss in samples[::5]],
        },
        "passed": not errors and growth < MAX_GROWTH_PCT,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_and_soak(
    index: Path | None,
    clients: int,
    seconds: float,
    config: Path | None = None,
    questions: tuple[str, ...] | list[str] = DEFAULT_QUESTIONS,
    warmup_s: float = 20.0,
) -> dict[str, Any]:
    """Start `serve` on a free loopback port, soak it, stop it."""
    port = free_port()
    command = [sys.executable, "-m", PACKAGE, "serve", "--port", str(port)]
    if index is not None:
        command += ["--index", str(index)]
    if config is not None:
        command += ["--config", str(config)]
    env = {**os.environ, "RAG_RATE_LIMIT_PER_MINUTE": "0"}  # one client IP: limits would 429
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        start = time.monotonic()
        while True:
            if server.poll() is not None:
                raise RuntimeError(
                    "the server did not start: "
                    + (server.stderr.read() if server.stderr else "").strip()[-300:]
                )
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - start > 300:
                raise RuntimeError("the server was not ready within 300 s")
            time.sleep(0.5)
        threading.Thread(target=_drain, args=(server,), daemon=True).start()
        return run_soak(url, server.pid, clients, seconds, questions, warmup_s=warmup_s)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def _drain(server: subprocess.Popen[str]) -> None:
    """Read the server's log so a full pipe never blocks it."""
    if server.stderr is not None:
        for _ in server.stderr:
            pass


def write_report(summary: dict[str, Any], out_dir: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = out_dir / stamp / "soak.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=2)
    path.write_text(text, encoding="utf-8")
    (out_dir / "latest").mkdir(parents=True, exist_ok=True)
    (out_dir / "latest" / "soak.json").write_text(text, encoding="utf-8")
    return path


def doc_block(summary: dict[str, Any], report: Path) -> str:
    mem = summary["memory"]
    lat = summary["latency_ms"]
    rows = [
        "| figure | value |",
        "|---|---|",
        f"| clients, duration | {summary['clients']}, {summary['seconds']} s |",
        f"| requests (ask / search / health) | {summary['requests']} "
        f"({lat['ask']['n']} / {lat['search']['n']} / {lat['health']['n']}) |",
        f"| errors | {summary['errors']} |",
        f"| throughput | {summary['rps']} requests/s |",
        f"| latency p50 / p95 / p99, all | {lat['all']['p50']} / {lat['all']['p95']} / "
        f"{lat['all']['p99']} ms |",
        f"| latency p99, ask | {lat['ask']['p99']} ms |",
        f"| server RSS, first / last {mem['window_s']:.0f} s | {mem['rss_first_mb']} / "
        f"{mem['rss_last_mb']} MB ({mem['growth_pct']:+.2f}%) |",
        f"| verdict | {'pass' if summary['passed'] else 'FAIL'} |",
    ]
    latest = (report.parent.parent / "latest" / report.name).as_posix()
    source = f"From `{latest}` (run {report.parent.name}):"
    return "\n".join([DOC_BEGIN, source, "", *rows, DOC_END])


def update_doc(doc: Path, summary: dict[str, Any], report: Path) -> bool:
    """Replace the soak block in ``doc``; False if the file or its markers are missing."""
    if not doc.is_file():
        return False
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOC_BEGIN) + r".*?" + re.escape(DOC_END), re.S)
    if not pattern.search(text):
        return False
    doc.write_text(pattern.sub(lambda _: doc_block(summary, report), text), encoding="utf-8")
    return True
