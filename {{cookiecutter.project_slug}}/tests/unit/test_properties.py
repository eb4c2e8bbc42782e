"""Property-based tests (hypothesis): chunking, fusion and PII redaction invariants."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.guardrails.pii import PiiRedactor
from {{ cookiecutter.package_name }}.ingest.chunking import _pack, chunk_document
from {{ cookiecutter.package_name }}.ingest.loaders import Document, Section
from {{ cookiecutter.package_name }}.retrieval.fusion import rrf, weighted
from {{ cookiecutter.package_name }}.text.sentences import split_sentences


@st.composite
def packing(draw):
    budget = draw(st.integers(8, 60))
    overlap = draw(st.integers(0, budget - 1))
    sizes = draw(st.lists(st.integers(1, budget), min_size=1, max_size=40))
    units = [f"u{i}" for i in range(len(sizes))]
    return units, sizes, budget, overlap


@given(packing())
def test_packing_loses_nothing_and_repeats_only_the_overlap(case):
    units, sizes, budget, overlap = case
    chunks = [[units[i] for i in members] for members in _pack(sizes, budget, overlap)]
    size = dict(zip(units, sizes, strict=True))
    seen = [u for chunk in chunks for u in chunk]
    assert set(seen) == set(units)  # nothing lost
    for chunk in chunks:
        assert sum(size[u] for u in chunk) <= budget
        assert chunk == sorted(chunk, key=lambda u: int(u[1:]))  # order kept
    for before, after in itertools.pairwise(chunks):
        shared = [u for u in after if u in before]
        assert shared == after[: len(shared)] == before[len(before) - len(shared) :]
        assert sum(size[u] for u in shared) <= overlap  # repeated text is only the overlap
    for unit in units:  # a unit shows up in one run of consecutive chunks
        where = [i for i, chunk in enumerate(chunks) if unit in chunk]
        assert where == list(range(where[0], where[-1] + 1))


class WordCounter:
    """One token a word; enough to check the chunker's bookkeeping without a model."""

    def count(self, texts):
        return [len(t.split()) for t in texts]

    def split(self, text, max_tokens):
        words = text.split()
        return [" ".join(words[i : i + max_tokens]) for i in range(0, len(words), max_tokens)]


WORD = st.text("abcdefghij", min_size=1, max_size=8)
SENTENCE = st.lists(WORD, min_size=1, max_size=30).map(lambda ws: (" ".join(ws) + ".").capitalize())


@given(
    st.lists(SENTENCE, min_size=1, max_size=25),
    st.integers(32, 80),
    st.integers(0, 31),
)
def test_chunking_a_document_keeps_every_word(sentences, chunk_tokens, overlap):
    text = " ".join(sentences)
    doc = Document("d.md", "Title", "md", "0" * 64, [Section("Body", text)])
    chunks = chunk_document(doc, WordCounter(), chunk_tokens, overlap, 256)
    words = text.split()
    out = [w for c in chunks for w in c.text.split()]
    assert [w for w in out if w not in words] == []
    assert set(words) <= set(out)
    assert len(words) <= len(out) <= len(words) + overlap * (len(chunks) - 1)
    assert all(len(c.text.split()) <= chunk_tokens for c in chunks)
    # Sentence spans cut whole sentences (never the pieces of a long one) out of the chunk's text.
    spans = [c.text[start:end] for c in chunks for start, end in c.sentences]
    units = split_sentences(text)
    assert set(spans) == {u for u in units if len(u.split()) <= chunk_tokens}


RANKING = st.lists(
    st.tuples(st.integers(0, 30), st.floats(0, 10)), max_size=20, unique_by=lambda t: t[0]
)


@given(st.lists(RANKING, min_size=1, max_size=4), st.randoms())
def test_rrf_does_not_depend_on_the_order_of_its_inputs(rankings, rnd):
    shuffled = list(rankings)
    rnd.shuffle(shuffled)
    a, b = rrf(rankings), rrf(shuffled)
    assert [item for item, _ in a] == [item for item, _ in b]
    assert [s for _, s in a] == pytest.approx([s for _, s in b])


@given(RANKING, RANKING, st.floats(0, 1))
def test_weighted_fusion_is_symmetric_in_its_inputs(first, second, w):
    a = dict(weighted([first, second], [w, 1 - w]))
    b = dict(weighted([second, first], [1 - w, w]))
    assert a.keys() == b.keys()
    assert all(a[k] == pytest.approx(b[k]) for k in a)


PII_PIECES = st.sampled_from(
    [
        "jane.doe@example.com",
        "07700 900123",
        "+44 20 7946 0958",
        "SW1A 1AA",
        "QQ 12 34 56 C",
        "4111 1111 1111 1111",
        "GB82 WEST 1234 5698 7654 32",
        "192.168.0.1",
        "[1]",
        "call",
        "the kettle",
        "12",
        ":",
        "@",
    ]
)


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    return PiiRedactor()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(PII_PIECES, max_size=8).map(" ".join))
def test_redaction_is_idempotent(redactor, text):
    once, _ = redactor.redact(text)
    twice, found = redactor.redact(once)
    assert twice == once and found == []
