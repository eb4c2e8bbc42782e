"""Ingest: incremental updates, bad input, and what the index keeps."""

import json
import shutil
from pathlib import Path

import pytest
from tests.helpers.corpus import PDF_LINES, make_pdf

from {{ cookiecutter.package_name }}.core.errors import (
    DocsError,
    IndexIncompatibleError,
    IndexMissingError,
)
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore, live_version


def test_reingest_embeds_only_changed_documents(corpus: Path, tmp_path: Path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    first = ingest(corpus, settings, embedder)
    assert first.documents == 4 and first.embedded_chunks == first.chunks > 0
    assert sorted(LocalStore(settings.index_dir).manifest["documents"]) == [
        "faq/shipping.html",
        "guides/hose.pdf",
        "guides/kettle.md",
        "guides/lamp.txt",
    ]

    again = ingest(corpus, settings, embedder)
    assert again.embedded_chunks == 0 and len(again.unchanged) == 4

    (corpus / "guides" / "lamp.txt").write_text(
        "Orbit Desk Lamp Manual\n\nBulbs\nThe LED module OL-330 lasts 40,000 hours.\n",
        encoding="utf-8",
    )
    (corpus / "faq" / "shipping.html").unlink()
    third = ingest(corpus, settings, embedder)
    assert third.changed == ["guides/lamp.txt"]
    assert third.removed == ["faq/shipping.html"]
    assert third.embedded_chunks == 1
    store = LocalStore(settings.index_dir)
    assert {c.doc_id for c in store.chunks} == {
        "guides/hose.pdf",
        "guides/kettle.md",
        "guides/lamp.txt",
    }
    assert any("OL-330" in c.text for c in store.chunks)


def test_bad_files_are_skipped_and_listed_the_rest_indexed(corpus: Path, tmp_path: Path, embedder):
    (corpus / "broken.pdf").write_bytes(make_pdf(PDF_LINES)[:100])
    (corpus / "legacy.txt").write_bytes("Men\xfa del d\xeda\n\nSopa".encode("latin-1"))
    (corpus / "diagram.png").write_bytes(b"\x89PNG\r\n")
    report = ingest(corpus, Settings(index_dir=tmp_path / "index"), embedder)
    assert report.documents == 4
    assert {d for d, _ in report.skipped} == {"broken.pdf", "legacy.txt", "diagram.png"}
    reasons = dict(report.skipped)
    assert "PDF" in reasons["broken.pdf"] and "UTF-8" in reasons["legacy.txt"]
    assert "unsupported" in reasons["diagram.png"]


def test_missing_or_empty_folder_is_an_error_and_keeps_the_index(
    corpus: Path, tmp_path: Path, embedder
):
    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    version = live_version(settings.index_dir)
    with pytest.raises(DocsError, match="does not exist"):
        ingest(tmp_path / "absent", settings, embedder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DocsError, match="empty"):
        ingest(tmp_path / "empty", settings, embedder)
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(DocsError, match="index unchanged"):
        ingest(only_bad, settings, embedder)
    assert live_version(settings.index_dir) == version


def test_old_or_foreign_index_asks_for_reingest(corpus: Path, tmp_path: Path, embedder):
    old = tmp_path / "old-index"
    old.mkdir()
    (old / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IndexIncompatibleError, match="re-run `ingest`"):
        LocalStore(old)
    with pytest.raises(IndexMissingError, match="run `ingest"):
        LocalStore(tmp_path / "nothing")

    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    manifest_path = live_version(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["fingerprint"]["embedder"] = "someone/other-model"
    manifest_path.write_text(json.dumps(manifest))
    store = LocalStore(settings.index_dir)
    with pytest.raises(IndexIncompatibleError, match="embedder"):
        Pipeline(settings, store, embedder)


def test_damaged_index_file_is_detected(corpus: Path, tmp_path: Path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    target = live_version(settings.index_dir) / "embeddings.npy"
    target.write_bytes(target.read_bytes()[:-64])
    with pytest.raises(IndexIncompatibleError, match="damaged"):
        LocalStore(settings.index_dir)


def test_a_new_version_replaces_the_old_atomically(corpus: Path, tmp_path: Path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    first = live_version(settings.index_dir)
    shutil.copy(corpus / "guides" / "kettle.md", corpus / "guides" / "kettle-copy.md")
    ingest(corpus, settings, embedder)
    second = live_version(settings.index_dir)
    assert second != first and first.exists()  # the previous version is kept for rollback
    assert not list(settings.index_dir.glob(".tmp-*"))


def test_passages_are_scanned_once_at_ingest_and_rescanned_when_the_rules_change(
    corpus: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
):
    """Personal data and planted instructions are flagged at ingest under recorded scan
    signatures; a pipeline trusts the flags only when the signatures match its own, and a
    re-ingest under other rules flags the reused chunks again."""
    from {{ cookiecutter.package_name }}.guardrails import flags
    from {{ cookiecutter.package_name }}.guardrails.pii import FLAG as PII_FLAG

    (corpus / "guides" / "contact.md").write_text(
        "# Service desk\n\nCall the Zephyr service desk on 020 7946 0958 for kettle repairs.\n",
        encoding="utf-8",
    )
    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    store = LocalStore(settings.index_dir)
    assert store.manifest["scans"] == flags.signatures()
    flagged = {c.doc_id for c in store.chunks if PII_FLAG in c.flags}
    assert flagged == {"guides/contact.md"}

    pipeline = Pipeline(settings, store, embedder)
    assert pipeline.trusted_flags
    hits = pipeline.search("Zephyr service desk phone number", mode="hybrid").retrieval.hits
    # Flagged passages are served from their ingest-time redaction: no scan at query time.
    assert pipeline.pii is not None
    monkeypatch.setattr(
        pipeline.pii, "redact", lambda text: pytest.fail("passage scanned at query time")
    )
    redacted, found = pipeline.redact_hits(hits)
    assert found == ["PHONE_NUMBER"]
    assert not any("7946" in hit.chunk.text for hit in redacted)
    assert any("<PHONE_NUMBER>" in hit.chunk.text for hit in redacted)

    # The same passage unflagged, in an index scanned by other rules: still redacted.
    store.manifest["scans"] = {"personal_data": "other rules"}
    for chunk in store.chunks:
        chunk.flags.clear()
    untrusting = Pipeline(settings, store, embedder)
    assert not untrusting.trusted_flags
    redacted, found = untrusting.redact_hits(hits)
    assert "PHONE_NUMBER" in found

    # Rules changed since the last ingest: unchanged documents are flagged again, not re-embedded.
    monkeypatch.setattr(flags, "signatures", lambda: {"personal_data": "new", "x": "y"})
    again = ingest(corpus, settings, embedder)
    assert again.embedded_chunks == 0
    rescanned = LocalStore(settings.index_dir)
    assert rescanned.manifest["scans"] == {"personal_data": "new", "x": "y"}
    assert {c.doc_id for c in rescanned.chunks if PII_FLAG in c.flags} == {"guides/contact.md"}


def test_an_index_embedded_in_one_precision_is_not_queried_in_another(
    corpus: Path, tmp_path: Path, embedder
):
    """Vectors from the float32 and the int8 model are close but not the same space: an index
    records its precision, a query in the other one is refused, and changing it re-embeds."""
    from {{ cookiecutter.package_name }}.models.encoders import load_embedder

    settings = Settings(index_dir=tmp_path / "index")
    ingest(corpus, settings, embedder)
    int8_settings = settings.model_copy(update={"embedder_precision": "int8"})
    int8 = load_embedder(int8_settings)
    with pytest.raises(IndexIncompatibleError, match="embedded in fp32"):
        Pipeline(int8_settings, LocalStore(settings.index_dir), int8)
    again = ingest(corpus, int8_settings, int8)
    assert again.embedded_chunks == again.chunks  # every chunk re-embedded in int8
    assert LocalStore(settings.index_dir).manifest["fingerprint"]["embedder_precision"] == "int8"
    Pipeline(int8_settings, LocalStore(settings.index_dir), int8)  # now they agree
