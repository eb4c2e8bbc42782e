"""OpenTelemetry traces: a span ``rag.<stage>`` for every timed pipeline stage, under a span for
the HTTP request (``service/app.py``) when there is one.

Off by default (``otel_exporter: none``): nothing of OpenTelemetry is imported and a stage pays
one ``None`` check. ``configure`` imports the SDK and installs a tracer provider with the chosen
exporter; ``install`` does the same with any exporter (tests use the SDK's in-memory one)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contextvars import Token

    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

    from .settings import Settings


class _State:
    """The process's tracing: ``tracer`` opens the spans of stages and requests; it is None
    while tracing is off."""

    __slots__ = ("provider", "tracer")

    def __init__(self) -> None:
        self.provider: TracerProvider | None = None
        self.tracer: Tracer | None = None


state = _State()


def enabled() -> bool:
    """True while a tracer is installed (``configure`` with an exporter, or ``install``)."""
    return state.tracer is not None


def configure(settings: Settings) -> None:
    """Trace to the exporter ``settings.otel_exporter`` names; with ``none``, do nothing.

    ``console`` writes each span as it ends (one JSON line on standard error); ``otlp`` sends
    batches over OTLP/HTTP to ``settings.otel_endpoint`` (else the SDK's default:
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` or http://localhost:4318).

    The provider is not registered as OpenTelemetry's global one: FastAPI's built-in telemetry
    would then add a second server span to every request, beside ``RequestSpan``'s."""
    if settings.otel_exporter == "none":
        return
    if settings.otel_exporter == "console":
        install(console_exporter(), settings.project_name)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_endpoint
        if endpoint and not endpoint.rstrip("/").endswith("/v1/traces"):
            endpoint = endpoint.rstrip("/") + "/v1/traces"  # a base URL, as the variable takes
        install(OTLPSpanExporter(endpoint=endpoint), settings.project_name, batch=True)


def install(exporter: SpanExporter, service_name: str = "rag", batch: bool = False) -> None:
    """Trace to ``exporter`` from now on (replacing any earlier provider): each span is handed
    over as it ends, or in background batches with ``batch``."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    shutdown()
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    state.provider, state.tracer = provider, provider.get_tracer(__name__)


def shutdown() -> None:
    """Export what is pending and turn tracing off."""
    if state.provider is not None:
        state.provider.shutdown()
    state.provider, state.tracer = None, None


def console_exporter(out: IO[str] | None = None) -> SpanExporter:
    """The SDK's console exporter, writing ``span_json`` lines to ``out`` (standard error)."""
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    return ConsoleSpanExporter(out=out or sys.stderr, formatter=span_json)


def span_json(span: ReadableSpan) -> str:
    """One compact JSON object (and a newline) for a finished span."""
    context, parent = span.get_span_context(), span.parent
    start, end = span.start_time or 0, span.end_time or 0
    entry: dict[str, Any] = {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{context.trace_id:032x}" if context else None,
        "span_id": f"{context.span_id:016x}" if context else None,
        "parent_id": f"{parent.span_id:016x}" if parent else None,
        "start": _iso(start),
        "end": _iso(end),
        "duration_ms": round((end - start) / 1e6, 3),
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }
    if span.status.description:
        entry["error"] = span.status.description
    return json.dumps(entry, separators=(",", ":"), default=str) + "\n"


def _iso(nanoseconds: int) -> str:
    moment = datetime.fromtimestamp(nanoseconds / 1e9, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def current_trace_id() -> str | None:
    """The trace id (32 hex digits) of the span recording here, else None."""
    if state.tracer is None:
        return None
    from opentelemetry import trace

    span = trace.get_current_span()
    return f"{span.get_span_context().trace_id:032x}" if span.is_recording() else None


class StageSpan:
    """The span of one stage, current while the stage runs.

    Its parent is the innermost stage still open in ``stack`` (the stages of one request), else
    the current span: the request's, when one is being served. Naming the parent keeps stages
    nested in a generator (a streamed answer), whose every step may run in a fresh copy of the
    caller's context."""

    __slots__ = ("_context", "_stack", "_token", "span")

    def __init__(self, name: str, stack: list[Span]):
        from opentelemetry import context, trace

        tracer = state.tracer
        assert tracer is not None
        parent = trace.set_span_in_context(stack[-1]) if stack else None
        self.span = tracer.start_span(f"rag.{name}", context=parent)
        self._stack = stack
        self._context = trace.set_span_in_context(self.span)
        self._token: Token[Context] = context.attach(self._context)
        stack.append(self.span)

    def close(self, error: BaseException | None = None) -> None:
        from opentelemetry import context

        if isinstance(error, Exception):  # GeneratorExit (a stream closed early) is no error
            _failed(self.span, error)
        self.span.end()
        self._stack.remove(self.span)
        # A generator's stage may end in another copy of the context than it began in: the copy
        # it was made current in is gone then, and there is nothing to restore.
        if context.get_current() is self._context:
            context.detach(self._token)


class RequestSpan:
    """The span of one HTTP request (kind SERVER): current while the app handles it, ended when
    the last byte of the body is sent (so a streamed answer is inside it). Continues the
    caller's trace when the request carries a W3C ``traceparent`` header, else any span already
    current (an outer ASGI instrumentation's)."""

    def __init__(self, method: str, path: str, headers: Mapping[str, str]):
        from opentelemetry import context, propagate, trace

        tracer = state.tracer
        assert tracer is not None
        self.method = method
        self.span = tracer.start_span(
            method,
            context=propagate.extract(headers, context=context.get_current()),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        )
        self.trace_id = f"{self.span.get_span_context().trace_id:032x}"
        self._token: Token[Context] | None = None
        self._ends_with_body = False

    def __enter__(self) -> RequestSpan:
        from opentelemetry import context, trace

        self._token = context.attach(trace.set_span_in_context(self.span))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        from opentelemetry import context

        assert self._token is not None
        context.detach(self._token)
        if isinstance(error, Exception):
            _failed(self.span, error)
        if not self._ends_with_body:
            self.span.end()

    def responded(self, status: int, route: str | None) -> None:
        """Name the span after the route template (just the method for an unknown path)."""
        from opentelemetry.trace import Status, StatusCode

        self.span.update_name(f"{self.method} {route}" if route else self.method)
        if route:
            self.span.set_attribute("http.route", route)
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:
            self.span.set_status(Status(StatusCode.ERROR))

    def until_sent(self, body: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """``body``, ending the span once it has all been read (or abandoned)."""
        self._ends_with_body = True

        async def read() -> AsyncIterator[Any]:
            try:
                async for chunk in body:
                    yield chunk
            finally:
                self.span.end()

        return read()


def _failed(span: Span, error: Exception) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
