"""faiss HNSW above the chunk-count threshold: chosen, saved with its search breadth, used."""

from pathlib import Path

import numpy as np

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore, build_dense_index


def test_hnsw_recall_against_exact_search():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:50] + 0.05 * rng.normal(size=(50, 384)).astype(np.float32)
    flat = build_dense_index(vectors, hnsw=False)
    hnsw = build_dense_index(vectors, hnsw=True, ef_search=128)
    _, exact = flat.search(queries, 10)
    _, approx = hnsw.search(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.95


def test_index_switches_to_hnsw_at_the_threshold(corpus: Path, tmp_path: Path, embedder):
    below = Settings(index_dir=tmp_path / "flat", hnsw_threshold=10_000)
    ingest(corpus, below, embedder)
    assert LocalStore(below.index_dir).manifest["dense_index"] == {"type": "flat"}

    above = Settings(index_dir=tmp_path / "hnsw", hnsw_threshold=1, hnsw_ef_search=77)
    ingest(corpus, above, embedder)
    store = LocalStore(above.index_dir)
    assert store.manifest["dense_index"]["type"] == "hnsw"
    assert type(store.faiss).__name__ == "IndexHNSWFlat"
    assert store.faiss.hnsw.efSearch == 77

    flat_store = LocalStore(below.index_dir)
    vector, _ = embedder.encode_query("How long is the kettle warranty?")
    assert store.dense(vector, 3) == flat_store.dense(vector, 3)  # a tiny graph is exact
    pipeline = Pipeline(above, store, embedder, None, "no reranker in this test")
    hits = pipeline.search("How long is the kettle warranty?", "hybrid", 3).retrieval.hits
    assert hits[0].chunk.doc_id == "guides/kettle.md"
