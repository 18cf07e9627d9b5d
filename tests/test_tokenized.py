"""Tokens made in a worker process are the tokens made inline, in order, chunk by chunk; a worker
that dies stops the load with an error instead of leaving it waiting."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from opendata.store import loader_child
from opendata.store.fts import index_text
from opendata.store.rowload import LoadSpec
from opendata.store.tokenized import with_tokens

ROWS = [[f"{i:05d}", f"关于第{i}号档案室Archive的通知", "财政"] for i in range(2_345)]


def worker() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))


def test_worker_tokens_match_inline_tokens_in_order() -> None:
    inline = [(list(map(list, c)), t) for c, t in with_tokens(ROWS, [1, 2], 500)]
    with worker() as executor:
        pooled = list(with_tokens(iter(ROWS), [1, 2], 500, executor))
    assert pooled == inline
    assert [len(c) for c, _ in pooled] == [500, 500, 500, 500, 345]
    flat = [t for _, tokens in pooled for t in tokens]
    assert flat == [index_text(r[1], r[2]) for r in ROWS]


def test_nothing_searchable_gives_no_tokens() -> None:
    assert all(tokens == [] for _, tokens in with_tokens(ROWS, [], 1000))


@pytest.mark.timeout(60)
def test_a_worker_that_dies_raises_instead_of_hanging() -> None:
    with worker() as executor:
        chunks = with_tokens(iter(ROWS), [1], 100, executor)
        next(chunks)  # the worker is up and has answered
        for pid in list(executor._processes):  # the OOM killer, say
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            list(chunks)


def test_the_loader_starts_its_worker_before_it_connects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database connection must not cross a fork: the worker process exists first."""
    events: list[tuple[str, int]] = []
    start_worker = loader_child.token_worker

    def token_worker() -> ProcessPoolExecutor:
        executor = start_worker()
        events.append(("worker processes", len(executor._processes)))
        return executor

    def connect(job: dict[str, Any]) -> None:
        events.append(("connect", 0))
        raise RuntimeError("enough: the order is known")

    monkeypatch.setattr(loader_child, "token_worker", token_worker)
    monkeypatch.setattr(loader_child, "connect", connect)
    spec = LoadSpec(table="t", fields=["title"], types=["string"], search=[0])
    job = {"dialect": "sqlite", "database": ":memory:", "path": "x.csv", "spec": spec.to_dict()}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(job) + "\n"))
    with pytest.raises(RuntimeError, match="enough"):
        loader_child.main()
    assert events == [("worker processes", 1), ("connect", 0)]
