import itertools

import pytest

from {{ cookiecutter.package_name }}.retrieval.fusion import min_max, rrf, weighted


def test_rrf_matches_hand_computed_scores():
    bm25 = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
    dense = [("c", 0.9), ("a", 0.8)]
    fused = dict(rrf([bm25, dense], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [item for item, _ in rrf([bm25, dense], k=60)] == ["a", "c", "b"]


def test_rrf_ignores_raw_score_scale():
    small = [("x", 0.001), ("y", 0.0001)]
    large = [("x", 1000.0), ("y", 10.0)]
    assert rrf([small], k=10) == rrf([large], k=10)


def test_rrf_is_independent_of_input_order():
    lists = [[("a", 3.0), ("b", 2.0)], [("b", 1.0), ("c", 0.5)], [("c", 7.0), ("a", 1.0)]]
    results = {tuple(rrf(list(p), k=5)) for p in itertools.permutations(lists)}
    assert len(results) == 1


def test_weighted_fusion_uses_normalised_scores_and_weights():
    bm25 = [("a", 10.0), ("b", 0.0)]
    dense = [("b", 0.9), ("a", 0.5)]
    fused = dict(weighted([bm25, dense], [0.25, 0.75]))
    assert fused["a"] == pytest.approx(0.25 * 1.0 + 0.75 * 0.0)
    assert fused["b"] == pytest.approx(0.25 * 0.0 + 0.75 * 1.0)


def test_min_max_of_constant_list_is_one():
    assert min_max([("a", 2.0), ("b", 2.0)]) == {"a": 1.0, "b": 1.0}


def test_weighted_needs_one_weight_per_list():
    with pytest.raises(ValueError):
        weighted([[("a", 1.0)]], [0.5, 0.5])
