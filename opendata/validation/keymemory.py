"""The memory behind the primary-key and ``unique`` checks: every key seen, and its latest row.

frictionless keeps a Python dict of typed key → row number: about 130 bytes a key, the whole of
a refresh's memory growth with rows (~130 MB at a million rows). Text and integer keys — nearly
every key a disclosure catalogue has — are remembered here as two independent 64-bit hashes of
their text (Python's keyed SipHash of the text and of the text plus a NUL) and a 32-bit row
number, in sorted numpy arrays: 20 bytes a key. Two different keys are taken for the same only if
both hashes collide: for a billion keys, odds below 1e-20. Other keys (numbers, dates,
composites, whose equality is not their text) keep the exact dict.

Sorted arrays make "seen before?" one ``searchsorted`` per array and chunk. New keys go into a
new small array; arrays of similar size are merged (a log-structured merge), so there are
O(log n) arrays and each key is copied O(log n) times. A chunk with a repeated key — rare,
and an error — takes a slow path that answers key by key.

What is reported matches frictionless: a repeated key names the latest earlier row that had it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import add
from typing import Any

import numpy as np
import numpy.typing as npt

#: Field types whose typed values are equal exactly when their texts are.
HASHED_TYPES = frozenset({"string", "integer"})
_STR = frozenset({str})
Hit = tuple[int, int, Any]  # (row, earlier row with the same key, the key)
_I64 = npt.NDArray[np.int64]
_U32 = npt.NDArray[np.uint32]


class _Run:
    """Keys sorted by their first hash, with their second hash and latest row."""

    __slots__ = ("h1", "h2", "rows")

    def __init__(self, h1: _I64, h2: _I64, rows: _U32) -> None:
        self.h1, self.h2, self.rows = h1, h2, rows

    def __len__(self) -> int:
        return len(self.h1)

    def find(self, a: int, b: int) -> int:
        """Position of key (a, b), or -1."""
        i = int(np.searchsorted(self.h1, a))
        while i < len(self.h1) and self.h1[i] == a:
            if self.h2[i] == b:
                return i
            i += 1
        return -1


def _sorted_run(h1: _I64, h2: _I64, rows: _U32) -> _Run:
    order = np.argsort(h1, kind="stable")
    return _Run(h1[order], h2[order], rows[order])


def _merge(a: _Run, b: _Run) -> _Run:
    """Two sorted runs as one, without sorting again: b's keys go where searchsorted puts them."""
    at = np.searchsorted(a.h1, b.h1) + np.arange(len(b))
    size = len(a) + len(b)
    from_b = np.zeros(size, dtype=bool)
    from_b[at] = True
    merged = _Run(np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.uint32))
    for name in _Run.__slots__:
        target = getattr(merged, name)
        target[at] = getattr(b, name)
        target[~from_b] = getattr(a, name)
    return merged


class KeyMemory:
    """Keys seen so far, each with the latest row it was seen in.

    ``hashed`` selects the compact memory; use it only for keys whose equality is the equality
    of their text (``str`` values, or ``int`` values): see :data:`HASHED_TYPES`.
    """

    def __init__(self, hashed: bool) -> None:
        self.hashed = hashed
        self._exact: dict[Any, int] = {}
        self._runs: list[_Run] = []

    def __len__(self) -> int:
        return sum(map(len, self._runs)) if self.hashed else len(self._exact)

    def add(self, keys: Sequence[Any], rows: Sequence[int]) -> list[Hit]:
        """Remember ``keys`` (none of them null), seen in ``rows``, in row order. Returns one
        ``(row, earlier row, key)`` for each key seen before, here or in an earlier call."""
        if not keys:
            return []
        if not self.hashed:
            return self._add_exact(keys, rows)
        texts = keys if _STR.issuperset(map(type, keys)) else list(map(str, keys))
        n = len(texts)
        h1 = np.fromiter(map(hash, texts), np.int64, n)
        h2 = np.fromiter(map(hash, map(add, texts, repeat("\0"))), np.int64, n)
        if isinstance(rows, range):  # what the checker passes for consecutive rows
            numbers = np.arange(rows.start, rows.stop, rows.step, dtype=np.uint32)
        else:
            numbers = np.fromiter(rows, np.uint32, n)
        chunk = _sorted_run(h1, h2, numbers)
        repeated = bool(np.any((chunk.h1[1:] == chunk.h1[:-1]) & (chunk.h2[1:] == chunk.h2[:-1])))
        if not repeated and not any(self._may_hold(run, chunk.h1) for run in self._runs):
            self._push(chunk)
            return []
        return self._add_slowly(keys, rows, h1, h2)

    @staticmethod
    def _may_hold(run: _Run, h1: _I64) -> bool:
        # ``h1`` is sorted: numpy's binary search then starts where the last one ended, and
        # reads the run in order (3x faster than random needles at a million keys).
        at = np.minimum(np.searchsorted(run.h1, h1), len(run) - 1)
        return bool(np.any(run.h1[at] == h1))

    def _add_slowly(
        self, keys: Sequence[Any], rows: Sequence[int], h1: _I64, h2: _I64
    ) -> list[Hit]:
        hits: list[Hit] = []
        new: dict[tuple[int, int], int] = {}
        for key, row, a, b in zip(keys, rows, h1.tolist(), h2.tolist(), strict=True):
            earlier = new.get((a, b))
            if earlier is not None:
                hits.append((row, earlier, key))
                new[(a, b)] = row
                continue
            for run in self._runs:
                i = run.find(a, b)
                if i >= 0:
                    hits.append((row, int(run.rows[i]), key))
                    run.rows[i] = row
                    break
            else:
                new[(a, b)] = row
        if new:
            pairs = list(new)
            self._push(
                _sorted_run(
                    np.fromiter((p[0] for p in pairs), np.int64, len(pairs)),
                    np.fromiter((p[1] for p in pairs), np.int64, len(pairs)),
                    np.fromiter(new.values(), np.uint32, len(pairs)),
                )
            )
        return hits

    def _push(self, run: _Run) -> None:
        runs = self._runs
        runs.append(run)
        # Merge while the newest run is at least half the size of the one before: O(log n) runs.
        while len(runs) > 1 and 2 * len(runs[-1]) >= len(runs[-2]):
            newest = runs.pop()
            runs[-1] = _merge(runs[-1], newest)

    def _add_exact(self, keys: Sequence[Any], rows: Sequence[int]) -> list[Hit]:
        memory = self._exact
        if len(set(keys)) == len(keys) and memory.keys().isdisjoint(keys):
            memory.update(zip(keys, rows, strict=True))
            return []
        hits: list[Hit] = []
        for key, row in zip(keys, rows, strict=True):
            earlier = memory.get(key)
            memory[key] = row
            if earlier is not None:
                hits.append((row, earlier, key))
        return hits
