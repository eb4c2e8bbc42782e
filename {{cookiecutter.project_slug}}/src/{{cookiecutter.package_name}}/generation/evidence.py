"""How strongly the retrieved chunks support an answer: the signal behind refusals.

Two checks, both independent of any generator:
- ``dense``: cosine similarity of the question to the best retrieved chunk. Unrelated questions
  score low with any corpus, because the embedder was trained to separate them.
- ``identifier_coverage``: share of the question's identifiers (terms that start with a letter
  and contain a digit, e.g. ``E104``, ``HX-4200``, ``v3.4.1``) found in the retrieved text. An
  identifier the evidence never mentions cannot be answered from it: asking about error ``E115``
  must not return the text about ``E105``. Quantities such as ``2am`` or ``96`` are not identifiers.
- ``unknown_names``: capitalised words in the middle of the question (``Siemens``, ``Ford Focus``,
  ``HMRC``) that the whole corpus never uses. A question about a thing the documents never name
  is out of their scope unless the retrieved text is close to it anyway; the pipeline refuses
  when such a name meets only middling similarity (``unknown_name_min_dense``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ..retrieval.analyzer import analyze, identifiers

_WORD = re.compile(r"[^\W\d_][\w'’+&-]*")
_SENTENCE_START = frozenset(".?!:;\"'“‘(\n")
# Capitalised by convention, not names of things a corpus is about.
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def identifier_coverage(question: str, texts: list[str]) -> float:
    """Share of the question's identifiers that occur in ``texts`` (1.0 when it has none)."""
    wanted = identifiers(question)
    if not wanted:
        return 1.0
    found: set[str] = set()
    for text in texts:
        found.update(analyze(text))
    return len(wanted & found) / len(wanted)


def names(question: str) -> list[str]:
    """Capitalised words that do not start a sentence, and camel-case words anywhere: the names
    a question mentions. Weekdays, months and words under three letters are left out.

    Words with digits are identifiers (checked on their own); contractions (``I'm``) and the
    pronoun ``I`` are not names; a possessive ``'s`` is dropped.
    """
    text = unicodedata.normalize("NFKC", question)
    found = []
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group()).strip("'’-+&")
        before = text[: match.start()].rstrip()
        if len(word) < 3 or word.casefold() in _CALENDAR:
            continue  # two capitals are mostly everyday abbreviations (UK, IT, HR, TV)
        if word[0].islower() and any(ch.isupper() for ch in word[1:]):
            found.append(word)  # iPhone, eBay: a brand wherever it stands
            continue
        if not word[0].isupper() or not before or before[-1] in _SENTENCE_START:
            continue
        if word == "I" or "'" in word or "’" in word or any(ch.isdigit() for ch in word):
            continue
        found.append(word)
    return found


def unknown_names(question: str, has_term: Callable[[str], bool]) -> list[str]:
    """The question's names with an analysed term the corpus never uses."""
    unknown = []
    for name in names(question):
        terms = analyze(name)
        if terms and not all(has_term(t) for t in terms):
            unknown.append(name)
    return unknown
