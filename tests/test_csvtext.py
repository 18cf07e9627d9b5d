"""The fast CSV paths write and read exactly what the csv module does."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendata import csvtext

# Cells drawn to hit every special case: separators, quotes, CR/LF, blanks, Chinese.
CELL = st.text(alphabet=st.sampled_from(list('ab 档案,"\r\n\t，')), max_size=6)


def reference_dumps(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@given(st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(CELL, min_size=w, max_size=w))))
def test_dumps_is_byte_for_byte_csv_writer(rows: list[list[str]]) -> None:
    width = len(rows[0]) if rows else 1
    text = csvtext.dumps(rows, width)
    assert text == reference_dumps(rows)
    assert csvtext.loads(text) == list(csv.reader(io.StringIO(text, newline="")))


def test_plain_batches_take_the_join_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["014416330/2021-0000001", "关于档案工作的通知", "", "28"]] * 3
    expected = reference_dumps(rows)

    def no_csv_module(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plain batch went through the csv module")

    monkeypatch.setattr(csvtext.csv, "writer", no_csv_module)
    monkeypatch.setattr(csvtext.csv, "reader", no_csv_module)
    assert csvtext.dumps(rows, 4) == expected
    assert csvtext.loads(expected) == rows


def test_a_cell_with_a_comma_or_quote_is_quoted() -> None:
    rows = [["a", "b,c"], ["d", 'say "hi"'], ["", ""]]
    assert csvtext.dumps(rows, 2) == 'a,"b,c"\nd,"say ""hi"""\n,\n'
    assert csvtext.loads(csvtext.dumps(rows, 2)) == rows


def test_one_column_of_empty_cells_survives_the_round_trip() -> None:
    rows = [[""], ["x"], [""]]
    text = csvtext.dumps(rows, 1)
    assert text == reference_dumps(rows)
    assert csvtext.loads(text) == rows
