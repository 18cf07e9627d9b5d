"""Rows in chunks, each with the full-text token text of its rows, tokenised here or in a worker.

Making the CJK bigram tokens (:func:`~opendata.store.fts.index_text`) is the one Python-heavy
step of a datastore load: about 3 s a million rows, a quarter of the preloader's work. The
preloader's child hands it to a worker process (a ``ProcessPoolExecutor`` of one) that works a
couple of chunks ahead while the child inserts, so that on the second core it costs the load
almost nothing. A worker that dies raises ``BrokenProcessPool`` here instead of leaving the load
waiting forever (a ``multiprocessing.Pool`` would wait). Without an executor (small loads in the
web process) the tokens are made inline.

Standard library only: the preloader's child imports this.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future

from opendata.store.fts import index_text

#: Chunks a worker may tokenise ahead of the inserts: enough to never wait, few enough that
#: memory stays a few chunks.
AHEAD = 2

Chunk = list[list[str]]


def chunked(rows: Iterable[list[str]], size: int) -> Iterator[Chunk]:
    """``rows`` in lists of ``size`` (the last one shorter); each list is read in full first."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def search_texts(chunk: Chunk, search: Sequence[int]) -> list[str]:
    """The text each row contributes to the index: its searchable cells, space-separated."""
    if len(search) == 1:
        (i,) = search
        return [cells[i] for cells in chunk]
    return [" ".join(cells[i] for i in search) for cells in chunk]


def index_texts(texts: list[str]) -> list[str]:
    """Token text per row."""
    return list(map(index_text, texts))


def index_lines(texts: list[str]) -> str:
    """Token text per row as lines of one string (runs in the worker process).

    One string crosses the pipe as a single copy, where a list would be pickled and unpickled
    string by string in the loader, taking back much of what the worker saved it. Token text
    never holds a line break (tokens are letters, digits and CJK; spaces between them).
    """
    return "\n".join(map(index_text, texts))


def with_tokens(
    rows: Iterable[list[str]],
    search: Sequence[int],
    size: int,
    executor: Executor | None = None,
) -> Iterator[tuple[Chunk, list[str]]]:
    """``(chunk, token text per row)``; the token list is empty when nothing is searchable.

    Tokens come from the cells as read, before any caller changes them.
    """
    if not search:
        for chunk in chunked(rows, size):
            yield chunk, []
        return
    if executor is None:
        for chunk in chunked(rows, size):
            yield chunk, index_texts(search_texts(chunk, search))
        return
    pending: deque[tuple[Chunk, Future[str]]] = deque()
    for chunk in chunked(rows, size):
        pending.append((chunk, executor.submit(index_lines, search_texts(chunk, search))))
        if len(pending) > AHEAD:
            done, future = pending.popleft()
            yield done, future.result().split("\n")
    while pending:
        done, future = pending.popleft()
        yield done, future.result().split("\n")
