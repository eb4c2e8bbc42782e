from pathlib import Path

import pytest
from tests.helpers.corpus import PDF_LINES, make_pdf, write_corpus

from {{ cookiecutter.package_name }}.ingest.loaders import SkipDocument, discover, load_document


def test_each_format_gives_title_sections_and_stable_id(tmp_path: Path):
    root = write_corpus(tmp_path)
    docs = {p.relative_to(root).as_posix(): load_document(p, root) for p in discover(root)}
    assert set(docs) == {
        "faq/shipping.html",
        "guides/hose.pdf",
        "guides/kettle.md",
        "guides/lamp.txt",
    }

    md = docs["guides/kettle.md"]
    assert md.doc_id == "guides/kettle.md" and md.format == "md"
    assert md.title == "Zephyr Kettle Guide"
    assert [s.heading for s in md.sections] == ["Descaling", "Warranty"]

    txt = docs["guides/lamp.txt"]
    assert txt.title == "Orbit Desk Lamp Manual"
    assert [s.heading for s in txt.sections] == ["Brightness", "Bulbs"]

    html = docs["faq/shipping.html"]
    assert html.title == "Shipping FAQ"
    assert "alert" not in html.text and "color" not in html.text
    assert "Express delivery arrives" in html.text
    assert [s.heading for s in html.sections] == ["Delivery times", "Returns"]

    pdf = docs["guides/hose.pdf"]
    assert pdf.format == "pdf"
    assert "HR-9 holds up to 40 metres" in pdf.text
    assert pdf.title == PDF_LINES[0]


def test_non_utf8_text_is_skipped_with_reason(tmp_path: Path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9 menu\n\nPrices in euros".encode("latin-1"))
    with pytest.raises(SkipDocument, match="not UTF-8"):
        load_document(path, tmp_path)


def test_corrupt_and_empty_pdfs_are_skipped(tmp_path: Path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(make_pdf(PDF_LINES)[:120])
    with pytest.raises(SkipDocument, match="PDF"):
        load_document(broken, tmp_path)
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(make_pdf([]))
    with pytest.raises(SkipDocument):
        load_document(blank, tmp_path)


def test_unsupported_and_hidden_files(tmp_path: Path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.md").write_text("# secret", encoding="utf-8")
    files = discover(tmp_path)
    assert [p.name for p in files] == ["image.png"]
    with pytest.raises(SkipDocument, match="unsupported"):
        load_document(files[0], tmp_path)
