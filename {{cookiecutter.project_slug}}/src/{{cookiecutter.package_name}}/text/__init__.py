"""Text as the index sees it: the BM25 analyzer (with identifier spelling) and sentence splitting.
Word rarity (``text.rarity``, wordfreq) is imported where it is used."""

from .analyzer import STOPWORDS, analyze, analyze_words, identifiers
from .sentences import split_sentences

__all__ = ["STOPWORDS", "analyze", "analyze_words", "identifiers", "split_sentences"]
