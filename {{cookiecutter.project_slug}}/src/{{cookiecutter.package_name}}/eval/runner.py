"""Run a golden set through the pipeline: the served answers, then each retrieval mode."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.settings import MODES
from ..core.timing import STAGES
from ..reports.cost import TokenCounter, answer_tokens
from ..reports.stats import bootstrap_ci, percentiles
from .answers import non_llm_metrics, score_answer, strip_citations
from .golden import GoldenItem
from .judge import NOT_CONFIGURED, answer_metrics
from .judge import score as judge_score
from .metrics import RANKING_DEPTH, RETRIEVAL_METRICS, dedupe, retrieval_scores

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from .judge import Judge

SCHEMA_VERSION = 1

Progress = Callable[[str, int, int], None]


def _spread(values: list[float | None]) -> dict[str, float]:
    """5th, 50th and 95th percentile of the best-evidence similarity (questions that reached
    retrieval; the input rail stops some before it)."""
    seen = [v for v in values if v is not None]
    if not seen:
        return {}
    return {"n": len(seen), **percentiles(seen, (5, 50, 95), digits=4)}


def answerability_report(
    pipeline: Pipeline, items: list[GoldenItem], rows: dict[str, Any], golden_sha256: str | None
) -> dict[str, Any]:
    """How well the live refusal model separates this golden set's questions (AUC with a
    bootstrap interval; in-sample when the model was calibrated on this very set), beside the
    cross-validated AUC `make calibrate` recorded."""
    from .calibration import auc_interval

    model = pipeline.answerability
    scored = [
        (0 if item.answerable else 1, rows[item.id]["evidence"]["p_unanswerable"])
        for item in items
        if "p_unanswerable" in rows[item.id].get("evidence", {})
    ]
    labels = np.asarray([s[0] for s in scored])
    out: dict[str, Any] = {
        "threshold": model.threshold,
        "calibrated_on": model.meta.get("golden"),
        "in_sample": golden_sha256 is not None and model.meta.get("golden_sha256") == golden_sha256,
        "cv_auc": model.meta.get("cv_auc"),
        "cv_auc_ci95": model.meta.get("cv_auc_ci95"),
    }
    if 0 < labels.sum() < len(labels):
        auc, interval = auc_interval(labels, np.asarray([s[1] for s in scored]))
        out.update({"auc": round(auc, 4), "auc_ci95": interval})
    else:
        out["auc"] = None
        out["auc_reason"] = "needs answerable and unanswerable questions that were not blocked"
    return out


UNDEFINED_REASON = (
    "undefined for a question with no retrieved context (blocked, or nothing matched): "
    "left out of the mean; the metric is null when no question defines it"
)


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def effective_mode(pipeline: Pipeline, mode: str) -> str:
    """The mode actually served: hybrid+rerank without a reranker serves hybrid."""
    return "hybrid" if mode == "hybrid+rerank" and pipeline.reranker is None else mode


def run(
    pipeline: Pipeline,
    items: list[GoldenItem],
    progress: Progress | None = None,
    judge: Judge | None = None,
    golden_sha256: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (report sections, per-question rows)."""
    settings = pipeline.settings
    pipeline.warm_up()
    rows: dict[str, dict[str, Any]] = {
        item.id: {
            "id": item.id,
            "question": item.question,
            "tags": list(item.tags),
            "relevant_ids": list(item.relevant_ids),
            "answerable": item.answerable,
        }
        for item in items
    }
    metrics = non_llm_metrics()
    counter = TokenCounter(settings, pipeline.embedder)
    stage_ms: dict[str, list[float]] = defaultdict(list)
    answer_scores: dict[str, list[float]] = defaultdict(list)
    undefined: dict[str, int] = defaultdict(int)
    judge_scores: dict[str, list[float]] = defaultdict(list)
    judge_metrics = answer_metrics(judge) if judge else []
    for n, item in enumerate(items, start=1):
        result = pipeline.ask(item.question)
        data = result.to_response()
        tokens = answer_tokens(result, counter, settings)
        for stage, value in result.timings.ms.items():
            stage_ms[stage].append(value)
        retrieved = [r.doc_id for r in data.retrieved]
        row = rows[item.id]
        row.update(
            answer=data.answer,
            refused=data.refused,
            blocked=data.blocked,
            reason=data.reason,
            citations=[c.model_dump() for c in data.citations],
            evidence=data.evidence,
            retrieved=retrieved,
            latency_ms=data.latency_ms,
            tokens=tokens,
        )
        if item.answerable:
            answered = score_answer(
                metrics,
                item.question,
                data.answer,
                item.reference_answer,
                retrieved,
                list(item.relevant_ids),
            )
            row["answer_scores"] = answered
            for name, maybe in answered.items():
                if maybe is None:
                    undefined[name] += 1
                else:
                    answer_scores[name].append(maybe)
            if judge_metrics and not data.refused:
                judged = judge_score(
                    judge_metrics,
                    item.question,
                    strip_citations(data.answer),
                    [r.text for r in data.retrieved],
                    item.reference_answer,
                )
                row["judge_scores"] = judged
                for name, value in judged.items():
                    judge_scores[name].append(value)
        if progress:
            progress("answers", n, len(items))

    answerable = [i for i in items if i.answerable]
    retrieval: dict[str, Any] = {}
    ci95: dict[str, Any] = {}
    per_question: dict[str, dict[str, dict[str, float]]] = {}
    for mode in MODES:
        if mode == "hybrid+rerank" and pipeline.reranker is None:
            note = pipeline.reranker_note or "none was loaded"
            retrieval[mode] = {"skipped": f"no cross-encoder: {note}"}
            continue
        values: dict[str, list[float]] = defaultdict(list)
        per_question[mode] = {}
        for n, item in enumerate(answerable, start=1):
            hits = pipeline.search(item.question, mode=mode, k=RANKING_DEPTH).retrieval.hits
            ranked = dedupe(h.chunk.doc_id for h in hits)[:10]
            scores = retrieval_scores(ranked, set(item.relevant_ids))
            per_question[mode][item.id] = scores
            rows[item.id].setdefault("ranked", {})[mode] = ranked
            for name, value in scores.items():
                values[name].append(value)
            if progress:
                progress(mode, n, len(answerable))
        retrieval[mode] = {name: _mean(values[name]) for name in RETRIEVAL_METRICS}
        ci95[mode] = {name: list(bootstrap_ci(values[name])) for name in RETRIEVAL_METRICS}
        for item_id, scores in per_question[mode].items():
            rows[item_id].setdefault("retrieval", {})[mode] = scores

    ci95["answers"] = {
        name: list(bootstrap_ci(values)) for name, values in sorted(answer_scores.items()) if values
    }
    served = effective_mode(pipeline, settings.mode)
    unanswerable = [i for i in items if not i.answerable]
    refusal = {
        "unanswerable_refusal_rate": _mean([float(rows[i.id]["refused"]) for i in unanswerable]),
        "answerable_false_refusal_rate": _mean([float(rows[i.id]["refused"]) for i in answerable]),
        "answerable_blocked_rate": _mean([float(rows[i.id]["blocked"]) for i in answerable]),
        "evidence_dense": {
            "answerable": _spread([rows[i.id]["evidence"].get("dense") for i in answerable]),
            "unanswerable": _spread([rows[i.id]["evidence"].get("dense") for i in unanswerable]),
            "refusal_threshold": settings.refusal_threshold,
        },
        "answerability": answerability_report(pipeline, items, rows, golden_sha256),
    }
    latency: dict[str, Any] = {}
    for stage in STAGES:
        if stage_ms.get(stage):
            latency[stage] = percentiles(stage_ms[stage])
        elif stage == "rerank":
            latency[stage] = {"skipped": "no re-ranking ran"}
        # [vector_store=milvus]
        elif stage in ("bm25", "dense"):
            latency[stage] = {"skipped": "fused server-side (Milvus hybrid_search): see fuse"}
        # [/vector_store=milvus]
    by_tag: dict[str, dict[str, Any]] = {}
    tags = sorted({t for i in items for t in i.tags})
    for tag in tags:
        tagged = [i for i in items if tag in i.tags]
        answer_ok = [i for i in tagged if i.answerable]
        entry: dict[str, Any] = {"n": len(tagged)}
        if answer_ok and served in per_question:
            ndcg = [per_question[served][i.id]["ndcg@10"] for i in answer_ok]
            entry["ndcg@10"] = _mean(ndcg)
            entry["ndcg@10_ci95"] = list(bootstrap_ci(ndcg))
            entry["answered_rate"] = _mean([1.0 - rows[i.id]["refused"] for i in answer_ok])
        if len(answer_ok) < len(tagged):
            entry["refusal_rate"] = _mean(
                [float(rows[i.id]["refused"]) for i in tagged if not i.answerable]
            )
        by_tag[tag] = entry
    sections = {
        "schema_version": SCHEMA_VERSION,
        "retrieval": retrieval,
        "pipeline": {"mode": settings.mode, "effective_mode": served, **retrieval.get(served, {})},
        "refusal": refusal,
        "answers": {
            name: _mean(answer_scores[name]) if answer_scores[name] else None
            for name in sorted(set(answer_scores) | set(undefined))
        },
        "answers_undefined": {
            name: {"questions": n, "reason": UNDEFINED_REASON}
            for name, n in sorted(undefined.items())
        },
        "judge": judge_section(judge, judge_scores),
        "latency_ms": latency,
        "ci95": ci95,
        "by_tag": by_tag,
    }
    return sections, [rows[i.id] for i in items]


def judge_section(judge: Judge | None, scores: dict[str, list[float]]) -> dict[str, Any]:
    if judge is None:
        return {"configured": False, "note": NOT_CONFIGURED}
    return {
        **judge.describe(),
        "scored": max((len(v) for v in scores.values()), default=0),
        "metrics": {name: _mean(v) for name, v in sorted(scores.items())},
        "ci95": {name: list(bootstrap_ci(v)) for name, v in sorted(scores.items())},
        "note": "answered (not refused) answerable questions; contexts are the retrieved passages",
    }
