"""Streamed LLM tokens are redacted before they are sent, even when PII is split across tokens.

A loopback fake LLM streams an answer whose e-mail address and phone number arrive in pieces; the
token events the pipeline yields (and the API's SSE stream) must never carry them.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.guardrails.pii import PiiRedactor
from {{ cookiecutter.package_name }}.guardrails.stream import StreamRedactor
from {{ cookiecutter.package_name }}.pipeline import AskResult, Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore
from {{ cookiecutter.package_name }}.service.app import create_app

EMAIL = "jo.bloggs@mail.example"
PHONE = "07700 900123"
# Cut inside the address and inside the phone number.
TOKENS = [
    "The Zephyr kettle has a 3-year warranty [1]. ",
    "For a claim, write to jo.bl",
    "oggs@ma",
    "il.exa",
    "mple or ring 0770",
    "0 900",
    "123 [1].",
]


class StreamingLLM(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for token in TOKENS:
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture(scope="module")
def pipeline(built_index: Settings, embedder) -> Iterator[Pipeline]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StreamingLLM)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings = built_index.model_copy(
        update={
            "llm_provider": "openai-compatible",
            "llm_base_url": f"http://127.0.0.1:{httpd.server_address[1]}/v1",
            "llm_model": "test-model",
            "llm_max_retries": 0,
            "llm_timeout_s": 5.0,
        }
    )
    yield Pipeline(settings, LocalStore(settings.index_dir), embedder)
    httpd.shutdown()


def _leaks(text: str) -> list[str]:
    fragments = [EMAIL, "bloggs", "mail.example", PHONE, "900123", "07700"]
    return [f for f in fragments if f in text]


def test_streamed_tokens_are_redacted_across_token_boundaries(pipeline: Pipeline):
    pieces = list(pipeline.ask_stream("How long is the kettle warranty?", mode="hybrid"))
    tokens = [p for p in pieces if isinstance(p, str)]
    result = pieces[-1]
    assert isinstance(result, AskResult)
    streamed = "".join(tokens)
    assert "3-year warranty" in streamed  # the answer itself still streams
    assert "<EMAIL_ADDRESS>" in streamed and "<PHONE_NUMBER>" in streamed
    assert not _leaks(streamed) and not any(_leaks(t) for t in tokens)
    assert len(tokens) >= 2  # released sentence by sentence, not all at the end
    assert not _leaks(result.answer.text)


def test_sse_token_events_carry_no_pii(pipeline: Pipeline):
    client = TestClient(create_app(pipeline, with_ui=False))
    response = client.post(
        "/ask", json={"question": "How long is the kettle warranty?", "stream": True}
    )
    assert response.status_code == 200
    assert "event: token" in response.text and "<EMAIL_ADDRESS>" in response.text
    assert not _leaks(response.text)


def test_long_text_without_a_boundary_is_released_without_cutting_pii():
    held = StreamRedactor(PiiRedactor(), max_chars=80, keep_chars=40)
    words = ["word"] * 30 + ["contact", "jo.bl", "oggs@mail.example", "now"]
    out = []
    for word in words:
        out += list(held.feed(word + " "))
    assert out, "a long buffer is released before the end"
    out += list(held.flush())
    text = "".join(out)
    assert "<EMAIL_ADDRESS>" in text and "bloggs" not in text
    assert text.count("word") == 30
