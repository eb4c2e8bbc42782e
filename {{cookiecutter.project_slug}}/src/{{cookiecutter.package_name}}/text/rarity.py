"""How rare a word is in general English: common words say little about what a question is about.

A corpus's own statistics cannot tell a distinctive word from an everyday one it happens not to
contain (a ten-document corpus may never say "long" or "send"). ``specificity`` scales a term's
weight by its general-English rarity from wordfreq's Zipf scale (about 7 for "the", 6 for
"long", 3.5 for "kettle", 0 for a word it has never seen, such as a part number).
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

COMMON_ZIPF = 6.0  # at or above: an everyday word, weight FLOOR
RARE_ZIPF = 3.0  # at or below: a distinctive word, full weight
FLOOR = 0.05


@lru_cache(maxsize=100_000)
def specificity(word: str) -> float:
    """1.0 for a rare or unknown word, down to ``FLOOR`` for the most common ones."""
    zipf = zipf_frequency(word, "en")
    return min(1.0, max(FLOOR, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF)))
