"""KeyMemory answers exactly what a dict of key -> latest row answers (frictionless's memory)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from opendata.validation.keymemory import KeyMemory


def dict_model(chunks: list[list[Any]]) -> list[list[tuple[int, int, Any]]]:
    memory: dict[Any, int] = {}
    row = 2
    answers = []
    for chunk in chunks:
        hits = []
        for key in chunk:
            earlier = memory.get(key)
            memory[key] = row
            if earlier is not None:
                hits.append((row, earlier, key))
            row += 1
        answers.append(hits)
    return answers


def run(memory: KeyMemory, chunks: list[list[Any]]) -> list[list[tuple[int, int, Any]]]:
    row = 2
    answers = []
    for chunk in chunks:
        rows = list(range(row, row + len(chunk)))
        answers.append(memory.add(chunk, rows))
        row += len(chunk)
    return answers


# Few distinct keys, so that repeats within and across chunks are common.
TEXT_KEYS = st.lists(st.lists(st.sampled_from(["a", "b", "档案", "", "1", "01"]), max_size=9))
INT_KEYS = st.lists(st.lists(st.integers(-3, 3), max_size=9))


@given(TEXT_KEYS)
def test_hashed_text_keys_answer_like_a_dict(chunks: list[list[str]]) -> None:
    assert run(KeyMemory(hashed=True), chunks) == dict_model(chunks)


@given(INT_KEYS)
def test_hashed_integer_keys_answer_like_a_dict(chunks: list[list[int]]) -> None:
    # -1 and -2 share Python's hash(); as text they do not.
    assert run(KeyMemory(hashed=True), chunks) == dict_model(chunks)


@given(st.lists(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["x", "y"])), max_size=9)))
def test_exact_keys_answer_like_a_dict(chunks: list[list[tuple[int, str]]]) -> None:
    assert run(KeyMemory(hashed=False), chunks) == dict_model(chunks)


@settings(max_examples=20, deadline=None)  # size 1 makes 3,000 chunks: slow on a busy machine
@given(st.integers(1, 64), st.randoms(use_true_random=False))
def test_many_distinct_keys_across_merged_runs(size: int, rnd: Any) -> None:
    # Enough chunks that runs are merged many times; then every key comes back once.
    keys = [f"014416330/2021-{i:07d}" for i in range(3000)]
    rnd.shuffle(keys)
    chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
    again = keys[::7]
    memory = KeyMemory(hashed=True)
    assert all(hits == [] for hits in run(memory, chunks))
    assert len(memory) == len(keys)
    first_row = {k: i + 2 for i, k in enumerate(keys)}
    hits = memory.add(again, list(range(10_000, 10_000 + len(again))))
    assert [(earlier, key) for _, earlier, key in hits] == [(first_row[k], k) for k in again]


def test_twenty_bytes_a_key() -> None:
    memory = KeyMemory(hashed=True)
    keys = [f"k{i}" for i in range(50_000)]
    for start in range(0, len(keys), 2048):
        chunk = keys[start : start + 2048]
        assert memory.add(chunk, list(range(start + 2, start + 2 + len(chunk)))) == []
    held = sum(run.h1.nbytes + run.h2.nbytes + run.rows.nbytes for run in memory._runs)
    assert held == 20 * len(keys)


# Integer keys as a counter gives them, with gaps, repeats and keys from far below.
COUNTER_CHUNKS = st.lists(
    st.one_of(
        st.builds(lambda a, n: list(range(a, a + n)), st.integers(0, 40), st.integers(1, 9)),
        st.lists(st.integers(-2, 50), max_size=6),
    ),
    max_size=12,
)


@given(COUNTER_CHUNKS)
def test_counter_integer_keys_answer_like_a_dict(chunks: list[list[int]]) -> None:
    assert run(KeyMemory(hashed=True), chunks) == dict_model(chunks)


@given(COUNTER_CHUNKS)
def test_counter_keys_with_rows_not_consecutive(chunks: list[list[int]]) -> None:
    # Rows with gaps (empty keys left out) never make an interval, and still answer alike.
    memory, model, row, answers, expected = KeyMemory(hashed=True), {}, 2, [], []
    for chunk in chunks:
        rows = list(range(row, row + 2 * len(chunk), 2))
        answers.append(memory.add(chunk, rows))
        hits = []
        for key, r in zip(chunk, rows, strict=True):
            if key in model:
                hits.append((r, model[key], key))
            model[key] = r
        expected.append(hits)
        row += 2 * len(chunk)
    assert answers == expected


def test_a_counter_costs_a_few_bytes_however_many_rows() -> None:
    memory = KeyMemory(hashed=True)
    for start in range(1, 1_000_001, 2000):
        assert memory.add(list(range(start, start + 2000)), range(start + 1, start + 2001)) == []
    assert len(memory) == 1_000_000
    assert memory._runs == [] and len(memory._spans.starts) == 1
    assert memory.add([500_000, 3], range(1_000_002, 1_000_004)) == [
        (1_000_002, 500_001, 500_000),
        (1_000_003, 4, 3),
    ]
