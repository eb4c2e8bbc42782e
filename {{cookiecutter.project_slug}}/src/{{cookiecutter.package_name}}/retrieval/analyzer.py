"""The BM25 analyzer: lower-cased, stemmed words, plus identifiers kept whole.

``HX-4200`` yields ``hx-4200`` (so an exact part number matches strongly) as well as ``hx``
and ``4200`` (so a partial one still matches). One-letter words and English stopwords are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*")
_SEPARATORS = re.compile(r"[-_./:]")
_STOPWORDS = frozenset(STOPWORDS_EN)
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def analyze(text: str) -> list[str]:
    """Terms of ``text`` for BM25."""
    text = unicodedata.normalize("NFKC", text).casefold()
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        parts = _SEPARATORS.split(token)
        if len(parts) > 1:
            terms.append(token)
        for part in parts:
            if (len(part) > 1 or part.isdigit()) and part not in _STOPWORDS:
                terms.append(_stem(part))
    return terms
