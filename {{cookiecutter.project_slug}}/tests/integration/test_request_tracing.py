"""Traces through the HTTP API: one trace per request, the request span at its root and a
`rag.<stage>` span under it for every stage the response times, found again in the X-Trace-ID
header and the JSON logs."""

import json
import logging

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

QUESTION = "How long is the Zephyr kettle warranty?"


@pytest.fixture(scope="module")
def client(built_index, embedder) -> TestClient:
    """The API without the UI over the shared test index; no answer cache (every ask works)."""
    from {{ cookiecutter.package_name }}.pipeline import Pipeline
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore
    from {{ cookiecutter.package_name }}.service.app import create_app

    settings = built_index.model_copy(update={"answer_cache_size": 0})
    pipeline = Pipeline(settings, LocalStore(settings.index_dir), embedder, None, "none in tests")
    return TestClient(create_app(pipeline, with_ui=False))


def ancestors(span: ReadableSpan, finished: tuple[ReadableSpan, ...]) -> list[str]:
    by_id = {s.context.span_id: s for s in finished}
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def check_trace(finished: tuple[ReadableSpan, ...], latency_ms: dict[str, float]) -> str:
    """Assert one trace rooted at the POST /ask span with every timed stage under it; return
    the trace id as the header and logs write it."""
    assert len({s.context.trace_id for s in finished}) == 1
    (root,) = [s for s in finished if s.parent is None]
    assert root.name == "POST /ask" and root.kind is SpanKind.SERVER
    assert dict(root.attributes or {}) == {
        "http.request.method": "POST",
        "url.path": "/ask",
        "http.route": "/ask",
        "http.response.status_code": 200,
    }
    stages = {s.name.removeprefix("rag."): s for s in finished if s.name.startswith("rag.")}
    assert set(latency_ms) <= set(stages), latency_ms
    for name, span in stages.items():
        assert ancestors(span, finished)[-1] == "POST /ask", name
    assert ancestors(stages["bm25"], finished)[0] != "POST /ask"  # nested in the stages
    assert ancestors(stages["bm25"], finished)[0] == "rag.retrieve"
    # GenAI semantic-convention attributes where they exist, the project's own where not
    embed = dict(stages["embed_query"].attributes or {})
    assert embed["gen_ai.operation.name"] == "embeddings"
    assert embed["gen_ai.request.model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert dict(stages["retrieve"].attributes or {})["rag.retrieval.documents"] >= 1
    answer = dict(stages["answer"].attributes or {})
    assert answer["rag.answer.provider"] == "extractive" and answer["rag.answer.citations"] >= 1
    return f"{root.context.trace_id:032x}"


def test_one_ask_is_one_trace_named_in_the_header_and_the_logs(
    client: TestClient, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
):
    from {{ cookiecutter.package_name }}.service.observability import JsonFormatter

    with caplog.at_level(logging.INFO, logger="api"):
        response = client.post("/ask", json={"question": QUESTION})
    assert response.status_code == 200
    trace_id = check_trace(spans.get_finished_spans(), response.json()["latency_ms"])
    assert response.headers["X-Trace-ID"] == trace_id
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    assert {line["msg"] for line in lines} == {"answer", "request"}
    assert all(line["trace_id"] == trace_id for line in lines)


def test_a_streamed_answer_belongs_to_its_request_s_trace(
    client: TestClient, spans: InMemorySpanExporter
):
    with client.stream("POST", "/ask", json={"question": QUESTION, "stream": True}) as response:
        body = "".join(response.iter_text())
    result = json.loads(body.rsplit("event: result\ndata: ", 1)[1])
    finished = spans.get_finished_spans()
    assert response.headers["X-Trace-ID"] == check_trace(finished, result["latency_ms"])
    root = next(s for s in finished if s.parent is None)
    total = next(s for s in finished if s.name == "rag.total")
    assert root.end_time is not None and total.end_time is not None
    assert root.end_time >= total.end_time  # the request span lasts until the stream ends


def test_a_caller_s_traceparent_is_continued_and_other_routes_are_traced(
    client: TestClient, spans: InMemorySpanExporter
):
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    health = client.get("/health", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert health.headers["X-Trace-ID"] == trace_id
    assert client.get("/no-such-page").status_code == 404
    first, second = spans.get_finished_spans()
    assert first.name == "GET /health" and first.parent is not None
    assert f"{first.parent.span_id:016x}" == parent_id and first.parent.is_remote
    # an unknown path is named by its method alone, so names stay few
    assert second.name == "GET" and second.attributes
    assert second.attributes["http.response.status_code"] == 404
