"""The openai-compatible answerer against a real HTTP server on loopback that the test starts."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from tests.helpers.fake_openai import chat_completion

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.pipeline import AskResult, Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

REPLY = "The Zephyr kettle is covered for 3 years [1]."


class FakeLLM(BaseHTTPRequestHandler):
    behaviour = "ok"
    requests: ClassVar[list[dict]] = []

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLLM.requests.append(body)
        if FakeLLM.behaviour == "error":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for word in REPLY.split(" "):
                chunk = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "delta": {"content": word + " "}, "finish_reason": None}
                    ],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            usage = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [],
                "usage": {"prompt_tokens": 120, "completion_tokens": 11, "total_tokens": 131},
            }
            self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
            return
        content = "NOT_IN_DOCUMENTS" if "moon" in json.dumps(body) else REPLY
        data = chat_completion(body["model"], content)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


@pytest.fixture()
def pipeline(server: str, built_index: Settings, embedder) -> Pipeline:
    FakeLLM.behaviour = "ok"
    FakeLLM.requests.clear()
    settings = built_index.model_copy(
        update={
            "llm_provider": "openai-compatible",
            "llm_base_url": server,
            "llm_model": "test-model",
            "llm_max_retries": 0,
            "llm_timeout_s": 5.0,
        }
    )
    return Pipeline(settings, LocalStore(settings.index_dir), embedder)


def test_generative_answer_with_citations_and_usage(pipeline: Pipeline):
    data = pipeline.ask("How long is the kettle warranty?", mode="hybrid").to_json()
    assert data["answer"] == REPLY and data["provider"] == "openai-compatible"
    assert data["citations"][0]["n"] == 1
    assert data["usage"] == {"prompt_tokens": 120, "completion_tokens": 11, "source": "provider"}
    sent = FakeLLM.requests[-1]
    assert sent["model"] == "test-model"
    assert "[1]" in sent["messages"][1]["content"] and "Zephyr" in sent["messages"][1]["content"]


def test_streaming_yields_tokens_then_the_result(pipeline: Pipeline):
    pieces = list(pipeline.ask_stream("How long is the kettle warranty?", mode="hybrid"))
    text = [p for p in pieces if isinstance(p, str)]
    result = pieces[-1]
    assert isinstance(result, AskResult)
    # The stream redactor releases text at sentence ends (PII split across tokens is caught), so
    # this one-sentence reply arrives whole; tests/integration/test_stream_redaction.py streams more.
    assert len(text) >= 1 and "".join(text).strip() == REPLY
    assert result.answer.usage["completion_tokens"] == 11


def test_model_declining_is_a_refusal(pipeline: Pipeline):
    data = pipeline.ask(
        "Which kettle descaling advice applies on the moon?", mode="hybrid"
    ).to_json()
    assert data["refused"] is True and data["reason"] == "llm_declined"


def test_provider_failure_falls_back_to_extractive(pipeline: Pipeline):
    FakeLLM.behaviour = "error"
    data = pipeline.ask("How long is the kettle warranty?", mode="hybrid").to_json()
    assert data["provider"] == "extractive-fallback"
    assert "3-year warranty" in data["answer"]
    assert any("extractive fallback" in note for note in data["notes"])
