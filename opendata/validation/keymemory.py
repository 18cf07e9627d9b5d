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

Integer keys that arrive as a counter does (each chunk consecutive, rows consecutive, above
every key seen so far: ``id`` 1, 2, 3 …) are kept as intervals (first key, first row, length),
so that a table numbered from 1 costs a few bytes however many rows it has; a key seen again
inside an interval keeps its latest row in a small dict. Other integer keys take the hashed runs.

What is reported matches frictionless: a repeated key names the latest earlier row that had it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise, repeat
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
        self._spans = _Intervals()

    def __len__(self) -> int:
        if not self.hashed:
            return len(self._exact)
        return sum(map(len, self._runs)) + self._spans.size

    def add(self, keys: Sequence[Any], rows: Sequence[int]) -> list[Hit]:
        """Remember ``keys`` (none of them null), seen in ``rows``, in row order. Returns one
        ``(row, earlier row, key)`` for each key seen before, here or in an earlier call."""
        if not keys:
            return []
        if not self.hashed:
            return self._add_exact(keys, rows)
        ints = _int64s(keys)
        if ints is not None:
            if self._spans.take(ints, rows):
                return []  # a counter's next keys: above all seen, so none is a repeat
            if self._spans.holds_any(ints):
                return self._add_slowly(keys, rows, *_hashes(keys))
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
            earlier = self._spans.latest(key, row)  # an interval's key stays there
            if earlier is not None:
                hits.append((row, earlier, key))
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


def _int64s(keys: Sequence[Any]) -> npt.NDArray[np.int64] | None:
    """The keys as int64 when every one is a plain int that fits, else None."""
    if any(type(k) is not int for k in keys):
        return None
    try:
        return np.fromiter(keys, np.int64, len(keys))
    except OverflowError:
        return None


def _hashes(keys: Sequence[Any]) -> tuple[_I64, _I64]:
    texts = list(map(str, keys))
    n = len(texts)
    h1 = np.fromiter(map(hash, texts), np.int64, n)
    h2 = np.fromiter(map(hash, map(add, texts, repeat("\0"))), np.int64, n)
    return h1, h2


class _Intervals:
    """Integer keys seen as a counter gives them: (first key, first row, length), ascending."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.first_rows: list[int] = []
        self.lengths: list[int] = []
        self.size = 0
        self.top: int | None = None  # the largest integer key seen, in intervals or not
        self._moved: dict[int, int] = {}  # key inside an interval → its latest row
        self._arrays: tuple[_I64, _I64] | None = None

    def take(self, keys: npt.NDArray[np.int64], rows: Sequence[int]) -> bool:
        """Keep ``keys`` as an interval if they continue a counter; False (nothing kept) if not."""
        n = len(keys)
        first, last = int(keys[0]), int(keys[-1])
        above = self.top is None or first > self.top
        highest = int(keys.max())
        self.top = highest if self.top is None else max(self.top, highest)
        if not above or last - first != n - 1 or not _consecutive(rows, n):
            return False
        if n > 1 and not bool(np.all(np.diff(keys) == 1)):
            return False
        if (
            self.starts
            and self.starts[-1] + self.lengths[-1] == first
            and (self.first_rows[-1] + self.lengths[-1] == rows[0])
        ):
            self.lengths[-1] += n
        else:
            self.starts.append(first)
            self.first_rows.append(rows[0])
            self.lengths.append(n)
        self.size += n
        self._arrays = None
        return True

    def holds_any(self, keys: npt.NDArray[np.int64]) -> bool:
        if not self.starts:
            return False
        if self._arrays is None:
            self._arrays = (np.array(self.starts, np.int64), np.array(self.lengths, np.int64))
        starts, lengths = self._arrays
        at = np.searchsorted(starts, keys, side="right") - 1
        inside = (at >= 0) & (keys - starts[np.maximum(at, 0)] < lengths[np.maximum(at, 0)])
        return bool(np.any(inside))

    def latest(self, key: Any, row: int) -> int | None:
        """The latest row of ``key`` if an interval holds it (now ``row``), else None."""
        if type(key) is not int or not self.starts:
            return None
        i = bisect_right(self.starts, key) - 1
        if i < 0 or key - self.starts[i] >= self.lengths[i]:
            return None
        earlier = self._moved.get(key, self.first_rows[i] + key - self.starts[i])
        self._moved[key] = row
        return earlier


def _consecutive(rows: Sequence[int], n: int) -> bool:
    if isinstance(rows, range):
        return rows.step == 1
    return rows[-1] - rows[0] == n - 1 and all(b - a == 1 for a, b in pairwise(rows))
