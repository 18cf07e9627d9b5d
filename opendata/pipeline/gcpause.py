"""Fewer garbage collections while a refresh streams rows.

A refresh allocates millions of short-lived objects (a dict and a list per row) that reference
counting frees; the cyclic collector still runs every 700 allocations and, as batches in flight
survive into older generations, keeps walking everything the process has imported. Measured on
1,000,000 rows (bench/): build 12.0 s → 10.5 s with the collector run 70× less often and the
objects that exist before the refresh frozen out of its walks.

Process-wide, so it is reference-counted: overlapping refreshes (scheduler threads) share one
setting, and the last one out restores the previous thresholds. Cycles are still collected,
just in larger steps.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young-generation collections during a refresh (CPython's default: 700).
YOUNG_THRESHOLD = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()
_froze = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the body with a high young-generation threshold and pre-existing objects frozen."""
    global _depth, _saved, _froze
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            # A process that froze objects itself (before forking workers, say) keeps them
            # frozen: unfreeze() cannot tell its objects from ours, so leave freezing alone.
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(_saved[0], YOUNG_THRESHOLD), _saved[1], _saved[2])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()
