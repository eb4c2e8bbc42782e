"""LLM-judged answer metrics (ragas) and the judge-agreement check.

The judge is its own openai-compatible endpoint (``RAG_JUDGE_BASE_URL`` / ``RAG_JUDGE_MODEL`` /
``RAG_JUDGE_API_KEY``), kept apart from the answering model so a model never grades itself by
accident. Every ragas metric gets that judge passed explicitly and is scored with
``single_turn_score``: ragas is never given the chance to build its default OpenAI client.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ..core.errors import RagError

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

NOT_CONFIGURED = (
    "no LLM judge is configured: set RAG_JUDGE_BASE_URL and RAG_JUDGE_MODEL "
    "(and RAG_JUDGE_API_KEY if the server needs one) to add faithfulness, answer relevancy "
    "and LLM context precision/recall"
)
FAITHFUL_AT = 1.0  # an answer is faithful when every statement in it is supported
RELEVANCE_DEFINITION = (
    "Return 1 if the response answers the question the user asked (a correct refusal to answer "
    "counts as relevant only when it addresses the question), and 0 if it answers a different "
    "question or does not address the question."
)


class JudgeError(RagError):
    """The configured judge could not be reached or returned nothing usable."""


@dataclass
class Judge:
    llm: Any
    embeddings: Any
    model: str
    base_url: str

    def describe(self) -> dict[str, Any]:
        return {"configured": True, "model": self.model, "base_url": self.base_url}


def status(settings: Settings) -> dict[str, Any]:
    if not settings.judge_configured:
        return {"configured": False, "note": NOT_CONFIGURED}
    return {"configured": True, "model": settings.judge_model, "base_url": settings.judge_base_url}


def build_judge(settings: Settings, embedder: Embedder) -> Judge:
    """The ragas LLM and embeddings wrappers over the configured judge and our own embedder."""
    if not settings.judge_configured:
        raise JudgeError(NOT_CONFIGURED)
    from langchain_openai import ChatOpenAI
    from ragas.embeddings.base import BaseRagasEmbeddings
    from ragas.llms import LangchainLLMWrapper

    class OurEmbeddings(BaseRagasEmbeddings):
        """Answer relevancy compares questions with the project's own (offline) embedder."""

        def embed_query(self, text: str) -> list[float]:
            return [float(x) for x in embedder.encode([text])[0]]

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in embedder.encode(texts)]

        async def aembed_query(self, text: str) -> list[float]:
            return self.embed_query(text)

        async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embed_documents(texts)

    chat = ChatOpenAI(
        base_url=settings.judge_base_url,
        api_key=settings.judge_api_key or SecretStr("not-needed"),
        model=str(settings.judge_model),
        temperature=0.0,
        timeout=settings.judge_timeout_s,
        max_retries=settings.judge_max_retries,
    )
    return Judge(
        llm=LangchainLLMWrapper(chat, bypass_n=True),
        embeddings=OurEmbeddings(),
        model=str(settings.judge_model),
        base_url=str(settings.judge_base_url),
    )


def answer_metrics(judge: Judge) -> list[Any]:
    """Faithfulness, answer relevancy (one generated question per answer: strictness 1, so the
    judge is called once per metric and servers that ignore ``n`` behave the same), and the LLM
    context precision/recall against the reference answer."""
    from ragas.metrics import (
        Faithfulness,
        LLMContextPrecisionWithReference,
        LLMContextRecall,
        ResponseRelevancy,
    )

    return [
        Faithfulness(llm=judge.llm),
        ResponseRelevancy(llm=judge.llm, embeddings=judge.embeddings, strictness=1),
        LLMContextPrecisionWithReference(llm=judge.llm),
        LLMContextRecall(llm=judge.llm),
    ]


def _score(metric: Any, sample: Any) -> float:
    try:
        value = float(metric.single_turn_score(sample))
    except Exception as exc:  # ragas wraps transport and parse errors in many types
        raise JudgeError(f"judge failed on {metric.name}: {type(exc).__name__}: {exc}") from exc
    return value


def score(
    metrics: list[Any], question: str, answer: str, contexts: list[str], reference: str | None
) -> dict[str, float]:
    """Judged scores for one answer; NaN (the judge's output could not be parsed) is kept out."""
    from ragas.dataset_schema import SingleTurnSample

    sample = SingleTurnSample(
        user_input=question,
        response=answer,
        retrieved_contexts=contexts,
        reference=reference or "",
    )
    scores = {}
    for metric in metrics:
        value = _score(metric, sample)
        if not math.isnan(value):
            scores[metric.name] = value
    return scores


def verdict_metrics(judge: Judge) -> tuple[Any, Any]:
    """Binary verdicts for the agreement check: faithfulness (all statements supported) and an
    aspect critic for relevance."""
    from ragas.metrics import AspectCritic, Faithfulness

    return (
        Faithfulness(llm=judge.llm),
        AspectCritic(name="relevance", definition=RELEVANCE_DEFINITION, llm=judge.llm),
    )


def verdicts(
    metrics: tuple[Any, Any], question: str, answer: str, contexts: list[str]
) -> tuple[bool | None, bool | None]:
    """(faithful, relevant); None where the judge's output could not be parsed."""
    from ragas.dataset_schema import SingleTurnSample

    sample = SingleTurnSample(user_input=question, response=answer, retrieved_contexts=contexts)
    faithful, relevant = (_score(m, sample) for m in metrics)
    return (
        None if math.isnan(faithful) else faithful >= FAITHFUL_AT,
        None if math.isnan(relevant) else relevant >= 0.5,
    )
