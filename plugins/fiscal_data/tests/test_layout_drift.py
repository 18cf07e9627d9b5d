"""Layout drift in the finance workbooks never changes published keys silently.

Each test edits one cell of a freshly generated origin the way an office's next workbook might
differ, and checks one of the two allowed outcomes: the run fails naming file, sheet and cell, or
(when the change is declared harmless) it publishes the very keys and values of the unchanged
origin with a warning naming the cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from opendata_fiscal_data import FiscalData
from opendata_fiscal_data.catalogue import HEADER_SYNONYMS
from opendata_fiscal_data.samplegen import write_origin

from opendata.plugin import SourceError
from opendata.testing import SourceRun, run_source

KEYS = {
    "final_accounts": ("year", "report", "table_code", "line_no", "column_name"),
    "budgets": ("year", "report", "table_code", "line_no", "column_name"),
    "fees": ("year", "item_no", "sub_item_no"),
}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    root = tmp_path_factory.mktemp("drift-sample")
    run = run_source(FiscalData, root / "out", write_origin(root / "origin"))
    assert run.ok, run.error
    assert run.warnings == []  # the generated origin is the declared layout
    return run


def _edit(tmp_path: Path, key: str, sheet: str | None, cell: str, value: str) -> dict[str, Any]:
    """A generated origin with one cell of one workbook set to ``value``."""
    config = write_origin(tmp_path / "origin")
    path = Path(str(config[key]))
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.active
    assert ws is not None
    ws[cell] = value
    book.save(path)
    return config


def _same_as_sample(run: SourceRun, sample: SourceRun) -> None:
    """Every published row, keys and values, equals the unchanged origin's."""
    for resource in ("final_accounts", "budgets", "three_public", "fees"):
        assert run.rows(resource) == sample.rows(resource), resource


def _failure(run: SourceRun) -> str:
    assert run.status == "error", run.warnings
    assert isinstance(run.exception, SourceError), run.error
    return str(run.exception)


def test_the_issue_rewording_is_a_declared_synonym(sample_run: SourceRun, tmp_path: Path) -> None:
    # 支出决算表's E4 reads 本年支出合计 in the template; the office wrote 本年支出总计.
    assert HEADER_SYNONYMS["本年支出总计"] == "本年支出合计"
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "E4", "本年支出总计")
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert run.warnings == [
        "决算2018.xlsx, sheet 支出决算表, cell E4: header '本年支出总计' read as '本年支出合计' "
        "(a declared synonym; published keys unchanged)"
    ]
    _same_as_sample(run, sample_run)
    code = next(r["table_code"] for r in run.rows("table_notes") if r["table_name"] == "支出决算表")
    keyed = [
        r
        for r in run.rows("final_accounts")
        if r["table_code"] == code and r["column_name"] == "本年支出合计"
    ]
    assert len(keyed) == 24  # the rows whose key the rewording would have renamed


def test_an_undeclared_rewording_fails_naming_the_cell(tmp_path: Path) -> None:
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "E4", "本年支出数")
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith(
        "决算2018.xlsx, sheet 支出决算表, cell E4: header '本年支出数' is not a column of 支出决算表"
    )
    assert "header_synonyms" in message


def test_a_deployment_declares_its_own_synonym(sample_run: SourceRun, tmp_path: Path) -> None:
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "E4", "本年支出数")
    config["header_synonyms"] = {"本年支出数": "本年支出合计"}
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert len(run.warnings) == 1 and "cell E4: header '本年支出数' read as" in run.warnings[0]
    _same_as_sample(run, sample_run)


def test_a_reworded_spanning_header_names_its_merged_cell(tmp_path: Path) -> None:
    # 一般公共预算财政拨款支出决算表: 本年支出 spans 合计/基本支出/项目支出 from E4.
    sheet = "一般公共预算财政拨款支出决算表"
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    target = next(c for row in ws.iter_rows() for c in row if c.value == "本年支出")
    target.value = "当年支出"
    book.save(path)
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith(f"决算2018.xlsx, sheet {sheet}, cell {target.coordinate}: header ")
    assert "当年支出/合计" in message


def test_a_header_cell_left_blank_fails_instead_of_dropping_its_amounts(tmp_path: Path) -> None:
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "H4", "")
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith("决算2018.xlsx, sheet 支出决算表, cell A4: the header of 支出决算表")
    assert "lacks column(s) 上缴上级支出" in message


def test_a_note_above_the_title_fails_naming_its_cell(tmp_path: Path) -> None:
    note = "注：本表数据为快报数，以正式决算为准"
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "A1", note)
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith(
        f"决算2018.xlsx, sheet 支出决算表, cell A1: '{note}' stands above the title 支出决算表"
    )


