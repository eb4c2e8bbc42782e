"""A small real benchmark run: every bench.json key of the schema, sane values, written reports."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.bench.report import README_END, README_START, update_readme, write_run
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
