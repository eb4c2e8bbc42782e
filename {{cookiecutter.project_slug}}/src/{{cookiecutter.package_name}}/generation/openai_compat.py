"""Generative answers from any server that speaks the OpenAI chat-completions API.

OpenAI, Azure OpenAI, Ollama, vLLM and the llama.cpp server all do. Configured by
``RAG_LLM_BASE_URL``, ``RAG_LLM_MODEL`` and ``RAG_LLM_API_KEY``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import ProviderError
from ..core.types import Answer, Citation
from .base import cited_numbers, refusal
from .prompts import DECLINE_MARKER, REWRITE_TOKENS, messages, rewrite_messages
from .resilience import (
    FALLBACK_RESERVE_S,
    CircuitBreaker,
    RetryableError,
    call_with_retries,
)

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..core.types import Hit, Turn


class OpenAICompatibleGenerator:
    provider = "openai-compatible"

    def __init__(self, settings: Settings):
        from openai import OpenAI

        if not settings.llm_base_url or not settings.llm_model:
            raise ProviderError("set RAG_LLM_BASE_URL and RAG_LLM_MODEL to use openai-compatible")
        self.settings = settings
        self.model = settings.llm_model
        # Retries are ours (bounded by the request deadline, counted by the breaker).
        self.client = OpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused",
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )
        self.breaker = CircuitBreaker(
            settings.llm_breaker_failures, settings.llm_breaker_cooldown_s
        )

    def _request(
        self,
        prompt: list[dict[str, str]],
        stream: bool,
        deadline: float | None = None,
        max_tokens: int | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": prompt,
            "max_tokens": max_tokens or self.settings.llm_max_tokens,
            "temperature": self.settings.llm_temperature,
        }
        if stream:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}

        def attempt(timeout: float) -> Any:
            try:
                return self.client.chat.completions.create(**kwargs, timeout=timeout)
            except Exception as exc:
                raise _provider_error(exc) from exc

        s = self.settings
        return call_with_retries(
            attempt, self.breaker, s.llm_timeout_s, s.llm_max_retries, s.llm_backoff_s, deadline
        )

    def _finish(self, text: str, hits: list[Hit], usage: dict[str, Any]) -> Answer:
        text = text.strip()
        if not text or DECLINE_MARKER in text:
            answer = refusal("llm_declined", provider=self.provider)
            answer.usage = usage
            return answer
        valid = [n for n in cited_numbers(text) if 1 <= n <= len(hits)]
        citations = [
            Citation(n, hits[n - 1].chunk.doc_id, hits[n - 1].chunk.chunk_id) for n in valid
        ]
        notes = [] if citations else ["the model cited no passage"]
        return Answer(text, False, citations, None, self.provider, usage, {}, notes)

    def generate(self, question: str, hits: list[Hit], deadline: float | None = None) -> Answer:
        hits = fit_prompt(question, hits, self.settings.llm_max_prompt_tokens)
        response = self._request(messages(question, hits), stream=False, deadline=deadline)
        try:
            text = _content(response)
            usage = {}
            if getattr(response, "usage", None):
                usage = {
                    "prompt_tokens": int(response.usage.prompt_tokens),
                    "completion_tokens": int(response.usage.completion_tokens),
                    "source": "provider",
                }
        except Exception as exc:
            self.breaker.failure()
            raise ProviderError(
                f"LLM provider returned an unexpected response: {exc}".splitlines()[0]
            ) from exc
        return self._finish(text, hits, usage)

    def rewrite(self, question: str, history: Sequence[Turn], deadline: float | None = None) -> str:
        """The follow-up ``question`` as a standalone search query, written by the LLM."""
        prompt = rewrite_messages(question, history)
        response = self._request(prompt, stream=False, deadline=deadline, max_tokens=REWRITE_TOKENS)
        try:
            lines = _content(response).strip().splitlines()
            return lines[0].strip() if lines else ""
        except Exception as exc:
            self.breaker.failure()
            raise ProviderError(f"LLM rewrite returned an unexpected response: {exc}") from exc

    def stream(
        self, question: str, hits: list[Hit], deadline: float | None = None
    ) -> Iterator[str | Answer]:
        """Yield text deltas as they arrive, then the finished Answer."""
        hits = fit_prompt(question, hits, self.settings.llm_max_prompt_tokens)
        response = self._request(messages(question, hits), stream=True, deadline=deadline)
        parts: list[str] = []
        usage: dict[str, Any] = {}
        try:
            for event in response:
                if deadline is not None and time.monotonic() > deadline - FALLBACK_RESERVE_S:
                    response.close()
                    raise ProviderError("LLM stream stopped: the request deadline was reached")
                if getattr(event, "usage", None):
                    usage = {
                        "prompt_tokens": event.usage.prompt_tokens,
                        "completion_tokens": event.usage.completion_tokens,
                        "source": "provider",
                    }
                if event.choices and event.choices[0].delta and event.choices[0].delta.content:
                    delta = event.choices[0].delta.content
                    parts.append(delta)
                    yield delta
        except ProviderError:
            self.breaker.failure()
            raise
        except Exception as exc:
            self.breaker.failure()
            raise ProviderError(f"LLM stream failed: {exc}".splitlines()[0]) from exc
        yield self._finish("".join(parts), hits, usage)


#: Rough characters per token for budgeting a prompt without the provider's tokenizer.
CHARS_PER_TOKEN = 4


def fit_prompt(question: str, hits: list[Hit], max_tokens: int) -> list[Hit]:
    """The leading hits whose prompt fits ``max_tokens`` (estimated); at least one is kept."""
    kept: list[Hit] = []
    for hit in hits:
        if kept and len(str(messages(question, [*kept, hit]))) / CHARS_PER_TOKEN > max_tokens:
            break
        kept.append(hit)
    return kept


def _content(response: Any) -> str:
    text = response.choices[0].message.content or ""
    if not isinstance(text, str):
        raise TypeError(f"content is {type(text).__name__}")
    return text


def _provider_error(exc: Exception) -> ProviderError:
    """Map an SDK or transport error to a one-line ProviderError (retryable or not)."""
    from openai import APIConnectionError, APIStatusError

    message = f"LLM provider failed: {type(exc).__name__}: {exc}".splitlines()[0][:300]
    if isinstance(exc, APIConnectionError):  # includes timeouts
        return RetryableError(message)
    if isinstance(exc, APIStatusError) and (exc.status_code >= 500 or exc.status_code == 429):
        return RetryableError(message)
    return ProviderError(message)
