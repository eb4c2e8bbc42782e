"""The Milvus store against a real Milvus Lite server (a file under tmp_path).

pymilvus and milvus-lite are dependencies of a project baked with vector_store=milvus: if they
are missing, importing them below fails this module instead of skipping it.
"""

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import milvus_lite  # noqa: F401  (the local engine behind a *.db MILVUS_URI)
import numpy as np
import pymilvus
import pytest

from {{ cookiecutter.package_name }}.core.errors import IndexIncompatibleError, IndexMissingError
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.fusion import rrf
from {{ cookiecutter.package_name }}.retrieval.stores.factory import open_store
from {{ cookiecutter.package_name }}.retrieval.stores.milvus import (
    MilvusStore,
    bm25_text,
    connect,
    index_kind,
    ivf_nlist,
)

pytestmark = pytest.mark.slow


def milvus_settings(root: Path, **extra) -> Settings:
    return Settings(
        vector_store="milvus",
        index_dir=root / "index",
        milvus_uri=str(root / "index" / "milvus.db"),
        milvus_collection="test_chunks",
        **extra,
    )


@pytest.fixture()
def writes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every chunk id upserted into or deleted from the chunk collection, as sent to Milvus."""
    seen: dict[str, list[str]] = defaultdict(list)
    upsert, delete = pymilvus.MilvusClient.upsert, pymilvus.MilvusClient.delete

    def spy_upsert(self, collection_name, data, *args, **kwargs):
        if collection_name == "test_chunks":
            seen["upserted"] += [row["chunk_id"] for row in data]
        return upsert(self, collection_name, data, *args, **kwargs)

    def spy_delete(self, collection_name, ids=None, *args, **kwargs):
        if collection_name == "test_chunks":
            seen["deleted"] += list(ids or [])
        return delete(self, collection_name, ids, *args, **kwargs)

    monkeypatch.setattr(pymilvus.MilvusClient, "upsert", spy_upsert)
    monkeypatch.setattr(pymilvus.MilvusClient, "delete", spy_delete)
    return seen


def stored(settings: Settings) -> dict[str, dict]:
    """chunk id -> row, read straight from the collection."""
    client = connect(settings)
    client.load_collection("test_chunks")
    rows = client.query(
        "test_chunks", filter='chunk_id != ""', output_fields=["doc_id", "text", "doc_sha256"]
    )
    return {row["chunk_id"]: row for row in rows}


def test_reingest_upserts_only_changed_documents_and_deletes_removed_ones(
    corpus: Path, tmp_path: Path, embedder, writes
):
    settings = milvus_settings(tmp_path)
    first = ingest(corpus, settings, embedder)
    assert first.documents == 4 and first.embedded_chunks == first.chunks > 0
    rows = stored(settings)
    assert len(rows) == first.chunks == len(writes["upserted"])
    assert {r["doc_id"] for r in rows.values()} == {
        "faq/shipping.html",
        "guides/hose.pdf",
        "guides/kettle.md",
        "guides/lamp.txt",
    }
    assert "milvus" in (first.note or "") and f"{first.chunks} chunk rows upserted" in first.note
    store = MilvusStore(settings)
    assert store.manifest["counts"] == {"documents": 4, "chunks": first.chunks}

    writes.clear()
    again = ingest(corpus, settings, embedder)
    assert again.embedded_chunks == 0 and len(again.unchanged) == 4
    assert writes["upserted"] == [] and writes["deleted"] == []

    lamp_before = sorted(c for c, r in rows.items() if r["doc_id"] == "guides/lamp.txt")
    shipping = sorted(c for c, r in rows.items() if r["doc_id"] == "faq/shipping.html")
    assert len(lamp_before) == 2 and shipping
    (corpus / "guides" / "lamp.txt").write_text(
        "Orbit Desk Lamp Manual\n\nBulbs\nThe LED module OL-330 lasts 40,000 hours.\n",
        encoding="utf-8",
    )
    (corpus / "faq" / "shipping.html").unlink()
    writes.clear()
    third = ingest(corpus, settings, embedder)
    assert third.changed == ["guides/lamp.txt"] and third.removed == ["faq/shipping.html"]
    assert third.embedded_chunks == 1
    # only the changed document's chunk was written; its extra old chunk and every chunk of
    # the removed document were deleted
    assert writes["upserted"] == ["guides/lamp.txt#0"]
    assert sorted(writes["deleted"]) == sorted(["guides/lamp.txt#1", *shipping])
    rows_after = stored(settings)
    assert {r["doc_id"] for r in rows_after.values()} == {
        "guides/hose.pdf",
        "guides/kettle.md",
        "guides/lamp.txt",
    }
    assert "OL-330" in rows_after["guides/lamp.txt#0"]["text"]
    assert all(rows_after[c] == rows[c] for c in rows_after if not c.startswith("guides/lamp"))
    assert len(rows_after) == third.chunks == MilvusStore(settings).manifest["counts"]["chunks"]

    store = MilvusStore(settings)
    top = store.bm25("OL-330 LED module", 5)
    assert store.chunks[top[0][0]].chunk_id == "guides/lamp.txt#0"
    assert store.bm25("express delivery next working day", 5) == []  # the removed document


def test_search_modes_return_the_document_that_answers(corpus: Path, tmp_path: Path, embedder):
    settings = milvus_settings(tmp_path)
    ingest(corpus, settings, embedder)
    pipeline = Pipeline(settings, open_store(settings), embedder, None, "no reranker in tests")
    assert pipeline.status()["index"]["store"] == "milvus"
    cases = {
        "fault code ZK-17": "guides/kettle.md",
        "How long is the warranty on the Zephyr kettle?": "guides/kettle.md",
        "Which part replaces the LED module of the lamp?": "guides/lamp.txt",
        "Where should the garden hose be stored in frost?": "guides/hose.pdf",
        "How many days do I have to return an unused item?": "faq/shipping.html",
    }
    for query, doc_id in cases.items():
        for mode in ("bm25", "dense", "hybrid"):
            result = pipeline.search(query, mode=mode, k=3)
            hits = result.retrieval.hits
            assert hits and hits[0].chunk.doc_id == doc_id, (query, mode, hits[:1])
            stage = {"bm25": "bm25", "dense": "dense", "hybrid": "fused"}[mode]
            assert stage in hits[0].scores
    # hybrid is fused by the engine: one request, timed as `fuse`, no separate bm25/dense calls
    timings = pipeline.search("fault code ZK-17", mode="hybrid").timings.ms
    assert "fuse" in timings and "bm25" not in timings and "dense" not in timings

    answer = pipeline.ask("How many brightness levels does the Orbit lamp have?")
    assert not answer.answer.refused and "five" in answer.answer.text.lower()
    assert answer.answer.citations[0].doc_id == "guides/lamp.txt"
    refused = pipeline.ask("What is the capital of Australia?")
    assert refused.answer.refused


def test_server_side_hybrid_equals_rrf_of_the_two_searches(corpus: Path, tmp_path: Path, embedder):
    """Milvus's RRFRanker gives each chunk sum w / (k + rank), as fusion.rrf does client-side."""
    settings = milvus_settings(tmp_path, rrf_k=60)
    ingest(corpus, settings, embedder)
    store = MilvusStore(settings)
    for query, weight in [("descale the kettle with citric acid", 1.0), ("HR-9 hose reel", 2.0)]:
        vector, _ = embedder.encode_query(query)
        bm25, dense = store.bm25(query, 5), store.dense(vector, 5)
        assert bm25 and dense
        expected = dict(rrf([bm25, dense], k=60, weights=[weight, 1.0]))
        fused = dict(store.hybrid(query, vector, 5, 50, 60, weight))
        assert fused.keys() == expected.keys()
        for row, score in expected.items():
            assert fused[row] == pytest.approx(score, abs=1e-6), store.chunks[row].chunk_id
    # identifiers are analysed to one spelling (HR-9 -> hr9), as bm25s indexes them
    assert store.has_term("hr9") and store.has_term("zk17") and not store.has_term("zk18")
    assert store.term_df("zk17") == 1 and store.term_df("zk18") == 0


