"""Benchmark corpora: the real documents plus seeded filler notes, up to a chunk count.

Filler words are drawn from the real corpus's own word frequencies, so BM25 and the embedder see
plausible distractors rather than random strings. Each filler note is sized to fit one chunk at
about the real chunks' mean length, so the corpus reaches the requested chunk count exactly and
embedding throughput is measured on realistic lengths.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.settings import Settings
from ..ingest.chunking import HFTokenCounter, chunk_document
from ..ingest.loaders import SkipDocument, discover, load_document

FILLER_DIR = "zz-bench-filler"
WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
SEED = 13


@dataclass
class CorpusInfo:
    docs_dir: Path
    base_documents: int
    base_chunks: int
    filler_documents: int
    mean_chunk_tokens: float


def _base_chunks(docs: Path, settings: Settings, counter: HFTokenCounter, window: int) -> list[str]:
    texts: list[str] = []
    for path in discover(docs):
        try:
            doc = load_document(path, docs)
        except SkipDocument:
            continue
        chunks = chunk_document(doc, counter, settings.chunk_tokens, settings.chunk_overlap, window)
        texts += [c.indexed_text for c in chunks]
    return texts


def build_corpus(
    base: Path, out: Path, chunks: int, settings: Settings, tokenizer: object, window: int
) -> CorpusInfo:
    """Copy ``base`` into ``out`` and add filler notes until the corpus has ``chunks`` chunks."""
    counter = HFTokenCounter(tokenizer)
    real = _base_chunks(base, settings, counter, window)
    if len(real) > chunks:
        raise ValueError(
            f"size {chunks} is smaller than the base corpus ({len(real)} chunks): "
            "ask for a larger size or a smaller docs folder"
        )
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    lengths = counter.count(real)
    mean_tokens = sum(lengths) / max(1, len(lengths))
    frequencies = Counter(w.lower() for text in real for w in WORD.findall(text))
    vocabulary = sorted(frequencies)
    weights = np.array([frequencies[w] for w in vocabulary], dtype=np.float64)
    weights /= weights.sum()
    rng = np.random.default_rng(SEED)
    probe = " ".join(rng.choice(vocabulary, size=2000, p=weights))
    tokens_per_word = counter.count([probe])[0] / 2000
    # Aim at the real mean, but stay clear of the chunk budget so each note is one chunk.
    target = min(mean_tokens, 0.85 * settings.chunk_tokens)
    words = max(8, int(target / tokens_per_word))
    folder = out / FILLER_DIR
    folder.mkdir()
    need = chunks - len(real)
    for n in range(need):
        picked = [str(w) for w in rng.choice(vocabulary, size=words, p=weights)]
        sentences = [
            " ".join(picked[i : i + 12]).capitalize() + "." for i in range(0, len(picked), 12)
        ]
        (folder / f"note-{n:06d}.md").write_text(
            f"# Note {n:06d}\n\n{' '.join(sentences)}\n", encoding="utf-8"
        )
    return CorpusInfo(out, len(discover(base)), len(real), need, round(mean_tokens, 1))
