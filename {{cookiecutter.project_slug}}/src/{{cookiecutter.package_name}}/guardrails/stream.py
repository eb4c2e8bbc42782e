"""PII redaction for streamed LLM tokens.

Tokens are held back until a safe boundary (the end of a sentence, or a line break), so an e-mail
address or phone number split across several tokens is redacted as a whole before any of it is
sent. A buffer that grows past ``max_chars`` without a boundary is released up to its last space,
keeping the trailing ``keep_chars`` (long enough for any covered PII value) for the next round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pii import PiiRedactor

# A sentence end followed by whitespace, or a line break. "jo.bloggs@mail.example" has no space
# after its dots, so it is never cut.
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+|\n")


class StreamRedactor:
    def __init__(self, redactor: PiiRedactor, max_chars: int = 400, keep_chars: int = 64):
        self.redactor = redactor
        self.max_chars = max_chars
        self.keep_chars = keep_chars
        self.buffer = ""
        self.found: list[str] = []

    def _release(self, text: str) -> str:
        redacted, found = self.redactor.redact(text)
        self.found += found
        return redacted

    def feed(self, delta: str) -> Iterator[str]:
        """Redacted text that is safe to send now (possibly nothing)."""
        self.buffer += delta
        ends = [m.end() for m in _BOUNDARY.finditer(self.buffer)]
        if ends:
            ready, self.buffer = self.buffer[: ends[-1]], self.buffer[ends[-1] :]
            yield self._release(ready)
        if len(self.buffer) > self.max_chars:
            cut = self.buffer.rfind(" ", 0, len(self.buffer) - self.keep_chars)
            if cut > 0:
                ready, self.buffer = self.buffer[: cut + 1], self.buffer[cut + 1 :]
                yield self._release(ready)

    def flush(self) -> Iterator[str]:
        """Whatever is left, redacted."""
        if self.buffer:
            ready, self.buffer = self.buffer, ""
            yield self._release(ready)
