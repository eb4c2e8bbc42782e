"""Shared fixtures: a small corpus the tests write themselves, the real embedder, a built index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.helpers.corpus import write_corpus

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.models.encoders import Embedder, load_embedder

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(Settings())


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "docs")


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """A read-only index of the test corpus, shared by tests that only query it."""
    from {{ cookiecutter.package_name }}.ingest.indexer import ingest

    root = tmp_path_factory.mktemp("shared")
    docs = write_corpus(root / "docs")
    settings = Settings(index_dir=root / "index")
    ingest(docs, settings, embedder)
    return settings


@pytest.fixture(scope="session")
def api_app(built_index: Settings, embedder: Embedder):
    """The real app (API + UI) over the test index; no re-ranker, as on an offline machine."""
    from {{ cookiecutter.package_name }}.pipeline import Pipeline
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore
    from {{ cookiecutter.package_name }}.service.app import create_app

    # No answer cache: API, load and schema tests repeat questions and must see real work
    # (the cache has its own tests in tests/integration/test_pipeline.py).
    feedback = built_index.index_dir.parent / "feedback.sqlite"
    settings = built_index.model_copy(update={"answer_cache_size": 0, "feedback_db": feedback})
    pipeline = Pipeline(
        settings, LocalStore(settings.index_dir), embedder, None, "not installed in tests"
    )
    return create_app(pipeline)


@pytest.fixture(scope="session")
def live_server(api_app):
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(api_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture()
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, every span kept in memory, for the test; off again after it."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from {{ cookiecutter.package_name }}.core import tracing

    exporter = InMemorySpanExporter()
    tracing.install(exporter, "tracing-test")
    yield exporter
    tracing.shutdown()