def test_bm25_sees_the_same_terms_as_bm25s(corpus: Path, tmp_path: Path, embedder):
    """Project analyser terms survive Milvus's tokenizer: same top chunk as the faiss store."""
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

    faiss_settings = Settings(index_dir=tmp_path / "faiss", vector_store="faiss")
    ingest(corpus, faiss_settings, embedder)
    settings = milvus_settings(tmp_path)
    ingest(corpus, settings, embedder)
    local, milvus = LocalStore(faiss_settings.index_dir), MilvusStore(settings)
    assert bm25_text("HX-4200 pumps", "project").split() == ["hx4200", "hx", "4200", "pump"]
    # a term outside [a-z0-9] reaches Milvus hex-encoded, so its tokenizer keeps it whole
    assert bm25_text("Zürich", "project") == "x" + "zürich".encode().hex()
    for query in ["ZK-17", "OL-220 bulbs", "citric acid descaling", "express delivery 2 pm"]:
        ours = [local.chunks[r].chunk_id for r, _ in local.bm25(query, 3)]
        theirs = [milvus.chunks[r].chunk_id for r, _ in milvus.bm25(query, 3)]
        assert ours[0] == theirs[0], query
        ratio = [a / b for (_, a), (_, b) in zip(milvus.bm25(query, 3), local.bm25(query, 3))]
        # Milvus keeps BM25's (k1 + 1) factor that bm25s's lucene variant drops: 2.5 x, same order
        assert np.allclose(ratio, 2.5, rtol=1e-3), (query, ratio)


