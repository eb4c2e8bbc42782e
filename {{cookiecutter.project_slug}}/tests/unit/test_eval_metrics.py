"""Retrieval metrics checked against ranx on fixed runs; bootstrap and gate behaviour."""

import pytest
from ranx import Qrels, Run, evaluate

from {{ cookiecutter.package_name }}.eval.gate import baseline, check, lookup
from {{ cookiecutter.package_name }}.eval.metrics import dedupe, retrieval_scores
from {{ cookiecutter.package_name }}.reports.stats import bootstrap_ci, percentiles

RUNS = {
    "q1": (["d3", "d1", "d7", "d2"], {"d1", "d2"}),
    "q2": (["d5", "d6", "d8", "d9", "d10", "d11"], {"d11"}),
    "q3": (["d4"], {"d4", "d12", "d13"}),
    "q4": (["d1", "d2", "d3"], {"d9"}),
    "q5": ([f"x{i}" for i in range(12)] + ["d1"], {"d1", "x3"}),
}


def test_metrics_match_ranx():
    qrels = Qrels({q: {d: 1 for d in rel} for q, (_, rel) in RUNS.items()})
    run = Run(
        {q: {d: float(100 - i) for i, d in enumerate(ranked)} for q, (ranked, _) in RUNS.items()}
    )
    reference = evaluate(
        qrels,
        run,
        ["recall@5", "recall@10", "mrr@10", "ndcg@10", "hit_rate@1"],
        make_comparable=True,
    )
    ours = [retrieval_scores(ranked, rel) for ranked, rel in RUNS.values()]
    mean = {k: sum(s[k] for s in ours) / len(ours) for k in ours[0]}
    assert mean["recall@5"] == pytest.approx(reference["recall@5"])
    assert mean["recall@10"] == pytest.approx(reference["recall@10"])
    assert mean["mrr@10"] == pytest.approx(reference["mrr@10"])
    assert mean["ndcg@10"] == pytest.approx(reference["ndcg@10"])
    assert mean["hit@1"] == pytest.approx(reference["hit_rate@1"])


def test_dedupe_keeps_first_occurrence_in_order():
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = [0.0, 1.0, 1.0, 0.5, 0.25, 0.75, 1.0, 0.0]
    low, high = bootstrap_ci(values)
    assert (low, high) == bootstrap_ci(values)
    assert low < sum(values) / len(values) < high
    assert bootstrap_ci([1.0] * 5) == (1.0, 1.0)


def test_percentiles():
    assert percentiles(list(range(1, 101))) == {
        "p50": pytest.approx(50.5),
        "p95": pytest.approx(95.05),
    }


REPORT = {
    "pipeline": {"ndcg@10": 0.80, "recall@5": 0.9, "hit@1": 0.7},
    "refusal": {"unanswerable_refusal_rate": 0.5, "answerable_false_refusal_rate": 0.05},
    "latency_ms": {"retrieve": {"p95": 20.0}, "total": {"p95": 300.0}},
}


def test_gate_names_each_breach():
    thresholds = {
        "min": {"pipeline.ndcg@10": 0.85, "pipeline.hit@1": 0.6},
        "max": {"latency_ms.total.p95": 250},
    }
    breaches = [str(b) for b in check(REPORT, thresholds)]
    assert len(breaches) == 2
    assert any("pipeline.ndcg@10 = 0.8000 is below the minimum 0.8500" in b for b in breaches)
    assert any("latency_ms.total.p95" in b and "above the maximum" in b for b in breaches)
    assert check(REPORT, {"min": {"pipeline.absent": 0.1}, "max": {}})[0].value is None


def test_baseline_applies_margins_and_passes_its_own_report():
    thresholds = baseline(REPORT)
    assert thresholds["min"]["pipeline.ndcg@10"] == pytest.approx(0.78)
    assert thresholds["max"]["latency_ms.total.p95"] == pytest.approx(3000.0)  # the floor
    assert check(REPORT, thresholds) == []
    assert lookup(REPORT, "latency_ms.retrieve.p95") == 20.0
