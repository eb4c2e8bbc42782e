"""Bounded calls to a remote model: a deadline, retries with backoff, and a circuit breaker.

A provider that hangs, fails or answers garbage costs a request at most its deadline; after
``failures`` consecutive failures the breaker opens and calls fail at once (the pipeline then
answers extractively) until ``cooldown_s`` has passed, when one trial call is let through
(half-open): success closes the breaker, failure opens it again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ..core.errors import ProviderError

T = TypeVar("T")

#: Time kept back from the deadline for the extractive fallback and the output rail.
FALLBACK_RESERVE_S = 0.5
#: Below this much time left, an LLM call is not worth starting.
MIN_ATTEMPT_S = 0.2

_jitter = secrets.SystemRandom()


class RetryableError(ProviderError):
    """A failure worth retrying: timeout, refused connection, 5xx, 429."""


class CircuitOpenError(ProviderError):
    """The breaker is open: the provider is not called."""


class CircuitBreaker:
    """closed -> (``failures`` consecutive failures) -> open -> (``cooldown_s``) -> half-open."""

    def __init__(
        self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.consecutive = 0
        self.opened_at: float | None = None
        self.trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.cooldown_s:
            return "half-open"
        return "open"

    def before_call(self) -> None:
        """Raise CircuitOpenError unless a call may go out now."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half-open" and not self.trial_running:
                self.trial_running = True
                return
            opened = self.opened_at if self.opened_at is not None else self.clock()
            wait = max(0.0, self.cooldown_s - (self.clock() - opened))
            raise CircuitOpenError(
                f"LLM provider circuit open after {self.consecutive} consecutive failures "
                f"(next try in {wait:.0f} s)"
            )

    def success(self) -> None:
        with self._lock:
            self.consecutive = 0
            self.opened_at = None
            self.trial_running = False

    def failure(self) -> None:
        with self._lock:
            self.consecutive += 1
            if self.trial_running or self.consecutive >= self.threshold:
                self.opened_at = self.clock()
            self.trial_running = False


def remaining(deadline: float | None) -> float | None:
    """Seconds an LLM call may still take before ``deadline`` (monotonic), reserve kept back."""
    if deadline is None:
        return None
    return deadline - time.monotonic() - FALLBACK_RESERVE_S


def call_with_retries(
    attempt: Callable[[float], T],
    breaker: CircuitBreaker,
    timeout_s: float,
    max_retries: int,
    backoff_s: float,
    deadline: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt(timeout)`` until it succeeds, retries run out, or the deadline nears.

    Only RetryableError is retried; every failure counts towards opening the breaker.
    """
    last: ProviderError | None = None
    out_of_time = False
    for n in range(max_retries + 1):
        left = remaining(deadline)
        timeout = timeout_s if left is None else min(timeout_s, left)
        if timeout < MIN_ATTEMPT_S:
            out_of_time = True
            break
        breaker.before_call()
        try:
            result = attempt(timeout)
        except ProviderError as exc:
            breaker.failure()
            last = exc
            if not isinstance(exc, RetryableError):
                raise
        else:
            breaker.success()
            return result
        if n < max_retries:
            delay = backoff_s * (2**n) * (0.5 + _jitter.random())
            left = remaining(deadline)
            if left is not None and delay > left - MIN_ATTEMPT_S:
                out_of_time = True
                break
            sleep(delay)
    if last is None:
        raise ProviderError("LLM provider skipped: the request deadline left no time for it")
    if out_of_time or (deadline is not None and (remaining(deadline) or 0.0) < MIN_ATTEMPT_S):
        raise ProviderError(f"{last} (request deadline reached)") from last
    raise last
