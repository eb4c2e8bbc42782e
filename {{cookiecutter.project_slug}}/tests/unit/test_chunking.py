import random

from {{ cookiecutter.package_name }}.ingest.chunking import HFTokenCounter, chunk_document
from {{ cookiecutter.package_name }}.ingest.loaders import Document, Section


def _doc(text: str, title: str = "A title") -> Document:
    return Document("d.md", title, "md", "0" * 64, [Section("Body", text)])


def _random_text(seed: int, sentences: int) -> str:
    rng = random.Random(seed)
    words = [
        "valve",
        "pressure",
        "HX-4200",
        "calibration",
        "E104",
        "logger",
        "firmware",
        "v3.4.1",
        "alarm",
        "flow",
    ]
    out = []
    for _ in range(sentences):
        n = rng.choice([3, 8, 20, 60, 400])  # includes sentences longer than a chunk
        out.append(" ".join(rng.choice(words) for _ in range(n)).capitalize() + ".")
    return " ".join(out)


def test_no_chunk_exceeds_the_embedder_window(embedder):
    """Counted with the model's own tokenizer, special tokens included: nothing is truncated."""
    counter = HFTokenCounter(embedder.tokenizer)
    long_title = "Very long title " * 40
    for seed in range(5):
        chunks = chunk_document(
            _doc(_random_text(seed, 40), title=long_title),
            counter,
            200,
            40,
            embedder.max_seq_length,
        )
        assert chunks
        for chunk in chunks:
            ids = embedder.tokenizer(chunk.indexed_text)["input_ids"]
            assert len(ids) <= embedder.max_seq_length


def test_chunks_cover_all_text_with_bounded_overlap(embedder):
    counter = HFTokenCounter(embedder.tokenizer)
    text = " ".join(f"Sentence number {i} talks about item {i * 7}." for i in range(120))
    chunks = chunk_document(_doc(text), counter, 60, 15, embedder.max_seq_length)
    assert len(chunks) > 3
    words = text.split()
    joined = [c.text.split() for c in chunks]
    # every word appears once, in order; consecutive chunks share at most the overlap
    seen: list[str] = []
    for piece in joined:
        shared = next(
            (n for n in range(min(len(seen), len(piece)), 0, -1) if seen[-n:] == piece[:n]), 0
        )
        if shared:
            assert counter.count([" ".join(piece[:shared])])[0] <= 15
        seen.extend(piece[shared:])
    assert seen == words
    assert [c.chunk_id for c in chunks] == [f"d.md#{i}" for i in range(len(chunks))]


def test_chunks_do_not_cross_sections(embedder):
    counter = HFTokenCounter(embedder.tokenizer)
    doc = Document(
        "d.md", "T", "md", "0" * 64, [Section("One", "Alpha beta."), Section("Two", "Gamma delta.")]
    )
    chunks = chunk_document(doc, counter, 200, 40, embedder.max_seq_length)
    assert [(c.section, c.text) for c in chunks] == [
        ("One", "Alpha beta."),
        ("Two", "Gamma delta."),
    ]
    assert chunks[0].indexed_text == "T - One\nAlpha beta."
