"""Unbounded consumption (OWASP LLM10): a provider that hangs, fails or answers garbage.

A loopback HTTP server plays the provider. /ask must answer within its deadline, marked as
the extractive fallback; retries are bounded; the circuit breaker opens and half-opens.
"""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from tests.helpers.fake_openai import chat_completion

from {{ cookiecutter.package_name }}.core.errors import ProviderError
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.generation.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    RetryableError,
    call_with_retries,
)
from {{ cookiecutter.package_name }}.pipeline import AskResult, Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore
from {{ cookiecutter.package_name }}.service.app import create_app

REPLY = "The Zephyr kettle is covered for 3 years [1]."
QUESTION = "How long is the Zephyr kettle warranty?"


class Provider(BaseHTTPRequestHandler):
    behaviour = "ok"
    bodies: ClassVar[list[dict]] = []
    release = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Provider.bodies.append(body)
        if Provider.behaviour == "hang":
            Provider.release.wait(60)
            return
        if Provider.behaviour == "error":
            self._send(500, b'{"error": {"message": "internal"}}')
            return
        if Provider.behaviour == "malformed":
            self._send(200, b'{"choices": [{"message": {"content": "The kettle')
            return
        if Provider.behaviour == "wrong-shape":
            self._send(200, b'{"choices": "nope", "usage": {"prompt_tokens": "many"}}')
            return
        self._send(200, chat_completion(body["model"], REPLY))


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    Provider.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    Provider.release.set()
    httpd.shutdown()


def make_pipeline(url: str, built_index: Settings, embedder, **overrides) -> Pipeline:
    Provider.behaviour = "ok"
    Provider.bodies.clear()
    settings = built_index.model_copy(
        update={
            "llm_provider": "openai-compatible",
            "llm_base_url": url,
            "llm_model": "test-model",
            "llm_max_retries": 0,
            "llm_timeout_s": 30.0,
            "llm_backoff_s": 0.01,
            "request_deadline_s": 30.0,
            "answer_cache_size": 0,  # every ask reaches the provider
            **overrides,
        }
    )
    return Pipeline(settings, LocalStore(settings.index_dir), embedder)


def assert_fallback(data: dict, note: str) -> None:
    assert data["fallback"] == "extractive"
    assert data["provider"] == "extractive-fallback"
    assert "3-year warranty" in data["answer"] and data["citations"]
    assert any(note in n and "extractive fallback" in n for n in data["notes"]), data["notes"]


