"""Layout drift in the catalogue export and the responses ledger never passes silently.

A renamed heading fails the run naming the file and its column (CSV) or cell (XLSX), unless the
deployment declares it in ``ignored_columns``: then the column is not read, a warning names it,
and everything published is what the unchanged origin publishes (the columns tried here are
private ones, dropped before build anyway). A line above the ledger's heading row that is not its
title fails naming its cell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opendata_disclosure_catalog import DisclosureCatalog
from opendata_disclosure_catalog.samplegen import write_origin
from openpyxl import load_workbook

from opendata.plugin import SourceError
from opendata.testing import SourceRun, run_source

RESOURCES = ("entries", "publications", "responses")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    root = tmp_path_factory.mktemp("drift-sample")
    run = run_source(DisclosureCatalog, root / "out", write_origin(root / "origin"))
    assert run.ok, run.error
    return run


@pytest.fixture
def origin(tmp_path: Path) -> dict[str, object]:
    return write_origin(tmp_path / "origin")


def _rename_csv_heading(origin: dict[str, object], old: str, new: str) -> None:
    path = Path(str(origin["catalog_csv"]))
    lines = path.read_bytes().decode("gb18030").splitlines(keepends=True)
    headings = lines[0].rstrip("\r\n").split(",")
    assert old in headings
    lines[0] = lines[0].replace(old, new, 1)
    path.write_bytes("".join(lines).encode("gb18030"))


def _ledger_cell(origin: dict[str, object], text: str) -> str:
    ws = load_workbook(Path(str(origin["responses_xlsx"]))).worksheets[0]
    return next(c.coordinate for row in ws.iter_rows() for c in row if c.value == text)


def _set_ledger(origin: dict[str, object], cell: str, value: str, *, insert_at: int = 0) -> None:
    """Set one cell of the ledger, after inserting an empty row at ``insert_at`` (1-based)."""
    path = Path(str(origin["responses_xlsx"]))
    book = load_workbook(path)
    ws = book.worksheets[0]
    if insert_at:
        ws.insert_rows(insert_at)
        # insert_rows leaves merged ranges where they were; move those below the new row.
        for rng in list(ws.merged_cells.ranges):
            if rng.min_row >= insert_at:
                ws.merged_cells.remove(rng)
                rng.shift(0, 1)
                ws.merged_cells.add(rng)
    ws[cell] = value
    book.save(path)


def _error(run: SourceRun) -> str:
    assert run.status == "error", run.warnings
    assert isinstance(run.exception, SourceError), run.error
    return str(run.exception)


def test_a_renamed_csv_heading_fails_naming_its_column(
    origin: dict[str, object], tmp_path: Path
) -> None:
    _rename_csv_heading(origin, "联系电话", "拟稿人电话")
    message = _error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "catalog.csv: line 1, column 14: heading '拟稿人电话' is not a column" in message
    assert "ignored_columns" in message


def test_a_renamed_required_csv_heading_names_the_stranger_too(
    origin: dict[str, object], tmp_path: Path
) -> None:
    _rename_csv_heading(origin, "信息名称", "标题")
    message = _error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "catalog.csv: line 1: missing column(s) 信息名称" in message
    assert "not known: column 2 '标题'" in message


def test_a_declared_csv_heading_is_skipped_with_a_warning(
    sample_run: SourceRun, origin: dict[str, object], tmp_path: Path
) -> None:
    _rename_csv_heading(origin, "联系电话", "拟稿人电话")
    config = dict(origin, ignored_columns=["拟稿人电话"])
    run = run_source(DisclosureCatalog, tmp_path / "out", config)
    assert run.ok, run.error
    assert run.warnings == [
        "catalog.csv: line 1, column 14: '拟稿人电话' not read (declared in ignored_columns)"
    ]
    for resource in RESOURCES:
        assert run.rows(resource) == sample_run.rows(resource), resource


def test_a_renamed_ledger_heading_fails_or_is_declared(
    sample_run: SourceRun, origin: dict[str, object], tmp_path: Path
) -> None:
    cell = _ledger_cell(origin, "联系电话")
    _set_ledger(origin, cell, "经办人电话")
    message = _error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert f"sheet '回应解读台账', cell {cell}: heading '经办人电话' is not a column" in message
    run = run_source(
        DisclosureCatalog, tmp_path / "out2", dict(origin, ignored_columns=["经办人电话"])
    )
    assert run.ok, run.error
    assert run.warnings == [
        f"responses.xlsx: sheet '回应解读台账', cell {cell}: '经办人电话' not read "
        "(declared in ignored_columns)"
    ]
    for resource in RESOURCES:
        assert run.rows(resource) == sample_run.rows(resource), resource


def test_a_note_above_the_ledger_title_fails_naming_its_cell(
    origin: dict[str, object], tmp_path: Path
) -> None:
    note = "注：本台账按季度更新"
    _set_ledger(origin, "A1", note, insert_at=1)
    message = _error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert f"sheet '回应解读台账', cell A1: '{note}' stands above the heading row" in message


def test_a_note_between_title_and_headings_fails_naming_its_cell(
    origin: dict[str, object], tmp_path: Path
) -> None:
    _set_ledger(origin, "B2", "单位：条", insert_at=2)
    message = _error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "sheet '回应解读台账', cell B2: '单位：条' stands above the heading row" in message


def test_a_blank_line_above_the_title_changes_nothing(
    sample_run: SourceRun, origin: dict[str, object], tmp_path: Path
) -> None:
    _set_ledger(origin, "A1", "", insert_at=1)
    run = run_source(DisclosureCatalog, tmp_path / "out", origin)
    assert run.ok, run.error
    assert run.rows("responses") == sample_run.rows("responses")
