"""The sample corpus and golden set: their shape, and that the pipeline answers from them."""

import json
from collections import Counter

import pytest
from tests.helpers.corpus import PROJECT

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

SAMPLE = PROJECT / "data" / "sample"
GOLDEN = PROJECT / "data" / "golden" / "golden.jsonl"


def golden() -> list[dict]:
    return [
        json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_golden_set_follows_the_format_and_mix():
    rows = golden()
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    kinds = Counter(r["tags"][0] for r in rows)
    assert kinds["identifier"] >= 30 and kinds["paraphrase"] >= 30
    assert kinds["multi-doc"] >= 20 and kinds["unanswerable"] >= 25
    for row in rows:
        assert {"id", "question", "relevant_ids", "tags"} <= set(row)
        for doc_id in row["relevant_ids"]:
            assert (SAMPLE / doc_id).is_file(), doc_id
        if row["relevant_ids"]:
            assert row["reference_answer"].strip()
        else:
            assert row["tags"][0] == "unanswerable"
        if row["tags"][0] == "multi-doc":
            assert len(row["relevant_ids"]) >= 2


def test_sample_corpus_size_and_formats():
    files = [p for p in SAMPLE.rglob("*") if p.is_file()]
    assert len(files) >= 60
    assert {p.suffix for p in files} >= {".md", ".txt", ".html", ".pdf"}


@pytest.fixture(scope="module")
def sample_pipeline(tmp_path_factory: pytest.TempPathFactory, embedder) -> Pipeline:
    settings = Settings(index_dir=tmp_path_factory.mktemp("sample") / "index")
    report = ingest(SAMPLE, settings, embedder)
    assert report.skipped == [] and report.documents >= 60
    words = sum(len(c.text.split()) for c in LocalStore(settings.index_dir).chunks)
    assert words >= 40_000  # counted after loading, so PDFs and HTML count as text
    return Pipeline(settings, LocalStore(settings.index_dir), embedder)


def test_identifier_questions_are_answered_from_the_right_document(sample_pipeline: Pipeline):
    rows = [r for r in golden() if r["tags"][0] == "identifier"][:12]
    cited_right = 0
    for row in rows:
        data = sample_pipeline.ask(row["question"], mode="hybrid").to_json()
        if not data["refused"] and {c["doc_id"] for c in data["citations"]} & set(
            row["relevant_ids"]
        ):
            cited_right += 1
    assert cited_right >= 8, f"only {cited_right} of {len(rows)} cited a relevant document"


def test_hybrid_finds_relevant_documents_for_most_questions(sample_pipeline: Pipeline):
    rows = [r for r in golden() if r["relevant_ids"]]
    found = 0
    for row in rows:
        hits = sample_pipeline.search(row["question"], mode="hybrid", k=10).retrieval.hits
        found += bool({h.chunk.doc_id for h in hits} & set(row["relevant_ids"]))
    assert found / len(rows) >= 0.85
