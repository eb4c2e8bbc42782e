"""Generative answers from any server that speaks the OpenAI chat-completions API.

OpenAI, Azure OpenAI, Ollama, vLLM and the llama.cpp server all do. Configured by
``RAG_LLM_BASE_URL``, ``RAG_LLM_MODEL`` and ``RAG_LLM_API_KEY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ProviderError
from .base import Answer, Citation, cited_numbers, refusal
from .prompts import DECLINE_MARKER, messages

if TYPE_CHECKING:
    from ..config import Settings
    from ..retrieval.hybrid import Hit


class OpenAICompatibleGenerator:
    provider = "openai-compatible"

    def __init__(self, settings: Settings):
        from openai import OpenAI

        if not settings.llm_base_url or not settings.llm_model:
            raise ProviderError("set RAG_LLM_BASE_URL and RAG_LLM_MODEL to use openai-compatible")
        self.settings = settings
        self.model = settings.llm_model
        self.client = OpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "unused",
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )

    def _request(self, question: str, hits: list[Hit], stream: bool) -> Any:
        from openai import OpenAIError

        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages(question, hits),
            "max_tokens": self.settings.llm_max_tokens,
            "temperature": self.settings.llm_temperature,
        }
        if stream:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}
        try:
            return self.client.chat.completions.create(**kwargs)
        except OpenAIError as exc:
            raise ProviderError(
                f"LLM provider failed: {type(exc).__name__}: {exc}".splitlines()[0]
            ) from exc

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

    def generate(self, question: str, hits: list[Hit]) -> Answer:
        from openai import OpenAIError

        response = self._request(question, hits, stream=False)
        try:
            text = response.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError, OpenAIError) as exc:
            raise ProviderError(f"LLM provider returned an unexpected response: {exc}") from exc
        usage = {}
        if getattr(response, "usage", None):
            usage = {
                "prompt_tokens": response.usage.prompt_tokens,
                "completion_tokens": response.usage.completion_tokens,
                "source": "provider",
            }
        return self._finish(text, hits, usage)

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Answer]:
        """Yield text deltas as they arrive, then the finished Answer."""
        from openai import OpenAIError

        response = self._request(question, hits, stream=True)
        parts: list[str] = []
        usage: dict[str, Any] = {}
        try:
            for event in response:
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
        except OpenAIError as exc:
            raise ProviderError(f"LLM stream failed: {exc}".splitlines()[0]) from exc
        yield self._finish("".join(parts), hits, usage)
