"""An LRU cache of finished answers, keyed by the exact question, mode, k and index version.

A hit skips retrieval and answering; the result is the stored one with its latency replaced by
the lookup time and ``cached`` set, so latency statistics can keep hits apart from real work.
Blocked requests are not stored (they are cheap, and their counting must stay per request).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class AnswerCache(Generic[V]):
    def __init__(self, size: int):
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, ...], V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> V | None:
        if self.size <= 0:
            return None
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: tuple[str, ...], value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
