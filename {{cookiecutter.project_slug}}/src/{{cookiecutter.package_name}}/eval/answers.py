"""Answer-quality metrics that need no LLM, computed per question: ragas's ROUGE-L
(rouge_score), string similarity and ID-based context metrics, and SQuAD token F1.

Each metric is scored with ``single_turn_score`` on an explicit sample, so ragas never builds a
default (paid) judge behind the caller's back. The golden format has reference answers and
relevant document ids but no reference passages, so the ID-based context metrics are used rather
than the passage-matching ``NonLLMContext*`` ones.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

_CITATION = re.compile(r"\s*\[\d{1,3}\]")


def non_llm_metrics() -> list[Any]:
    from ragas.metrics import (
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMStringSimilarity,
        RougeScore,
    )

    return [
        IDBasedContextPrecision(),
        IDBasedContextRecall(),
        RougeScore(),
        NonLLMStringSimilarity(),
    ]


_ARTICLES = re.compile(r"(?:a|an|the)")
_WORD = re.compile(r"[a-z0-9]+")


def _answer_tokens(text: str) -> list[str]:
    """SQuAD's normalisation: lower case, no punctuation, no articles."""
    return _WORD.findall(_ARTICLES.sub(" ", text.lower()))


def token_f1(answer: str, reference: str) -> float:
    """Harmonic mean of token precision and recall against the reference answer (SQuAD F1)."""
    got, want = _answer_tokens(answer), _answer_tokens(reference)
    if not got or not want:
        return float(got == want)
    common = sum(min(got.count(t), want.count(t)) for t in set(got))
    if common == 0:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def strip_citations(answer: str) -> str:
    return _CITATION.sub("", answer).strip()


def score_answer(
    metrics: list[Any],
    question: str,
    answer: str,
    reference: str | None,
    retrieved_doc_ids: list[str],
    relevant_ids: list[str],
) -> dict[str, float | None]:
    """Scores for one answerable question; a refusal is scored as the answer it is. A metric
    that is undefined for it (context precision when nothing was retrieved) is None."""
    from ragas.dataset_schema import SingleTurnSample

    sample = SingleTurnSample(
        user_input=question,
        response=strip_citations(answer),
        reference=reference or "",
        retrieved_context_ids=list[str | int](retrieved_doc_ids),
        reference_context_ids=list[str | int](relevant_ids),
    )
    scores: dict[str, float | None] = {}
    for metric in metrics:
        value = float(metric.single_turn_score(sample))
        scores[metric.name] = value if math.isfinite(value) else None  # undefined: no context
    scores["token_f1"] = token_f1(sample.response or "", reference or "")
    return scores
