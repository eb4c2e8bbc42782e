"""Answers from retrieved passages: extractive (offline default) or any OpenAI-compatible server
(``generation.openai_compat``, imported when configured), the answerability model that decides
when to refuse, and the prompt."""

from .answerability import AnswerabilityModel
from .base import REFUSAL_TEXT, refusal
from .extractive import extract
from .prompts import SYSTEM_PROMPT, messages

__all__ = ["REFUSAL_TEXT", "SYSTEM_PROMPT", "AnswerabilityModel", "extract", "messages", "refusal"]