def test_hanging_provider_answers_within_the_deadline_through_the_api(
    provider_url, built_index, embedder
):
    pipeline = make_pipeline(provider_url, built_index, embedder, request_deadline_s=3.0)
    client = TestClient(create_app(pipeline, with_ui=False))
    warm = client.post("/ask", json={"question": QUESTION, "mode": "hybrid"}).json()
    assert warm["answer"] == REPLY and warm["fallback"] is None  # a warm server, provider up
    Provider.behaviour = "hang"
    started = time.perf_counter()
    response = client.post("/ask", json={"question": QUESTION, "mode": "hybrid"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 3.0, (elapsed, str(response.json()["latency_ms"]))
    assert_fallback(response.json(), "APITimeoutError")


def test_hanging_provider_while_streaming_falls_back_within_the_deadline(
    provider_url, built_index, embedder
):
    pipeline = make_pipeline(provider_url, built_index, embedder, request_deadline_s=2.5)
    list(pipeline.ask_stream(QUESTION, mode="hybrid"))  # warm
    Provider.behaviour = "hang"
    started = time.perf_counter()
    pieces = list(pipeline.ask_stream(QUESTION, mode="hybrid"))
    assert time.perf_counter() - started < 2.5
    result = pieces[-1]
    assert isinstance(result, AskResult)
    assert_fallback(result.to_json(), "LLM provider failed")


def test_server_errors_are_retried_a_bounded_number_of_times(provider_url, built_index, embedder):
    pipeline = make_pipeline(provider_url, built_index, embedder, llm_max_retries=2)
    Provider.behaviour = "error"
    data = pipeline.ask(QUESTION, mode="hybrid").to_json()
    assert len(Provider.bodies) == 3  # first try + 2 retries, then stop
    assert_fallback(data, "InternalServerError")


@pytest.mark.parametrize("behaviour", ["malformed", "wrong-shape"])
def test_malformed_responses_fall_back_without_retrying(
    provider_url, built_index, embedder, behaviour
):
    pipeline = make_pipeline(provider_url, built_index, embedder, llm_max_retries=2)
    Provider.behaviour = behaviour
    client = TestClient(create_app(pipeline, with_ui=False))
    response = client.post("/ask", json={"question": QUESTION, "mode": "hybrid"})
    assert response.status_code == 200
    assert len(Provider.bodies) == 1
    assert_fallback(response.json(), "LLM provider")


def test_breaker_opens_then_half_opens_and_closes(provider_url, built_index, embedder):
    pipeline = make_pipeline(
        provider_url, built_index, embedder, llm_breaker_failures=2, llm_breaker_cooldown_s=0.6
    )
    Provider.behaviour = "error"
    for _ in range(2):
        pipeline.ask(QUESTION, mode="hybrid")
    assert len(Provider.bodies) == 2 and pipeline.generator.breaker.state == "open"
    data = pipeline.ask(QUESTION, mode="hybrid").to_json()
    assert len(Provider.bodies) == 2  # open: the provider is not called at all
    assert_fallback(data, "circuit open")
    time.sleep(0.7)
    Provider.behaviour = "ok"
    assert pipeline.generator.breaker.state == "half-open"
    data = pipeline.ask(QUESTION, mode="hybrid").to_json()
    assert data["answer"] == REPLY and data["fallback"] is None
    assert pipeline.generator.breaker.state == "closed"


def test_prompt_is_capped_and_completion_tokens_bounded(provider_url, built_index, embedder):
    pipeline = make_pipeline(provider_url, built_index, embedder, llm_max_prompt_tokens=256)
    pipeline.ask(QUESTION, mode="hybrid", k=10)
    sent = Provider.bodies[-1]
    prompt = json.dumps(sent["messages"])
    assert "[1]" in prompt and "[4]" not in prompt  # later passages dropped to fit
    assert len(str(sent["messages"])) / 4 <= 256 or "[2]" not in prompt
    assert sent["max_tokens"] == pipeline.settings.llm_max_tokens


def test_caps_are_enforced_by_settings():
    from pydantic import ValidationError

    for field, value in [
        ("candidates", 10_000),
        ("top_k", 51),
        ("llm_max_tokens", 100_000),
        ("llm_max_prompt_tokens", 10),
        ("request_deadline_s", 0),
    ]:
        with pytest.raises(ValidationError):
            Settings(**{field: value})


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_state_machine_with_a_fake_clock():
    clock = FakeClock()
    breaker = CircuitBreaker(failures=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        breaker.before_call()
        breaker.failure()
    assert breaker.state == "closed"
    breaker.before_call()
    breaker.failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="next try in 10 s"):
        breaker.before_call()
    clock.now += 10
    assert breaker.state == "half-open"
    breaker.before_call()  # the one trial call
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # others still fail fast while it runs
    breaker.failure()
    assert breaker.state == "open"  # the trial failed: open again
    clock.now += 10
    breaker.before_call()
    breaker.success()
    assert breaker.state == "closed" and breaker.consecutive == 0


def test_retries_stop_at_the_deadline_and_back_off():
    breaker = CircuitBreaker(failures=100, cooldown_s=1)
    calls: list[float] = []
    sleeps: list[float] = []

    def attempt(timeout: float) -> str:
        calls.append(timeout)
        raise RetryableError("boom")

    with pytest.raises(RetryableError):
        call_with_retries(attempt, breaker, 5.0, 3, 0.1, None, sleeps.append)
    assert len(calls) == 4 and calls == [5.0] * 4
    assert len(sleeps) == 3  # exponential backoff with jitter 0.5-1.5x around 0.1 * 2**n
    for n, slept in enumerate(sleeps):
        assert 0.1 * 2**n * 0.5 <= slept <= 0.1 * 2**n * 1.5
    calls.clear()
    deadline = time.monotonic() + 1.0
    with pytest.raises(ProviderError, match="deadline"):
        call_with_retries(attempt, breaker, 5.0, 3, 2.0, deadline, sleeps.append)
    assert len(calls) == 1 and calls[0] <= 0.5  # timeout cut to the deadline minus the reserve
