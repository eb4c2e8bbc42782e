"""The input rail: length and repetition limits, then attack patterns on every decoded reading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .normalize import SQUASHED, readings, squashed
from .rules import FAMILIES

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
DISGUISABLE = {"prompt_injection", "jailbreak", "system_prompt_extraction"}


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
    """Decide whether a question may reach retrieval. Never raises."""
    if len(text) > max_chars:
        return Verdict(
            "block", "input_too_long", MESSAGES["input_too_long"], f"> {max_chars} chars"
        )
    words = text.lower().split()
    if len(words) >= 40 and len(set(words)) / len(words) < 0.25:
        return Verdict("block", "input_flood", MESSAGES["input_flood"], "repetition")
    found = readings(text)
    # Attacks on the assistant first (a jailbreak that carries a harmful request is a jailbreak),
    # then harmful requests. A match only in a disguised or encoded reading is reported as
    # obfuscated_payload; a harmful request hidden in an encoding is blocked the same way.
    for family, patterns in FAMILIES.items():
        if family == "harmful_request":
            continue
        for index, (kind, reading) in enumerate(found):
            for number, pattern in enumerate(patterns):
                if pattern.search(reading):
                    rule = f"{family}#{number}" + (
                        "" if index == 0 else f" ({kind} reading {index})"
                    )
                    if kind != "plain" and family in DISGUISABLE:
                        return Verdict(
                            "block", "obfuscated_payload", MESSAGES["obfuscated_payload"], rule
                        )
                    return _verdict(family, reading, rule)
    for index, (kind, reading) in enumerate(found):
        for number, pattern in enumerate(FAMILIES["harmful_request"]):
            if pattern.search(reading):
                rule = f"harmful_request#{number}" + (
                    "" if index == 0 else f" ({kind} reading {index})"
                )
                if kind == "encoded":
                    return Verdict(
                        "block", "obfuscated_payload", MESSAGES["obfuscated_payload"], rule
                    )
                return _verdict("harmful_request", reading, rule)
    letters = squashed(text)
    for phrase in SQUASHED:
        if phrase in letters:
            return Verdict(
                "block", "obfuscated_payload", MESSAGES["obfuscated_payload"], f"squashed:{phrase}"
            )
    return ALLOW


def semantic_verdict(family: str, score: float) -> Verdict:
    """The verdict for a question the semantic layer matched to an attack family."""
    verdict = _verdict(family, "", f"semantic:{family} ({score:.2f})")
    return verdict
