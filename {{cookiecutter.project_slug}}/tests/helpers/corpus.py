"""A small corpus the tests write themselves (md, txt, html and a real PDF) and a pipeline over
any files a test writes."""

from __future__ import annotations

from pathlib import Path

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.models.encoders import Embedder

PROJECT = Path(__file__).resolve().parents[2]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a real text layer, written byte by byte."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 11 Tf 72 740 Td 14 TL " + " ".join(f"({esc(x)}) '" for x in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n".encode()
    return out + b"%" + b"%EOF\n"


CORPUS = {
    "guides/kettle.md": """# Zephyr Kettle Guide

## Descaling
Descale the Zephyr kettle every 6 weeks with citric acid. Fault code ZK-17 means the element
is scaled and the kettle will not boil until it is descaled.

## Warranty
The Zephyr kettle has a 3-year warranty from the date of purchase.
""",
    "guides/lamp.txt": """Orbit Desk Lamp Manual

Brightness
The Orbit lamp has five brightness levels. Hold the touch strip for 2 seconds to switch it off.

Bulbs
Replace the LED module with part OL-220 after about 25,000 hours of use.
""",
    "faq/shipping.html": """<!doctype html><html><head><title>Shipping FAQ</title>
<style>p { color: red }</style></head><body><h1>Shipping FAQ</h1>
<h2>Delivery times</h2><p>Standard delivery takes 4 working days within the mainland.</p>
<ul><li>Express delivery arrives the next working day if ordered before 2 pm.</li></ul>
<h2>Returns</h2><p>Unused items can be returned within 30 days for a full refund.</p>
<script>alert("x")</script></body></html>
""",
}
PDF_LINES = [
    "Garden Hose Care",
    "Storage",
    "Drain the Aqua hose and store it indoors when frost is forecast.",
    "The hose reel HR-9 holds up to 40 metres of hose.",
]


def write_corpus(root: Path) -> Path:
    for rel, text in CORPUS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "guides" / "hose.pdf").write_bytes(make_pdf(PDF_LINES))
    return root


def pipeline_over(root: Path, files: dict[str, str], embedder: Embedder, **settings):
    """A pipeline (no re-ranker) over ``files`` (path -> text) written to ``root/docs`` and
    indexed into ``root/index``."""
    from {{ cookiecutter.package_name }}.ingest.indexer import ingest
    from {{ cookiecutter.package_name }}.pipeline import Pipeline
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

    for rel, text in files.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Settings(index_dir=root / "index", **settings)
    ingest(root / "docs", config, embedder)
    return Pipeline(config, LocalStore(config.index_dir), embedder, None, "none in tests")
