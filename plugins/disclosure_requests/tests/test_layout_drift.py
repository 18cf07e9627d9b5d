"""Layout drift in the register export never passes silently.

A renamed heading fails the run naming the file, line 1 and the column, unless the deployment
declares it in ``ignored_columns``: then it is skipped with a warning and the published counts
are exactly those of the unchanged register. A note line above the header fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opendata_disclosure_requests import DisclosureRequests
from opendata_disclosure_requests.samplegen import write_origin

from opendata.plugin import SourceError
from opendata.testing import SourceRun, run_source

RESOURCES = ("monthly", "annual_table3", "annual_summary")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    root = tmp_path_factory.mktemp("drift-sample")
    run = run_source(DisclosureRequests, root / "out", write_origin(root / "origin"))
    assert run.ok, run.error
    return run


def _edit_header(tmp_path: Path, edit: str, replacement: str) -> dict[str, object]:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["register_path"]))
    text = path.read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    assert edit in header
    path.write_text(header.replace(edit, replacement, 1) + "\n" + rest, encoding="utf-8-sig")
    return config


def _error(run: SourceRun) -> str:
    assert run.status == "error", run.warnings
    assert isinstance(run.exception, SourceError), run.error
    return str(run.exception)


def test_a_renamed_counted_column_fails_naming_the_stranger(tmp_path: Path) -> None:
    config = _edit_header(tmp_path, "收到日期", "受理日期")
    message = _error(run_source(DisclosureRequests, tmp_path / "out", config))
    assert "header lacks column(s) 收到日期" in message
    assert "not known: column 2 '受理日期'" in message


def test_a_renamed_unread_column_fails_naming_line_and_column(tmp_path: Path) -> None:
    config = _edit_header(tmp_path, "备注", "备注说明")
    message = _error(run_source(DisclosureRequests, tmp_path / "out", config))
    assert "register.csv, line 1, column 16: heading '备注说明' is not a column" in message
    assert "ignored_columns" in message


def test_a_declared_heading_is_skipped_with_a_warning(
    sample_run: SourceRun, tmp_path: Path
) -> None:
    config = _edit_header(tmp_path, "备注", "备注说明")
    config["ignored_columns"] = ["备注说明"]
    run = run_source(DisclosureRequests, tmp_path / "out", config)
    assert run.ok, run.error
    assert [w for w in run.warnings if "ignored_columns" in w] == [
        "register register.csv, line 1, column 16: '备注说明' not read "
        "(declared in ignored_columns)"
    ]
    for resource in RESOURCES:
        assert run.rows(resource) == sample_run.rows(resource), resource


def test_a_note_line_above_the_header_fails(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["register_path"]))
    text = path.read_text(encoding="utf-8-sig")
    path.write_text("注：本台账自政务服务系统导出\n" + text, encoding="utf-8-sig")
    message = _error(run_source(DisclosureRequests, tmp_path / "out", config))
    assert "header lacks column(s) 申请编号" in message
    assert "not known: column 1 '注：本台账自政务服务系统导出'" in message
