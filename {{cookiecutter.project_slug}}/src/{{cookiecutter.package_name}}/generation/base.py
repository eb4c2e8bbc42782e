"""What every answerer returns."""

from __future__ import annotations

import re

from ..core.types import Answer

REFUSAL_TEXT = "I can't answer that from the documents: they do not contain enough evidence."
_CITATION = re.compile(r"\[(\d{1,3})\]")


def cited_numbers(text: str) -> list[int]:
    """The distinct [n] markers in ``text``, in order of first appearance."""
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        n = int(match.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def refusal(
    reason: str, evidence: dict[str, float] | None = None, provider: str = "extractive"
) -> Answer:
    return Answer(REFUSAL_TEXT, True, [], reason, provider, {}, evidence or {})


def answer_attributes(answer: Answer, llm_model: str | None) -> dict[str, str | int | bool]:
    """GenAI semantic-convention attributes of the answer span (model and token usage when an
    LLM wrote it), plus what was answered."""
    found: dict[str, str | int | bool] = {
        "rag.answer.provider": answer.provider,
        "rag.answer.refused": answer.refused,
        "rag.answer.citations": len(answer.citations),
    }
    if answer.provider == "openai-compatible":
        found |= {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": llm_model or "",
        }
        for key, name in (("prompt_tokens", "input"), ("completion_tokens", "output")):
            if isinstance(answer.usage.get(key), int):
                found[f"gen_ai.usage.{name}_tokens"] = answer.usage[key]
    return found
