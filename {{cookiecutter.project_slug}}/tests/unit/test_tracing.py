"""Tracing: stage spans nest and carry attributes, the console and OTLP exporters write what a
user reads, and with tracing off (the default) nothing of OpenTelemetry is imported."""

import contextvars
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from {{ cookiecutter.package_name }}.core import tracing
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.core.timing import Timings


def parents(finished: tuple[ReadableSpan, ...]) -> dict[str, str | None]:
    """Span name -> its parent's name (None for a root)."""
    names = {s.context.span_id: s.name for s in finished}
    return {s.name: names[s.parent.span_id] if s.parent else None for s in finished}


def test_stages_are_nested_spans_and_annotate_sets_attributes(spans: InMemorySpanExporter):
    timings = Timings()
    with timings.stage("total"):
        with timings.span("retrieve"):
            with timings.stage("bm25"):
                timings.annotate(candidates=40, mode="hybrid")
            with timings.stage("dense"):
                pass
        with timings.stage("answer"):
            pass
    finished = spans.get_finished_spans()
    assert parents(finished) == {
        "rag.total": None,
        "rag.retrieve": "rag.total",
        "rag.bm25": "rag.retrieve",
        "rag.dense": "rag.retrieve",
        "rag.answer": "rag.total",
    }
    bm25 = next(s for s in finished if s.name == "rag.bm25")
    assert dict(bm25.attributes or {}) == {"candidates": 40, "mode": "hybrid"}
    assert bm25.resource.attributes["service.name"] == "tracing-test"
    assert set(timings.ms) == {"total", "bm25", "dense", "answer"}  # a span() is not timed
    timings.annotate(late=True)  # no stage open: nothing to annotate, no error


def test_a_failing_stage_is_an_error_span_and_still_timed(spans: InMemorySpanExporter):
    timings = Timings()
    with pytest.raises(ValueError, match="boom"), timings.stage("answer"):
        raise ValueError("boom")
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR and "boom" in str(span.status.description)
    assert span.events[0].name == "exception"
    assert "answer" in timings.ms


def test_a_streamed_answer_s_stages_nest_though_each_step_runs_in_a_fresh_context(
    spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
):
    """Starlette runs each step of a streaming generator in a new copy of the request's
    context, as here: the stages still nest, and no context is restored in the wrong copy."""

    def stream() -> Iterator[str]:
        timings = Timings()
        with timings.stage("total"):
            yield "token"
            with timings.stage("answer"):
                yield "more"
            with timings.stage("guard_output"):
                pass

    steps = stream()
    with caplog.at_level(logging.WARNING):
        pieces = [contextvars.copy_context().run(next, steps) for _ in range(2)]
        with pytest.raises(StopIteration):
            contextvars.copy_context().run(next, steps)
    assert pieces == ["token", "more"]
    assert parents(spans.get_finished_spans()) == {
        "rag.answer": "rag.total",
        "rag.guard_output": "rag.total",
        "rag.total": None,
    }
    assert not [r for r in caplog.records if r.name.startswith("opentelemetry")]


def test_console_exporter_writes_one_json_object_per_span_to_stderr(
    capsys: pytest.CaptureFixture[str],
):
    tracing.configure(Settings(otel_exporter="console"))
    try:
        timings = Timings()
        with timings.stage("total"), timings.stage("bm25"):
            timings.annotate(candidates=3)
    finally:
        tracing.shutdown()
    captured = capsys.readouterr()
    assert captured.out == ""  # `ask --json` output stays parseable
    bm25, total = (json.loads(line) for line in captured.err.splitlines())  # children end first
    assert (bm25["name"], total["name"]) == ("rag.bm25", "rag.total")
    assert bm25["parent_id"] == total["span_id"] and total["parent_id"] is None
    assert bm25["trace_id"] == total["trace_id"] and len(total["trace_id"]) == 32
    assert bm25["attributes"] == {"candidates": 3}
    assert 0 <= bm25["duration_ms"] <= total["duration_ms"]
    assert total["start"] <= bm25["start"] <= bm25["end"] <= total["end"]


def test_otlp_exporter_posts_the_spans_to_the_collector_endpoint():
    """A loopback stand-in for the collector (Jaeger, an OpenTelemetry Collector) receives the
    protobuf export the SDK sends when the provider shuts down."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    received: list[tuple[str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}"
        tracing.configure(Settings(otel_exporter="otlp", otel_endpoint=endpoint))
        timings = Timings()
        with timings.stage("total"), timings.stage("dense"):
            pass
        tracing.shutdown()  # exports the pending batch
    finally:
        server.shutdown()
    assert [path for path, _ in received] == ["/v1/traces"]
    (batch,) = ExportTraceServiceRequest.FromString(received[0][1]).resource_spans
    resource = {a.key: a.value.string_value for a in batch.resource.attributes}
    assert resource["service.name"] == Settings().project_name
    assert sorted(s.name for scope in batch.scope_spans for s in scope.spans) == [
        "rag.dense",
        "rag.total",
    ]


def test_tracing_is_off_by_default_and_imports_no_opentelemetry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The default costs nothing: configure does nothing, a stage opens no span, and importing
    and running the pipeline's timing imports no OpenTelemetry module (the CLI starts cold)."""
    from opentelemetry import trace

    monkeypatch.delenv("RAG_OTEL_EXPORTER", raising=False)
    tracing.configure(Settings())
    assert not tracing.enabled()
    timings = Timings()
    with timings.stage("total"):
        assert not trace.get_current_span().is_recording()
        timings.annotate(ignored=1)
    assert "total" in timings.ms

    code = (
        "import sys\n"
        "from {{ cookiecutter.package_name }}.core import tracing\n"
        "from {{ cookiecutter.package_name }}.core.settings import load_settings\n"
        "from {{ cookiecutter.package_name }}.core.timing import Timings\n"
        "from {{ cookiecutter.package_name }}.pipeline import Pipeline\n"
        "tracing.configure(load_settings())\n"
        "timings = Timings()\n"
        "with timings.stage('total'), timings.stage('bm25'):\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
