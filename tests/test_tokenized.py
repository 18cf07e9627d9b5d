"""Tokens made in a worker process are the tokens made inline, in order, chunk by chunk."""

from __future__ import annotations

import multiprocessing

from opendata.store.fts import index_text
from opendata.store.tokenized import with_tokens

ROWS = [[f"{i:05d}", f"关于第{i}号档案室Archive的通知", "财政"] for i in range(2_345)]


def test_worker_tokens_match_inline_tokens_in_order() -> None:
    inline = [(list(map(list, c)), t) for c, t in with_tokens(ROWS, [1, 2], 500)]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pooled = list(with_tokens(iter(ROWS), [1, 2], 500, pool))
    assert pooled == inline
    assert [len(c) for c, _ in pooled] == [500, 500, 500, 500, 345]
    flat = [t for _, tokens in pooled for t in tokens]
    assert flat == [index_text(r[1], r[2]) for r in ROWS]


def test_nothing_searchable_gives_no_tokens() -> None:
    assert all(tokens == [] for _, tokens in with_tokens(ROWS, [], 1000))