def test_an_attachment_label_above_the_title_is_skipped_with_a_warning(
    sample_run: SourceRun, tmp_path: Path
) -> None:
    config = _edit(tmp_path, "final_accounts_xlsx", "支出决算表", "A1", "附件3")
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert run.warnings == [
        "决算2018.xlsx, sheet 支出决算表, cell A1: '附件3' above the title 支出决算表 skipped "
        "(declared harmless)"
    ]
    _same_as_sample(run, sample_run)


def test_a_note_above_the_fee_list_title_fails(tmp_path: Path) -> None:
    # The fee list's title is in row 1; a note squeezed above it would shift nothing the
    # reader checks, but its text would vanish.
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["fees_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    ws.insert_rows(1)
    # insert_rows does not move merged ranges: re-create the title's merge one row lower.
    for rng in list(ws.merged_cells.ranges):
        ws.merged_cells.remove(rng)
        rng.shift(0, 1)
        ws.merged_cells.add(rng)
    ws["A1"] = "说明：本清单自2018年7月1日起执行"
    book.save(path)
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith("收费目录清单2018.xlsx, sheet 收费目录清单, cell A1: ")
    assert "stands above the title 收费目录清单" in message


def test_a_renamed_fee_column_fails_or_is_read_through_a_declared_synonym(
    sample_run: SourceRun, tmp_path: Path
) -> None:
    config = _edit(tmp_path, "fees_xlsx", None, "F4", "依据文件")
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith(
        "收费目录清单2018.xlsx, sheet 收费目录清单, cell F4: header '依据文件' is not a column"
    )
    config["header_synonyms"] = {"依据文件": "政策依据"}
    run = run_source(FiscalData, tmp_path / "out2", config)
    assert run.ok, run.error
    assert run.warnings == [
        "收费目录清单2018.xlsx, sheet 收费目录清单, cell F4: header '依据文件' read as '政策依据' "
        "(a declared synonym)"
    ]
    _same_as_sample(run, sample_run)


@pytest.mark.parametrize(
    ("key", "sheet", "cell", "value"),
    [
        ("final_accounts_xlsx", "支出决算表", "E4", "本年支出总计"),
        ("final_accounts_xlsx", "支出决算表", "E4", "本年支出数"),
        ("final_accounts_xlsx", "支出决算表", "I4", "经营性支出"),
        ("final_accounts_xlsx", "支出决算表", "A1", "注：快报数"),
        ("final_accounts_xlsx", "支出决算表", "A1", "附件3"),
        ("budget_xlsx", "部门支出总表", "E4", "总计"),
        ("fees_xlsx", None, "C4", "子项目"),
        ("fees_xlsx", None, "C4", "子项"),  # a label the fee list knows already
    ],
)
def test_keys_never_change_without_a_failure_or_a_warning(
    sample_run: SourceRun,
    tmp_path: Path,
    key: str,
    sheet: str | None,
    cell: str,
    value: str,
) -> None:
    run = run_source(FiscalData, tmp_path / "out", _edit(tmp_path, key, sheet, cell, value))
    if run.status == "error":
        assert isinstance(run.exception, SourceError)
        assert f"cell {cell}" in str(run.exception)
        return
    assert run.ok, run.error
    for resource, fields in KEYS.items():
        keys = [tuple(r[f] for f in fields) for r in run.rows(resource)]
        expected = [tuple(r[f] for f in fields) for r in sample_run.rows(resource)]
        if keys != expected:
            assert run.warnings, (resource, "keys changed without a warning")


def test_a_public_table_known_only_from_the_index_is_published_with_a_warning(
    sample_run: SourceRun, tmp_path: Path
) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    extra = book.copy_worksheet(book["支出决算表"])
    extra.title = "部门人员支出表"
    extra["A2"] = "部门人员支出表"
    extra["J1"] = "公开10表"
    book["目录"].append(["公开10表", "部门人员支出表", "主动公开", None])
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert run.warnings == [
        "决算2018.xlsx, sheet 部门人员支出表, cell A2: 部门人员支出表 is listed in the 目录 but "
        "not a known table; its column names (part of the published keys) are not checked "
        "against a declaration"
    ]
    added = [r for r in run.rows("final_accounts") if r["table_code"] == "公开10表"]
    assert added and {r["column_name"] for r in added} >= {"本年支出合计"}
    rest = [r for r in run.rows("final_accounts") if r["table_code"] != "公开10表"]
    assert rest == sample_run.rows("final_accounts")


def test_a_reworded_index_heading_fails_instead_of_publishing_by_default(tmp_path: Path) -> None:
    # The 目录 marks tables 不予公开; read as no index at all, every table would be public.
    config = write_origin(tmp_path / "origin", plant=True)
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    index = book["目录"]
    cell = next(c for row in index.iter_rows() for c in row if c.value == "公开属性")
    cell.value = "公开方式"
    book.save(path)
    message = _failure(run_source(FiscalData, tmp_path / "out", config))
    assert message.startswith(
        "决算2018.xlsx, sheet 目录, cell A2: the 目录 sheet needs the headings 表号/表名/公开属性"
    )
    assert "公开方式" in message
