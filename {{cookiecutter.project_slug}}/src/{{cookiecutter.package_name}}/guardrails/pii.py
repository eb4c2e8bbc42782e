"""PII detection and redaction with presidio's pattern recognisers (no spaCy model needed).

Covered: e-mail, phone numbers (UK and international, via libphonenumber), UK National Insurance
numbers, UK postcodes, payment cards (Luhn-checked), IBAN (checksum-checked), UK sort code with
account number, IPv4/IPv6. Matches are replaced by ``<ENTITY_TYPE>``, so redaction is idempotent.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ENTITIES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "UK_NINO",
    "UK_POSTCODE",
    "CREDIT_CARD",
    "IBAN_CODE",
    "UK_BANK_ACCOUNT",
    "IP_ADDRESS",
)
PHONE_REGIONS = ("GB", "US", "IE", "FR", "DE", "NL", "ES", "IT", "BE", "AU", "IN", "CA")
# UK postcode (outward + inward code), word-bounded; presidio's own UK postcode recogniser scores
# too low to fire without context words, which the no-op NLP engine cannot supply.
POSTCODE = r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"
SORT_CODE_ACCOUNT = r"\b\d{2}[- ]\d{2}[- ]\d{2}\b\D{0,30}?\b\d{8}\b"
THRESHOLD = 0.35
FIND_CACHE = 4096  # texts whose findings are remembered
FLAG = "personal_data"  # set at ingest on a chunk whose stored text has PII in it
_CITATION = re.compile(r"\[\d{1,3}\]")


@dataclass(frozen=True)
class Finding:
    entity: str
    start: int
    end: int


class PiiRedactor:
    """Thread-safe; the presidio engines are built on first use. Findings are remembered per
    text (a question scanned by the input rail and again for the response, a passage returned
    again and again), so a text is analysed once."""

    def __init__(self, entities: tuple[str, ...] = ENTITIES):
        self.entities = entities
        self._lock = threading.Lock()
        self._analyzer: Any = None
        self._find = lru_cache(maxsize=FIND_CACHE)(self._analyse)

    def _engine(self) -> Any:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = _build_analyzer()
            return self._analyzer

    def find(self, text: str) -> list[Finding]:
        return list(self._find(text))

    def _analyse(self, text: str) -> tuple[Finding, ...]:
        if not text or not any(ch.isdigit() or ch == "@" or ch == ":" for ch in text):
            return ()
        # Citation markers are blanked (same length, so offsets hold): libphonenumber does not
        # match "07700 900123 [1]".
        masked = _CITATION.sub(lambda m: " " * len(m.group()), text)
        results = self._engine().analyze(
            text=masked, language="en", entities=list(self.entities), score_threshold=THRESHOLD
        )
        findings = sorted(
            (Finding(r.entity_type, r.start, r.end) for r in results),
            key=lambda f: (f.start, -f.end),
        )
        merged: list[Finding] = []
        for f in findings:
            if merged and f.start < merged[-1].end:
                if f.end > merged[-1].end:
                    merged[-1] = Finding(merged[-1].entity, merged[-1].start, f.end)
                continue
            merged.append(f)
        return tuple(merged)

    def redact(self, text: str) -> tuple[str, list[str]]:
        """Return (text with PII replaced, entity types found).

        Repeated until nothing more is found: a match can hide its neighbour (a phone number
        followed by a card number is seen as one long number until the card is replaced).
        """
        out = text
        found: list[str] = []
        for _ in range(4):
            findings = self.find(out)
            if not findings:
                break
            for f in reversed(findings):
                out = out[: f.start] + f"<{f.entity}>" + out[f.end :]
            found += [f.entity for f in findings]
        return out, found


def replaced(original: str, redacted: str) -> list[str]:
    """The entity types ``redact`` replaced to turn ``original`` into ``redacted``."""
    pattern = re.compile(r"<(" + "|".join(ENTITIES) + r")>")
    before = pattern.findall(original)
    out = pattern.findall(redacted)
    for entity in before:
        out.remove(entity)
    return out


def scan_signature(entities: tuple[str, ...] = ENTITIES) -> str:
    """What a PII scan depends on (entities, patterns, regions, threshold, library versions): a
    chunk flagged under the same signature needs no second scan to know it is clean."""
    from importlib.metadata import version

    parts = [*entities, POSTCODE, SORT_CODE_ACCOUNT, *PHONE_REGIONS, str(THRESHOLD)]
    parts += [version("presidio-analyzer"), version("phonenumbers")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _build_analyzer() -> Any:
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UkNinoRecognizer,
    )

    class OfflineEmailRecognizer(EmailRecognizer):
        """presidio validates e-mail domains with tldextract, which downloads a suffix list."""

        def validate_result(self, pattern_text: str) -> bool | None:
            return None

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
        UkNinoRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        PatternRecognizer(
            supported_entity="UK_POSTCODE",
            patterns=[Pattern("uk postcode", POSTCODE, 0.5)],
            global_regex_flags=re.MULTILINE,  # case-sensitive: postcodes are written in capitals
        ),
        PatternRecognizer(
            supported_entity="UK_BANK_ACCOUNT",
            patterns=[Pattern("sort code and account", SORT_CODE_ACCOUNT, 0.6)],
        ),
    ):
        registry.add_recognizer(recognizer)
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    engine.load()
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
