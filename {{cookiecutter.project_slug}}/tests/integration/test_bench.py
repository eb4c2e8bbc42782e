"""A small real benchmark run: every bench.json key of the schema, sane values, written reports."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.bench.measure import within_budget
from {{ cookiecutter.package_name }}.bench.report import (
    README_END,
    README_START,
    update_readme,
    write_run,
)
from {{ cookiecutter.package_name }}.bench.runner import BenchError, parse_sizes, run_bench

GOLDEN = [
    {"id": "g1", "question": "How often should the Zephyr kettle be descaled?",
     "relevant_ids": ["guides/kettle.md"], "tags": []},
    {"id": "g2", "question": "What does fault code ZK-17 mean?",
     "relevant_ids": ["guides/kettle.md"], "tags": ["identifier"]},
    {"id": "g3", "question": "How long does standard delivery take?",
     "relevant_ids": ["faq/shipping.html"], "tags": []},
    {"id": "g4", "question": "Which part replaces the Orbit lamp LED module?",
     "relevant_ids": ["guides/lamp.txt"], "tags": ["identifier"]},
    {"id": "g5", "question": "What is the salary of the chief executive?",
     "relevant_ids": [], "tags": ["unanswerable"]},
]  # fmt: skip
STAGES = ("embed_query", "bm25", "dense", "fuse", "rerank", "answer", "retrieve", "total")


def test_sizes_are_parsed_and_checked():
    assert parse_sizes("10000,1000,1_000") == [1000, 10000]
    with pytest.raises(BenchError, match="comma-separated"):
        parse_sizes("1k")


@pytest.mark.slow
def test_small_bench_run_has_every_schema_key(corpus: Path, tmp_path: Path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(g) for g in GOLDEN) + "\n", encoding="utf-8")
    bench = run_bench([300], corpus, golden, log=lambda _: None, light=True)

    assert bench["schema_version"] == 1
    assert bench["machine"]["cpus"] >= 1 and bench["machine"]["torch_threads"] >= 1
    size = bench["sizes"]["300"]
    assert size["chunks"] == 300  # filler notes fill the corpus up to exactly the size
    assert size["ingest_chunks_per_s"] > 0 and size["index_mb"] > 0
    assert size["peak_rss_mb"] > 100  # a process holding MiniLM, faiss and bm25s
    for stage in STAGES:
        p = size["latency_ms"][stage]
        assert 0 < p["p50"] <= p["p95"], stage
    assert size["cache_hit_latency_ms"]["n"] == len(GOLDEN)
    assert (
        size["cache_hit_latency_ms"]["embed_query"]["p95"]
        < size["latency_ms"]["embed_query"]["p50"]
    )
    assert {"bm25", "dense", "hybrid", "dense-hnsw", "hybrid-hnsw"} <= set(size["ndcg@10"])
    assert all(0.0 <= v <= 1.0 for v in size["ndcg@10"].values())
    assert size["ndcg@10"]["hybrid"] >= 0.75  # four easy questions over four documents
    assert size["reranker"]["kind"] == "stand-in" and "untrained" in size["reranker"]["note"]
    assert "hybrid+rerank" not in size["ndcg@10"]  # a random head's ranking is not reported
    assert 0.0 <= size["dense_search"]["hnsw_recall@10_vs_flat"] <= 1.0
    assert size["embedder_backends"]["min_cosine_torch_vs_onnx"] > 0.9999
    assert set(size["rerank_curve"]["max_length=256"]) == {"5", "20"}
    recall = size["rerank_curve"]["first_stage_recall"]
    assert recall["5"] <= recall["20"] <= 1.0  # more candidates can only find more
    ceiling = size["compute_ceiling"]
    assert ceiling["matmul_gflops"] > 0 and ceiling["gflop_per_chunk"] > 0
    # no backend embeds faster than the machine multiplies
    assert (
        size["embedder_backends"]["onnx"]["passages_per_s"] < 1.5 * ceiling["chunks_per_s_at_peak"]
    )
    tracing = size["tracing"]  # traced asks export a span per stage; untraced ones none
    assert tracing["spans_per_ask"] >= 8 and tracing["stage_ns_off"] > 0
    assert tracing["ask_ms_off"]["p50"] > 0 and tracing["ask_ms_on"]["p50"] > 0
    permissions = size["access_filter"]  # trimming measured with 10 % and 90 % restricted
    assert {"0%", "10%", "90%"} <= set(permissions) and set(permissions["overhead_p95"]) == {
        "10%",
        "90%",
    }
    ingest_check = next(c for c in bench["checks"] if c["check"].startswith("ingest"))
    assert "compute ceiling" in ingest_check["note"]
    assert 0 < ceiling["attention_share"] < 0.5  # attention is counted, the dense layers dominate
    assert isinstance(bench["machine"]["vnni"], bool)
    int8 = size["int8"]  # judged against float32 on this CPU, accepted only above the bar
    assert int8["vnni"] == bench["machine"]["vnni"] and int8["recipe"]["op_types"] == ["MatMul"]
    assert -1.0 <= int8["cosine_to_fp32"]["p5"] <= int8["cosine_to_fp32"]["mean"] <= 1.0
    assert int8["accepted"] == (int8["why_not"] == "")
    # The ask path as users get it, every stage timed: the embedding in embed_query, not the rail.
    ask = size["ask_latency_ms"]
    assert {"embed_query", "guard_input", "retrieve", "answer", "guard_output", "total"} <= set(ask)
    assert ask["retrieve"]["p50"] >= ask["embed_query"]["p50"] > 0
    assert ask["total"]["p95"] >= ask["retrieve"]["p95"]

    base = bench["baseline"]
    assert "EnsembleRetriever" in base["name"]
    assert 0.0 <= base["ndcg@10"] <= 1.0 and 0.0 <= base["recall@5"] <= 1.0
    assert 0 < base["latency_ms"]["p50"] <= base["latency_ms"]["p95"]
    ratio = base["latency_ms"]["p95"] / size["latency_ms"]["search_hybrid"]["p95"]
    assert bench["speedup_vs_baseline"] == pytest.approx(ratio, rel=0.01)
    assert {c["check"] for c in bench["checks"]} and all("met" in c for c in bench["checks"])

    run = write_run(tmp_path / "reports", bench)
    for name in ("bench.json", "bench.md", "bench.png"):
        assert (run / name).stat().st_size > 0
        assert (tmp_path / "reports" / "latest" / name).is_file()
    assert json.loads((run / "bench.json").read_text()) == bench
    readme = tmp_path / "README.md"
    readme.write_text(f"# X\n\n{README_START}\nold\n{README_END}\n\nrest\n", encoding="utf-8")
    assert update_readme(readme, bench)
    text = readme.read_text()
    assert "old" not in text and "LangChain" in text and text.endswith("rest\n")
    assert "docs/bench.md" in text
    page = (tmp_path / "docs" / "bench.md").read_text()
    assert "![benchmark](img/bench.png)" in page and "## Targets" in page
    assert (tmp_path / "docs" / "img" / "bench.png").stat().st_size > 0


@pytest.mark.slow
def test_a_quick_run_measures_the_served_path_without_the_extras(corpus: Path, tmp_path: Path):
    from {{ cookiecutter.package_name }}.bench.command import run

    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(g) for g in GOLDEN) + "\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\nold\n{README_END}\n", encoding="utf-8")
    lines = list(
        run("300", corpus, golden, tmp_path / "reports", readme, None, None, lambda _: None, True)
    )
    assert "left as the last full run" in lines[-1] and "old" in readme.read_text()
    bench = json.loads((tmp_path / "reports" / "latest" / "bench.json").read_text())
    size = bench["sizes"]["300"]
    assert bench["quick"] is True and bench["golden"]["questions"] == 40
    assert not {"rerank_curve", "embedder_backends", "int8", "compute_ceiling"} & set(size)
    assert size["ask_latency_ms"]["total"]["p95"] > 0 and "speedup_vs_baseline" in bench
    assert not any(c["check"].startswith("ingest of the base corpus") for c in bench["checks"])


def test_rerank_budget_picks_the_highest_recall_point_that_fits():
    curve = {
        "backend": "onnx",
        "max_length=128": {"5": {"p95": 120.0}, "8": {"p95": 190.0}, "20": {"p95": 480.0}},
        "max_length=256": {"5": {"p95": 230.0}, "8": {"p95": 370.0}, "20": {"p95": 900.0}},
    }
    recall = {"5": 0.88, "8": 0.94, "20": 0.97}
    pick = within_budget(curve, recall, 200.0)
    assert (pick["candidates"], pick["max_length"], pick["p95"]) == (8, 128, 190.0)
    assert pick["first_stage_recall"] == 0.94
    # equal recall: the longer passage wins, then the smaller count
    flat = {"5": 0.9, "8": 0.9, "20": 0.9}
    assert within_budget(curve, flat, 250.0)["max_length"] == 256
    assert within_budget(curve, flat, 150.0)["candidates"] == 5
    assert within_budget(curve, recall, 100.0) == {}
