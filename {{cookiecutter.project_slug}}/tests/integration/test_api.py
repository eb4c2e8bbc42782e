"""The HTTP API in-process: contract, limits, errors, metrics, request ids, logs."""

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(api_app) -> TestClient:
    return TestClient(api_app)


def test_ask_answers_with_citations_and_request_id(client: TestClient):
    response = client.post(
        "/ask",
        json={"question": "How long is the Zephyr kettle warranty?"},
        headers={"X-Request-ID": "abc-123"},
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "abc-123"
    data = response.json()
    assert {"answer", "refused", "citations", "latency_ms", "blocked", "reason"} <= set(data)
    assert data["refused"] is False and data["citations"][0]["doc_id"] == "guides/kettle.md"
    assert {"retrieve", "answer", "total"} <= set(data["latency_ms"])
    assert data["request_id"] == "abc-123"  # the same id as the header
    assert data["query"] == "How long is the Zephyr kettle warranty?"  # no rewriting asked


def test_a_question_with_personal_data_is_not_echoed(client: TestClient):
    question = "I am jane.doe@example.com at 14 Norfolk Street, S1 2HE: how long is the warranty?"
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 200
    assert response.json()["query"] is None  # the street is not a recognised entity: no echo
    assert "Norfolk" not in response.text and "jane.doe" not in response.text


def test_search_contract(client: TestClient):
    data = client.post("/search", json={"query": "hose reel", "k": 2, "mode": "hybrid"}).json()
    assert len(data["results"]) == 2
    assert {"doc_id", "chunk_id", "text", "scores"} <= set(data["results"][0])
    assert "fused" in data["results"][0]["scores"]


def test_ready_reports_true_model_state(client: TestClient):
    data = client.get("/ready").json()
    assert data["ready"] is True
    assert data["reranker"]["available"] is False and data["reranker"]["reason"]
    assert data["embedder"]["id"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert data["index"]["documents"] == 4
    assert client.get("/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"question": ""}, "question"),
        ({"question": "x" * 20_000}, "question"),
        ({"question": 42}, "question"),
        ({"question": "ok?", "k": 0}, "k"),
        ({"question": "ok?", "k": 51}, "k"),
        ({"question": "ok?", "mode": "keyword"}, "mode"),
        ({"question": "ok?", "extra": 1}, "extra"),
        ({}, "question"),
    ],
)
def test_bad_requests_get_4xx_json_errors(client: TestClient, body, fragment):
    response = client.post("/ask", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["error"]


def test_malformed_json_and_wrong_method(client: TestClient):
    response = client.post(
        "/ask", content=b"{bad json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and "not valid JSON" in response.json()["error"]
    assert client.get("/ask").status_code == 405


def test_streaming_sends_tokens_then_the_result(client: TestClient):
    with client.stream(
        "POST",
        "/ask",
        json={"question": "What does fault ZK-17 mean?", "stream": True},
        headers={"X-Request-ID": "stream-7"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block for block in body.split("\n\n") if block.strip()]
    assert events[0].startswith("event: token") and events[-1].startswith("event: result")
    result = json.loads(events[-1].split("data: ", 1)[1])
    assert result["citations"] and "ZK-17" in result["answer"]
    assert result["request_id"] == "stream-7"  # read before the body streams


def test_metrics_count_requests_stages_and_refusals(client: TestClient):
    client.post("/ask", json={"question": "Who won the 1966 football world cup final?"})
    text = client.get("/metrics").text
    assert 'rag_requests_total{endpoint="/ask",status="200"}' in text
    assert 'rag_stage_seconds_count{stage="retrieve"}' in text
    assert 'rag_refusals_total{reason="insufficient_evidence"}' in text


def test_logs_are_json_with_request_id_and_no_question_text(
    client: TestClient, caplog: pytest.LogCaptureFixture
):
    from {{ cookiecutter.package_name }}.service.observability import JsonFormatter

    secret = "How long is the Zephyr kettle warranty for my flat?"
    with caplog.at_level(logging.INFO, logger="api"):
        client.post("/ask", json={"question": secret}, headers={"X-Request-ID": "trace-42"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    assert lines and all(line["request_id"] == "trace-42" for line in lines)
    assert any(line["msg"] == "answer" and line["question_chars"] == len(secret) for line in lines)
    assert all(secret not in json.dumps(line) and "flat" not in json.dumps(line) for line in lines)


def test_openapi_and_ui_are_served(client: TestClient):
    schema = client.get("/openapi.json").json()
    assert {"/ask", "/search", "/health", "/ready", "/metrics"} <= set(schema["paths"])
    assert client.get("/ui/").status_code == 200


def test_search_passages_are_redacted_like_ask_passages(tmp_path, embedder):
    """/search returns document text: PII inside it is removed and counted, as for /ask."""
    from tests.helpers.corpus import pipeline_over

    from {{ cookiecutter.package_name }}.service.app import create_app

    contacts = (
        "# Kettle repairs\n\nFor Zephyr kettle repairs e-mail repairs.desk@mail.example or "
        "ring 07700 900123 between 9am and 5pm.\n"
    )
    pipeline = pipeline_over(tmp_path, {"contacts.md": contacts}, embedder, answer_cache_size=0)
    app = create_app(pipeline)
    with TestClient(app) as local:
        data = local.post("/search", json={"query": "Zephyr kettle repairs contact"}).json()
        text = " ".join(r["text"] for r in data["results"])
        assert "Kettle" in text or "kettle" in text
        assert "repairs.desk@mail.example" not in text and "07700 900123" not in text
        assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(data["redactions"])
        assert "guard_output" in data["latency_ms"]
        metrics = local.get("/metrics").text
        assert 'rag_pii_redactions_total{entity="EMAIL_ADDRESS"}' in metrics


def test_a_follow_up_is_resolved_against_the_history(client: TestClient):
    history = [{"question": "How do I descale the Zephyr kettle?", "answer": "With citric acid."}]
    data = client.post(
        "/ask", json={"question": "How often should I do it?", "history": history, "mode": "hybrid"}
    ).json()
    assert data["query"].startswith("How often should I do it? How do I descale the Zephyr kettle?")
    assert data["citations"][0]["doc_id"] == "guides/kettle.md"
    standalone = "How long does standard delivery take?"
    data = client.post("/ask", json={"question": standalone, "history": history}).json()
    assert data["query"] == standalone  # self-contained: searched as asked
    assert data["citations"][0]["doc_id"] == "faq/shipping.html"


@pytest.mark.parametrize(
    "history",
    [
        [{"question": "a?", "answer": "b", "extra": 1}],
        [{"answer": "b"}],
        "not a list",
        [{"question": "a?"}] * 21,
    ],
)
def test_bad_history_is_a_422_naming_it(client: TestClient, history):
    response = client.post("/ask", json={"question": "And then?", "history": history})
    assert response.status_code == 422 and "history" in response.json()["error"]


def test_feedback_round_trip_is_redacted_counted_and_triaged(client: TestClient, tmp_path):
    import sqlite3

    from {{ cookiecutter.package_name }}.feedback import FeedbackStore, triage

    def counted() -> dict[str, float]:  # the app is shared: other tests rate answers too
        text = client.get("/metrics").text
        return {
            name: float(re.search(rf"^{re.escape(name)} (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
            for name in (
                'rag_feedback_total{rating="up"}',
                'rag_feedback_total{rating="down"}',
                "rag_quality_feedback_down_rate",
            )
        }

    before = counted()
    asked = client.post(
        "/ask",
        json={"question": "I am jane.doe@example.com: how long is the Zephyr kettle warranty?"},
        headers={"X-Request-ID": "fb-1"},
    )
    assert asked.status_code == 200
    good = {"request_id": "fb-1", "rating": "up", "comment": "right, call me on 0161 496 0000"}
    created = client.post("/feedback", json=good)
    assert created.status_code == 201 and len(created.json()["id"]) == 32
    client.post(
        "/ask", json={"question": "Who won the 1966 World Cup?"}, headers={"X-Request-ID": "fb-2"}
    )
    down = {"request_id": "fb-2", "rating": "down", "reason": "should_have_refused"}
    assert client.post("/feedback", json=down).status_code == 201

    assert client.post("/feedback", json={**good, "request_id": "never-asked"}).status_code == 404
    for bad in ({**good, "rating": "meh"}, {**down, "reason": "bored"}, {"rating": "up"}):
        response = client.post("/feedback", json=bad)
        assert response.status_code == 422 and response.json()["error"]
    after = counted()
    up, down_rated = 'rag_feedback_total{rating="up"}', 'rag_feedback_total{rating="down"}'
    assert after[up] == before[up] + 1 and after[down_rated] == before[down_rated] + 1
    assert after["rag_quality_feedback_down_rate"] == (before[down_rated] + 1) / (
        before[up] + before[down_rated] + 2
    )

    store = client.app.state.feedback.store
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        dump = "\n".join(db.iterdump())
    assert "jane.doe" not in dump and "496 0000" not in dump and "Zephyr kettle" in dump

    out = tmp_path / "candidates.jsonl"
    result = triage(FeedbackStore(store.path, str).rows(), out, tmp_path / "golden.jsonl")
    kinds = {c["tags"][1]: c for c in result["candidates"]}
    assert kinds["answerable"]["relevant_ids"] == ["guides/kettle.md"]
    assert (
        kinds["unanswerable"]["relevant_ids"] == []
        and kinds["unanswerable"]["source"] == "feedback"
    )
    assert out.read_text().count("\n") == 2
