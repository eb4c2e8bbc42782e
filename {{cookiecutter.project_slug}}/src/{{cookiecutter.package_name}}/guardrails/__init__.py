"""Guardrails with reason codes: the input rail (rules, then the trained detector), the context
rail (instructions planted in passages), the output rail (support, citations, leaks), PII
redaction, and streaming redaction. Training the detector lives in ``guardrails.training``."""

from .context import flag_chunks, neutralise
from .detector import Detector
from .input import InputRail, Verdict, check_input
from .output import check_answer, leaks
from .pii import PiiRedactor
from .stream import StreamRedactor

__all__ = [
    "Detector",
    "InputRail",
    "PiiRedactor",
    "StreamRedactor",
    "Verdict",
    "check_answer",
    "check_input",
    "flag_chunks",
    "leaks",
    "neutralise",
]
