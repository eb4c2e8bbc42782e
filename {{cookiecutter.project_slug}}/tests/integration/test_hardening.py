"""Hardened service: admin key, closed CORS, 413, 429, and index reload under load."""

import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import POINTER, LocalStore
from {{ cookiecutter.package_name }}.service.app import create_app
from {{ cookiecutter.package_name }}.service.hardening import TokenBucket
from {{ cookiecutter.package_name }}.service.reload import install_sighup

KEY = "s3cret-admin-key"
NEW_DOC = (
    "# Nebula Toaster\n\nThe Nebula toaster has a 7-year warranty and eight browning levels.\n"
)


def pipeline_over(index: Path, embedder, **overrides) -> Pipeline:
    settings = Settings(index_dir=index, **overrides)
    return Pipeline(settings, LocalStore(index), embedder, None, "not installed in tests")


@pytest.fixture()
def own_index(tmp_path: Path, built_index: Settings) -> Path:
    index = tmp_path / "index"
    shutil.copytree(built_index.index_dir, index)
    return index


def client_for(index: Path, embedder, **overrides) -> TestClient:
    return TestClient(create_app(pipeline_over(index, embedder, **overrides), with_ui=False))


def test_admin_is_refused_when_no_key_is_set(own_index, embedder, monkeypatch):
    monkeypatch.delenv("RAG_ADMIN_API_KEY", raising=False)
    client = client_for(own_index, embedder)
    response = client.post("/admin/reload", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403
    assert "RAG_ADMIN_API_KEY" in response.json()["error"]
    assert client.post("/admin/reload").status_code == 403


def test_admin_key_comes_from_the_environment_and_must_match(own_index, embedder, monkeypatch):
    monkeypatch.setenv("RAG_ADMIN_API_KEY", KEY)
    client = client_for(own_index, embedder)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        response = client.post("/admin/reload", headers=headers)
        assert response.status_code == 401 and "admin key" in response.json()["error"]
    response = client.post("/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200 and response.json()["reloaded"] is True


def test_admin_key_is_compared_in_constant_time():
    from {{ cookiecutter.package_name }}.service import hardening

    source = Path(hardening.__file__).read_text(encoding="utf-8")
    assert "hmac.compare_digest(" in source and "== key" not in source


def test_cors_is_closed_by_default_and_follows_the_allow_list(own_index, embedder):
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    closed = client_for(own_index, embedder)
    response = closed.options("/ask", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    response = closed.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers

    opened = client_for(own_index, embedder, cors_allow_origins=["https://app.example"])
    ok = opened.options("/ask", headers={**preflight, "Origin": "https://app.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    evil = opened.options("/ask", headers=preflight)
    assert "access-control-allow-origin" not in evil.headers


def test_oversized_bodies_get_413_json(own_index, embedder):
    client = client_for(own_index, embedder, max_body_bytes=2048)
    big = '{"question": "' + "x" * 5000 + '"}'
    response = client.post("/ask", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "2048 bytes" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"question": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    response = client.post(
        "/search", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and "error" in response.json()
    ok = client.post("/search", json={"query": "kettle warranty", "mode": "bm25"})
    assert ok.status_code == 200


def test_rate_limit_gives_429_with_retry_after(own_index, embedder):
    client = client_for(own_index, embedder, rate_limit_per_minute=6, rate_limit_burst=3)
    body = {"query": "kettle", "mode": "bm25"}
    statuses = [client.post("/search", json=body).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.post("/search", json=body)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "10"  # 6 a minute: one token every 10 s
    assert "rate limit" in limited.json()["error"]
    assert client.get("/health").status_code == 200  # probes are never limited


def test_rate_limit_is_off_by_default(own_index, embedder):
    client = client_for(own_index, embedder)
    assert all(
        client.post("/search", json={"query": "kettle", "mode": "bm25"}).status_code == 200
        for _ in range(40)
    )


def test_token_bucket_refills_and_is_per_client():
    now = [0.0]
    bucket = TokenBucket(per_minute=60, burst=2, clock=lambda: now[0])
    assert [bucket.take("a"), bucket.take("a")] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0  # another client has its own bucket
    now[0] += 1.0
    assert bucket.take("a") == 0.0


@pytest.fixture()
def served(own_index: Path, embedder, monkeypatch) -> Iterator[tuple[str, Pipeline]]:
    monkeypatch.setenv("RAG_ADMIN_API_KEY", KEY)
    pipeline = pipeline_over(own_index, embedder, redact_pii=False)
    app = create_app(pipeline, with_ui=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(10)


def test_reload_swaps_the_index_without_dropping_requests(served, own_index, embedder, tmp_path):
    url, _ = served
    docs = tmp_path / "docs"
    from tests.helpers.corpus import write_corpus

    write_corpus(docs)
    (docs / "toaster.md").write_text(NEW_DOC, encoding="utf-8")
    before = httpx.get(f"{url}/ready").json()["index"]
    assert before["documents"] == 4

    failures: list[str] = []
    done = threading.Event()
    counts = [0] * 6

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while not done.is_set():
                if n % 2:
                    r = http.post("/ask", json={"question": "What does fault ZK-17 mean?"})
                else:
                    r = http.post("/search", json={"query": "Orbit lamp bulbs", "mode": "hybrid"})
                counts[n] += 1
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    ingest(docs, Settings(index_dir=own_index), embedder)  # a new version appears on disk
    admin = {"Authorization": f"Bearer {KEY}"}
    results = [httpx.post(f"{url}/admin/reload", headers=admin, timeout=60) for _ in range(3)]
    time.sleep(0.5)
    done.set()
    for t in threads:
        t.join(60)
    assert not failures, failures[:3]
    assert all(c > 0 for c in counts) and sum(counts) >= 12
    assert [r.status_code for r in results] == [200, 200, 200]
    first = results[0].json()
    assert first["previous_version"] != first["version"]
    assert first["version"] == (own_index / POINTER).read_text().strip()
    assert httpx.get(f"{url}/ready").json()["index"]["documents"] == 5
    answer = httpx.post(f"{url}/ask", json={"question": "How long is the Nebula toaster warranty?"})
    assert "7-year warranty" in answer.json()["answer"]


def test_a_failed_reload_keeps_the_old_index_serving(served, own_index):
    url, _ = served
    version = own_index / (own_index / POINTER).read_text().strip()
    (version / "faiss.index").write_bytes(b"garbage")
    response = httpx.post(f"{url}/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 409
    assert (
        "reload failed" in response.json()["error"]
        and "re-run `ingest`" in response.json()["error"]
    )
    ok = httpx.post(f"{url}/search", json={"query": "kettle warranty", "mode": "hybrid"})
    assert ok.status_code == 200 and ok.json()["results"]


def test_sighup_reloads(own_index, embedder, tmp_path):
    from tests.helpers.corpus import write_corpus

    app = create_app(pipeline_over(own_index, embedder, redact_pii=False), with_ui=False)
    live = app.state.live
    docs = write_corpus(tmp_path / "docs")
    (docs / "toaster.md").write_text(NEW_DOC, encoding="utf-8")
    ingest(docs, Settings(index_dir=own_index), embedder)
    uninstall = install_sighup(live)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 30
        while live.reloads == 0:
            assert time.monotonic() < deadline, "SIGHUP did not reload"
            time.sleep(0.05)
    finally:
        uninstall()
    assert live.current.status()["index"]["documents"] == 5
    assert TestClient(app).get("/ready").json()["index"]["documents"] == 5
