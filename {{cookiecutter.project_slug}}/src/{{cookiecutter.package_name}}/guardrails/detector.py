"""The learned attack detector of the input rail: a linear model over two views of the text.

Features: character n-grams (2-5) and word uni- and bigrams, each hashed, tf-idf weighted and
L2 normalised, for the wording; the MiniLM sentence embedding for the meaning. A multinomial
logistic regression gives P(benign) and P(family); the attack score is ``1 - P(benign)`` and the
question is stopped when it reaches the threshold chosen on the validation split for a stated
false-positive budget. ``make guard-train`` fits it (``guardrails/training.py``); the artefact is
two small files in ``guardrails/model/`` whose sha256 is checked at load, like the other models.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.checksums import sha256_file
from ..core.errors import ModelUnavailableError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

MODEL_DIR = Path(__file__).parent / "model"
WEIGHTS = "detector.npz"
META = "detector.json"
BENIGN = "benign"
# The two hashed views: (analyzer, n-gram range, buckets).
VIEWS = {"char": ("char_wb", (2, 5), 2**15), "word": ("word", (1, 2), 2**14)}


_SPACES = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w+\b")


def _char_wb_grams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with a space (scikit-learn's
    ``char_wb`` analyzer)."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        word = f" {word} "
        for n in range(low, high + 1):
            grams.extend(word[i : i + n] for i in range(max(1, len(word) - n + 1)))
            if len(word) <= n:  # a short word is counted once
                break
    return grams


def _word_grams(text: str, low: int, high: int) -> list[str]:
    tokens = _WORD.findall(text)
    return [
        " ".join(tokens[i : i + n])
        for n in range(low, min(high, len(tokens)) + 1)
        for i in range(len(tokens) - n + 1)
    ]


def hashed_counts(texts: list[str], view: str) -> csr_matrix:
    """Counts of a view's n-grams hashed into its buckets: the features of scikit-learn's
    ``HashingVectorizer`` (lower-cased, signed MurmurHash3, ``alternate_sign=False``), computed
    without importing scikit-learn (which takes over a second to import), so a cold question
    starts fast. ``tests/unit/test_detector.py`` checks they are identical."""
    from murmurhash.mrmr import hash as murmur
    from scipy.sparse import csr_matrix

    analyzer, (low, high), buckets = VIEWS[view]
    grams_of = _char_wb_grams if analyzer == "char_wb" else _word_grams
    rows: list[int] = []
    columns: list[int] = []
    for row, text in enumerate(texts):
        for gram in grams_of(text.lower(), low, high):
            h = murmur(gram)
            columns.append(abs(h) % buckets if h != -(2**31) else (2**31 - buckets) % buckets)
            rows.append(row)
    values = np.ones(len(columns), dtype=np.float64)
    counts = csr_matrix((values, (rows, columns)), shape=(len(texts), buckets))
    counts.sum_duplicates()
    return counts


def views(texts: list[str], idf: dict[str, np.ndarray]) -> list[csr_matrix]:
    """Per view: hashed counts, sublinear tf, times idf, each row L2-normalised. Done on the
    sparse data in place, so a single question pays for no broadcasting or input checks."""
    parts = []
    for name in VIEWS:
        x = hashed_counts(texts, name)
        x.data = np.log1p(x.data) * idf[name][x.indices]
        row_of = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=x.data**2, minlength=x.shape[0]))
        x.data = x.data / np.where(norms > 0, norms, 1.0)[row_of]
        parts.append(x)
    return parts


def features(
    texts: list[str],
    vectors: np.ndarray,
    idf: dict[str, np.ndarray],
    embedding_weight: float,
) -> csr_matrix:
    """Rows of [tf-idf char n-grams | tf-idf words | weighted embedding] for ``texts``."""
    from scipy.sparse import csr_matrix, hstack

    parts = views(texts, idf)
    parts.append(csr_matrix(np.asarray(vectors, dtype=np.float32) * embedding_weight))
    return hstack(parts, format="csr")


@dataclass(frozen=True)
class Detection:
    family: str
    score: float


class Detector:
    """Loads the fitted detector and scores texts with their embeddings."""

    def __init__(self, meta: dict[str, Any], weights: dict[str, np.ndarray]):
        self.meta = meta
        self.classes: list[str] = list(meta["classes"])
        self.threshold = float(meta["threshold"])
        self.embedding_weight = float(meta["embedding_weight"])
        self.coef = weights["coef"]
        self.intercept = weights["intercept"]
        self.idf = {name: weights[f"idf_{name}"] for name in VIEWS}
        self.benign = self.classes.index(BENIGN)
        # The weights split by view (same column order as ``features``), transposed for x @ w.
        edges = np.cumsum([0, *(VIEWS[name][2] for name in VIEWS)])
        self.view_weights = [
            np.ascontiguousarray(self.coef[:, lo:hi].T) for lo, hi in itertools.pairwise(edges)
        ]
        self.embedding_weights = np.ascontiguousarray(self.coef[:, edges[-1] :].T)

    @classmethod
    def load(cls, folder: Path = MODEL_DIR) -> Detector:
        meta_path, weights_path = folder / META, folder / WEIGHTS
        if not meta_path.is_file() or not weights_path.is_file():
            raise ModelUnavailableError(
                f"attack detector missing in {folder}: run `make guard-train`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        digest = sha256_file(weights_path)
        if digest != meta.get("weights_sha256"):
            raise ModelUnavailableError(
                f"attack detector {weights_path} has sha256 {digest[:12]}, "
                f"{META} records {str(meta.get('weights_sha256'))[:12]}: run `make guard-train`"
            )
        with np.load(weights_path) as data:
            weights = {k: data[k].astype(np.float32) for k in data.files}
        return cls(meta, weights)

    @cached_property
    def attack_classes(self) -> list[int]:
        return [i for i in range(len(self.classes)) if i != self.benign]

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        # features(...) @ coef.T, one view at a time (no stacking of the sparse views).
        embedded = np.asarray(vectors, dtype=np.float32) * self.embedding_weight
        logits = embedded @ self.embedding_weights + self.intercept
        for x, weights in zip(views(texts, self.idf), self.view_weights, strict=True):
            logits = logits + x @ weights
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def scores(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """Attack score (1 - P(benign)) per text."""
        return 1.0 - self.probabilities(texts, vectors)[:, self.benign]

    def detect(self, texts: list[str], vectors: np.ndarray) -> tuple[Detection, int] | None:
        """The most likely attack over ``texts`` (readings of one input) and the index of the
        reading it came from, when its score reaches the threshold; else None."""
        probs = self.probabilities(texts, vectors)
        attack = 1.0 - probs[:, self.benign]
        best = int(np.argmax(attack))
        if attack[best] < self.threshold:
            return None
        family = self.classes[self.attack_classes[int(np.argmax(probs[best, self.attack_classes]))]]
        return Detection(family, float(attack[best])), best