def test_changed_analyser_rebuilds_and_missing_index_is_one_line(
    corpus: Path, tmp_path: Path, embedder, writes
):
    settings = milvus_settings(tmp_path)
    with pytest.raises(IndexMissingError, match="run `ingest"):
        MilvusStore(settings)
    first = ingest(corpus, settings, embedder)
    native = milvus_settings(tmp_path, milvus_analyzer="milvus")
    with pytest.raises(IndexIncompatibleError, match="re-run `ingest`"):
        MilvusStore(native)
    writes.clear()
    rebuilt = ingest(corpus, native, embedder)
    assert rebuilt.embedded_chunks == rebuilt.chunks == first.chunks
    assert "re-embedded" in (rebuilt.note or "") and len(writes["upserted"]) == first.chunks
    store = MilvusStore(native)  # Milvus's own analyser: raw text in, no stemming
    top = store.bm25("descale the kettle", 1)
    assert store.chunks[top[0][0]].doc_id == "guides/kettle.md"
    assert store.bm25("warranty", 3) and store.bm25("warranties", 3) == []  # not stemmed


def test_a_second_process_gets_a_one_line_error_while_the_file_is_open(
    corpus: Path, tmp_path: Path, embedder
):
    settings = milvus_settings(tmp_path)
    ingest(corpus, settings, embedder)  # this process now holds the Milvus Lite file
    code = (
        "from pathlib import Path\n"
        "from {{ cookiecutter.package_name }}.core.settings import Settings\n"
        "from {{ cookiecutter.package_name }}.retrieval.stores.milvus import connect\n"
        f"connect(Settings(vector_store='milvus', milvus_uri={settings.milvus_uri!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "another process" in last and "MILVUS_URI" in last


def test_index_kind_follows_collection_size():
    assert index_kind(5_000) == "FLAT" and index_kind(99_999) == "FLAT"
    assert index_kind(100_000) == "HNSW" and index_kind(9_999_999) == "HNSW"
    assert index_kind(100_000_000) == "IVF_SQ8"
    assert index_kind(10, "HNSW") == "HNSW"
    assert ivf_nlist(10_000_000) == 16_384 and ivf_nlist(100) == 1_024


def test_cli_commands_work_unchanged_on_milvus(corpus: Path, tmp_path: Path):
    env = {
        **os.environ,
        "RAG_VECTOR_STORE": "milvus",
        "MILVUS_URI": str(tmp_path / "cli" / "milvus.db"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "{{ cookiecutter.package_name }}", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    done = run("ingest", str(corpus), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["chunks"] > 0
    found = run("search", "hose reel capacity", "--mode", "hybrid", "--k", "2", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["doc_id"] == "guides/hose.pdf"
    asked = run("ask", "How long is the Zephyr kettle warranty?", "--json")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["refused"] is False and data["citations"][0]["doc_id"] == "guides/kettle.md"


def test_bench_measures_the_milvus_store_beside_faiss(corpus: Path, tmp_path: Path, embedder):
    from {{ cookiecutter.package_name }}.bench.milvus import measure_milvus
    from {{ cookiecutter.package_name }}.eval.golden import GoldenItem

    items = [
        GoldenItem("q1", "How long is the Zephyr kettle warranty?", ("guides/kettle.md",)),
        GoldenItem("q2", "Which part is the lamp's LED module?", ("guides/lamp.txt",)),
    ]
    settings = Settings(vector_store="faiss", milvus_uri=None)
    result = measure_milvus(corpus, settings, tmp_path, embedder, items, lambda _: None)
    assert result["uri"] == str(tmp_path / "index-milvus" / "milvus.db")
    assert result["vector_index"] == "FLAT" and result["chunks"] > 0
    assert result["ingest_chunks_per_s"] > 0
    assert result["latency_ms"]["search_hybrid"]["p95"] > 0
    assert result["ndcg@10"] == {"bm25": 1.0, "dense": 1.0, "hybrid": 1.0}


def test_migration_copies_the_faiss_index_and_a_later_ingest_embeds_nothing(
    corpus: Path, tmp_path: Path, embedder, writes
):
    from {{ cookiecutter.package_name }}.ingest.migrate import MigrationError, migrate_to_milvus
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

    faiss_settings = Settings(vector_store="faiss", index_dir=tmp_path / "faiss-index")
    with pytest.raises(IndexMissingError):
        migrate_to_milvus(tmp_path / "faiss-index", milvus_settings(tmp_path))
    ingest(corpus, faiss_settings, embedder)
    source = LocalStore(tmp_path / "faiss-index")
    settings = milvus_settings(tmp_path)

    report = migrate_to_milvus(tmp_path / "faiss-index", settings)
    assert (report.documents, report.chunks) == (len(source.manifest["documents"]), len(source))
    rows = stored(settings)
    assert sorted(rows) == sorted(c.chunk_id for c in source.chunks)
    for chunk in source.chunks:
        assert rows[chunk.chunk_id]["text"] == chunk.text
        assert (
            rows[chunk.chunk_id]["doc_sha256"]
            == source.manifest["documents"][chunk.doc_id]["sha256"]
        )

    # the vectors are the faiss index's own: dense search scores are the same numbers
    milvus, faiss_store = MilvusStore(settings), LocalStore(tmp_path / "faiss-index")
    vector, _ = embedder.encode_query("How long is the Zephyr kettle warranty?")
    got = [(milvus.chunks[r].chunk_id, s) for r, s in milvus.dense(vector, 3)]
    want = [(faiss_store.chunks[r].chunk_id, s) for r, s in faiss_store.dense(vector, 3)]
    assert [c for c, _ in got] == [c for c, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
    assert milvus.manifest["migrated_from"]["store"] == "faiss"

    writes.clear()
    again = ingest(corpus, settings, embedder)
    assert again.embedded_chunks == 0 and not again.new and not again.changed
    assert len(again.unchanged) == report.documents
    assert writes["upserted"] == [] and writes["deleted"] == []

    empty = tmp_path / "not-an-index"
    empty.mkdir()
    with pytest.raises((IndexMissingError, MigrationError)):
        migrate_to_milvus(empty, settings)
