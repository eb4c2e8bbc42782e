"""Swap in a new index without dropping requests: POST /admin/reload, or SIGHUP under `serve`.

Every request binds to one Pipeline object when it starts (``live.current``, resolved by the
``current_pipeline`` dependency or once per UI event), so a request that is running when the index is swapped finishes on the
old index and the next one starts on the new one. A reload that fails (no index, damaged
file) leaves the running pipeline in place.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

from ..core.errors import RagError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..pipeline import Pipeline

log = logging.getLogger("reload")


class LivePipeline:
    """A handle on the current Pipeline, swapped whole by ``reload``."""

    def __init__(self, pipeline: Pipeline):
        self._current = pipeline
        self._lock = threading.Lock()
        self.reloads = 0

    @property
    def current(self) -> Pipeline:
        return self._current

    def reload(self) -> dict[str, Any]:
        """Load the index now live on disk and switch to it; raise RagError if it cannot load."""
        with self._lock:
            started = time.perf_counter()
            previous = _version(self._current)
            self._current = self._current.reloaded()
            self.reloads += 1
            return {
                "reloaded": True,
                "previous_version": previous,
                "version": _version(self._current),
                "chunks": len(self._current.store.chunks),
                "seconds": round(time.perf_counter() - started, 3),
            }


def _version(pipeline: Pipeline) -> str | None:
    folder = getattr(pipeline.store, "version_dir", None)
    return folder.name if folder is not None else None


def install_sighup(live: LivePipeline) -> Callable[[], None]:
    """Reload on SIGHUP (in a thread, not in the handler); returns a function that uninstalls."""

    def run() -> None:
        try:
            live.reload()
            log.info("reloaded on SIGHUP", extra={"fields": {"version": _version(live.current)}})
        except RagError as exc:
            log.warning("reload on SIGHUP failed", extra={"fields": {"error": str(exc)}})

    def on_signal(signum: int, frame: Any) -> None:
        threading.Thread(target=run, name="sighup-reload", daemon=True).start()

    previous = signal.signal(signal.SIGHUP, on_signal)

    def uninstall() -> None:
        signal.signal(signal.SIGHUP, previous)

    return uninstall
