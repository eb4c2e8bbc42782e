"""The extractive answerer: whole sentences only, the best one first, no repeats, stored vectors."""

import numpy as np
from tests.helpers.fake_embedder import FakeEmbedder

from {{ cookiecutter.package_name }}.core.types import Chunk, Hit
from {{ cookiecutter.package_name }}.generation.extractive import extract

DIM = FakeEmbedder.dim


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _chunk(row: int, sentences: list[str], whole: list[bool]) -> Chunk:
    text = " ".join(sentences)
    spans, cursor = [], 0
    for sentence, keep in zip(sentences, whole, strict=True):
        if keep:
            spans.append([cursor, cursor + len(sentence)])
        cursor += len(sentence) + 1
    return Chunk(f"d{row}.md#0", f"d{row}.md", "Doc", "", text, 0, sentences=spans)


def test_answers_lead_with_the_best_whole_sentence_and_skip_repeats():
    query = _unit(0)
    best, good = 0.95 * query + 0.05 * _unit(1), 0.8 * query + 0.2 * _unit(2)
    best, good = best / np.linalg.norm(best), good / np.linalg.norm(good)
    first = [
        "copied once for each directory.",
        "Descale the kettle monthly.",
        "Use citric acid to descale.",
    ]
    second = ["Use citric acid to descale.", "Prices vary by region today."]
    vectors = {0: np.vstack([good, best]), 1: np.vstack([best, _unit(3)])}
    hits = [
        Hit(0, _chunk(0, first, [False, True, True])),  # starts with a piece of a long sentence
        Hit(1, _chunk(1, second, [True, True])),  # repeats the best sentence
    ]
    answer = extract("How to descale?", query, hits, FakeEmbedder(), 3, vectors.__getitem__)
    assert not answer.refused
    # Best first (not reading order), never a piece of a sentence, the repeat left out.
    assert answer.text == "Use citric acid to descale. [1] Descale the kettle monthly. [1]"
    assert [c.n for c in answer.citations] == [1]


def test_an_index_without_sentence_vectors_embeds_the_sentences_instead():
    chunk = Chunk("d.md#0", "d.md", "Doc", "", "Descale the kettle monthly. Prices vary.", 0)
    embedder = FakeEmbedder()
    query = embedder.encode(["Doc: Descale the kettle monthly."])[0]
    answer = extract("descale?", query, [Hit(0, chunk)], embedder, 1, None)
    assert answer.text == "Descale the kettle monthly. [1]"
