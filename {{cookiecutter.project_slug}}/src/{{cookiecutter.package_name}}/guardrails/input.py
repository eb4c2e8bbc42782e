"""The input rail: length and repetition limits, high-precision patterns on every decoded
reading, then the learned attack detector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from .normalize import SQUASHED, readings, squashed, visible_letters
from .pii import PiiRedactor
from .rules import FAMILIES

if TYPE_CHECKING:
    from ..models.encoders import Embedder
    from .detector import Detector

_WORDS = re.compile(r"[^\W\d_]+")
# A decoded reading is scored when it reads as language: at least two English function words,
# at least this share of its words, and clearly more of them than the plain text has.
REVEALED_WORDS = 2
REVEALED_SHARE = 0.25
REVEALED_GAIN = 0.1

SELF_HARM_HINTS = (
    "myself",
    "kill me",
    "not wake up",
    "end it all",
    "ending it all",
    "take my life",
    "take my own life",
    "want to live",
    "my life",
    "suicide",
    "self-harm",
    "self harm",
    "want to die",
    "overdose",
)

MESSAGES = {
    "prompt_injection": "I can't follow instructions that try to change how I work. Ask a question about the documents.",
    "jailbreak": "I can't take on a persona without rules. Ask a question about the documents.",
    "obfuscated_payload": "That message hides instructions in an encoding. Ask a question about the documents in plain words.",
    "system_prompt_extraction": "I can't share my instructions or configuration. Ask a question about the documents.",
    "unbounded_request": "That asks for far more output than this assistant gives. Ask a specific question about the documents.",
    "input_too_long": "The question is too long. Ask a shorter, specific question.",
    "input_flood": "The message repeats itself too much to be a question. Ask a specific question.",
    "harmful_request": "I can't help with that.",
    "self_harm": (
        "I can't help with that, but you don't have to face this alone. In the UK, Samaritans "
        "answer day and night on 116 123 (samaritans.org); in an emergency call 999."
    ),
}
DISGUISABLE = {"prompt_injection", "jailbreak", "system_prompt_extraction", "obfuscated_payload"}


@dataclass(frozen=True)
class Verdict:
    action: Literal["allow", "block", "refuse"]
    reason: str | None = None
    message: str | None = None
    rule: str | None = None

    @property
    def allowed(self) -> bool:
        return self.action == "allow"


ALLOW = Verdict("allow")


def _verdict(family: str, text: str, rule: str) -> Verdict:
    if family == "harmful_request":
        lowered = text.lower()
        key = "self_harm" if any(h in lowered for h in SELF_HARM_HINTS) else "harmful_request"
        return Verdict("refuse", "harmful_request", MESSAGES[key], rule)
    return Verdict("block", family, MESSAGES[family], rule)


def check_input(text: str, max_chars: int) -> Verdict:
    """The rules: length and repetition limits, then the high-precision patterns on every
    decoded reading. Never raises."""
    if len(text) > max_chars:
        return Verdict(
            "block", "input_too_long", MESSAGES["input_too_long"], f"> {max_chars} chars"
        )
    words = text.lower().split()
    if len(words) >= 40 and len(set(words)) / len(words) < 0.25:
        return Verdict("block", "input_flood", MESSAGES["input_flood"], "repetition")
    # A match only in a disguised or encoded reading is reported as obfuscated_payload.
    for index, (kind, reading) in enumerate(readings(text)):
        for family, patterns in FAMILIES.items():
            for number, pattern in enumerate(patterns):
                if pattern.search(reading):
                    rule = f"{family}#{number}" + (
                        "" if index == 0 else f" ({kind} reading {index})"
                    )
                    if kind != "plain":
                        return Verdict(
                            "block", "obfuscated_payload", MESSAGES["obfuscated_payload"], rule
                        )
                    return _verdict(family, reading, rule)
    # Only a phrase the separators hid counts: "jailbreak detection" names a topic, "j.a.i.l.b.r.e.a.k"
    # hides a word.
    letters, visible = squashed(text), visible_letters(text)
    for phrase in SQUASHED:
        if phrase in letters and phrase not in visible:
            return Verdict(
                "block", "obfuscated_payload", MESSAGES["obfuscated_payload"], f"squashed:{phrase}"
            )
    return ALLOW


def _function_words(text: str) -> tuple[int, float]:
    """(count, share) of English function words among the words of ``text``."""
    words = _WORDS.findall(text.casefold())
    count = sum(w in STOPWORDS_EN for w in words)
    return count, count / len(words) if words else 0.0


def language_readings(text: str) -> list[tuple[str, str]]:
    """The plain reading, plus each decoded or disguised reading that reveals language the plain
    text hides (more English function words than the plain text has): reversed or ROT13 text of
    an ordinary question is noise and is not worth scoring."""
    found = readings(text)
    plain = _function_words(found[0][1])[1]
    kept = [found[0]]
    for kind, reading in found[1:]:
        count, share = _function_words(reading)
        if count >= REVEALED_WORDS and share >= max(REVEALED_SHARE, plain + REVEALED_GAIN):
            kept.append((kind, reading))
    return kept


class InputRail:
    """Rules first, then the learned detector over the plain and the revealing readings.

    The detector reads the text with personal data masked (``<EMAIL_ADDRESS>``): who a question
    names says nothing about whether it attacks the assistant, and training masks it the same way.
    """

    def __init__(
        self,
        embedder: Embedder,
        detector: Detector,
        max_chars: int,
        redactor: PiiRedactor | None = None,
    ):
        self.embedder = embedder
        self.detector = detector
        self.max_chars = max_chars
        self.redactor = redactor or PiiRedactor()

    def check(self, text: str) -> Verdict:
        verdict = check_input(text, self.max_chars)
        if not verdict.allowed:
            return verdict
        masked = self.redactor.redact(text)[0]
        found = language_readings(masked)
        vector, _ = self.embedder.encode_query(masked)  # the query's own vector when no PII
        vectors = [vector]
        if len(found) > 1:
            vectors += list(self.embedder.encode([reading for _, reading in found[1:]]))
        hit = self.detector.detect([reading for _, reading in found], np.vstack(vectors))
        if hit is None:
            return ALLOW
        detection, index = hit
        kind, reading = found[index]
        rule = f"detector:{detection.family} ({detection.score:.2f})" + (
            "" if index == 0 else f" ({kind} reading {index})"
        )
        if kind != "plain" and detection.family in DISGUISABLE:
            return Verdict("block", "obfuscated_payload", MESSAGES["obfuscated_payload"], rule)
        return _verdict(detection.family, reading, rule)
