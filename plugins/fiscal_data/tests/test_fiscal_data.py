"""The fiscal_data source, run offline through the core's own stages on generated workbooks.

Every figure checked here is computed from the published rows (or read back from the origin
workbooks with openpyxl); the plugin never gets to echo the expected value.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from importlib import resources as importlib_resources
from pathlib import Path

import openpyxl
import pytest
from opendata_fiscal_data import SAMPLE_FILES, FiscalData
from opendata_fiscal_data.fees_sample import FEES
from opendata_fiscal_data.samplegen import write_origin

from opendata.plugin import SourceError
from opendata.testing import SourceRun, assert_contract, assert_not_published, run_source

MARKERS = ("11010519491231002X", "13912345678", "王秘密", "绝密测试记录")
#: The nine final-account tables as the issue (and the national template) names them.
NINE = [
    "收入支出决算总表",
    "收入决算表",
    "支出决算表",
    "财政拨款收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "一般公共预算财政拨款基本支出决算表",
    '一般公共预算财政拨款"三公"经费支出决算表',
    "政府性基金预算财政拨款收入支出决算表",
    "国有资本经营预算财政拨款支出决算表",
]
EMPTY_NOTE = "本单位2018年度无国有资本经营预算财政拨款支出，故本表为空表"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(FiscalData, tmp_path_factory.mktemp("sample"))
    assert run.ok, run.error
    return run


def money(text: str) -> Decimal:
    """A published amount; an empty cell counts as zero when summing."""
    return Decimal(text) if text else Decimal(0)


def codes_of(run: SourceRun, report: str) -> dict[str, str]:
    """Table name → table code for one report (决算/预算)."""
    return {
        r["table_name"]: r["table_code"] for r in run.rows("table_notes") if r["report"] == report
    }


def table(run: SourceRun, resource: str, code: str) -> list[dict[str, str]]:
    return [r for r in run.rows(resource) if r["table_code"] == code]


def cell(rows: list[dict[str, str]], name: str, column: str, section: str = "") -> Decimal:
    """The amount of the row named ``name`` in ``column`` (exactly one such cell)."""
    hits = [
        r
        for r in rows
        if r["item_name"] == name and r["column_name"] == column and r["section"] == section
    ]
    assert len(hits) == 1, (name, column, hits)
    return money(hits[0]["amount"])


def test_contract() -> None:
    assert_contract(FiscalData)


def test_all_nine_final_account_tables_are_published(sample_run: SourceRun) -> None:
    notes = [r for r in sample_run.rows("table_notes") if r["report"] == "决算"]
    assert sorted(r["table_name"] for r in notes) == sorted(NINE)
    assert len({r["table_code"] for r in notes}) == 9
    published = {r["table_code"] for r in sample_run.rows("final_accounts")}
    empty = {r["table_code"] for r in notes if r["is_empty"] == "true"}
    assert published | empty == {r["table_code"] for r in notes}
    assert {r["unit"] for r in sample_run.rows("table_notes")} == {"万元"}


def test_empty_table_is_published_with_its_note(sample_run: SourceRun) -> None:
    notes = {r["table_name"]: r for r in sample_run.rows("table_notes") if r["report"] == "决算"}
    empty = notes["国有资本经营预算财政拨款支出决算表"]
    assert empty["is_empty"] == "true"
    assert empty["data_rows"] == "0"
    assert empty["note"] == EMPTY_NOTE
    assert not table(sample_run, "final_accounts", empty["table_code"])
    others = [r for name, r in notes.items() if name != "国有资本经营预算财政拨款支出决算表"]
    assert all(r["is_empty"] == "false" and int(r["data_rows"]) > 0 for r in others)


def test_amounts_are_wan_yuan_with_two_decimals(sample_run: SourceRun) -> None:
    for resource in ("final_accounts", "budgets", "three_public"):
        amounts = [r["amount"] for r in sample_run.rows(resource) if r["amount"]]
        assert amounts, resource
        assert all(re.fullmatch(r"-?\d+\.\d{2}", a) for a in amounts), resource
    package = json.loads((sample_run.package_dir / "datapackage.json").read_text("utf-8"))
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert re.search(r"[\u4e00-\u9fff]", field["title"]), field["name"]
            assert re.search(r"[\u4e00-\u9fff]", field["description"]), field["name"]
            if field["name"] == "amount":
                assert "万元" in field["title"]


def _classified_columns(run: SourceRun, resource: str) -> list[list[dict[str, str]]]:
    """The rows of each column of each table that has 科目编码, one list per column."""
    by_table: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in run.rows(resource):
        by_table[r["table_code"]].append(r)
    columns = []
    for rows in by_table.values():
        if any(r["item_code"] for r in rows):
            for column in sorted({r["column_name"] for r in rows}):
                columns.append([r for r in rows if r["column_name"] == column])
    return columns


def _check_hierarchy(col: list[dict[str, str]]) -> int:
    """Assert 类 = Σ 款, 款 = Σ 项 and 合计 = Σ 类 in one column; the number of sums checked."""
    coded = {r["item_code"]: money(r["amount"]) for r in col if r["item_code"]}
    checked = 0
    for code, amount in coded.items():
        children = [v for c, v in coded.items() if c.startswith(code) and len(c) == len(code) + 2]
        if children:
            assert amount == sum(children), (col[0]["column_name"], code)
            checked += 1
    total = [money(r["amount"]) for r in col if r["item_name"] == "合计"]
    assert total == [sum(v for c, v in coded.items() if len(c) == 3)], col[0]["column_name"]
    return checked


@pytest.mark.parametrize("report", ["决算", "预算"])
def test_function_and_economic_hierarchies_add_up(sample_run: SourceRun, report: str) -> None:
    """类 = Σ 款, 款 = Σ 项 and 合计 = Σ 类 in every column of every classified table."""
    resource = "final_accounts" if report == "决算" else "budgets"
    checked = sum(_check_hierarchy(col) for col in _classified_columns(sample_run, resource))
    assert checked > 50


NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")


def _numbered_sum(rows: list[dict[str, str]], section: str) -> Decimal:
    """The sum of a side's numbered lines (一、… 二、…), the parts of its 本年 total."""
    return sum(
        (
            money(r["amount"])
            for r in rows
            if r["section"] == section and NUMBERED.match(r["item_name"])
        ),
        Decimal(0),
    )


def test_final_account_summary_balances(sample_run: SourceRun) -> None:
    t01 = table(sample_run, "final_accounts", codes_of(sample_run, "决算")["收入支出决算总表"])
    year_income = cell(t01, "本年收入合计", "收入/决算数", "收入")
    year_spend = cell(t01, "本年支出合计", "支出/决算数", "支出")
    assert year_income == _numbered_sum(t01, "收入")
    assert year_spend == _numbered_sum(t01, "支出")
    # 收入总计 = 本年收入 + 年初结转和结余 = 本年支出 + 年末结转和结余 = 支出总计
    carried_in = cell(t01, "年初结转和结余", "收入/决算数", "收入")
    carried_out = cell(t01, "年末结转和结余", "支出/决算数", "支出")
    total_in = cell(t01, "总计", "收入/决算数", "收入")
    total_out = cell(t01, "总计", "支出/决算数", "支出")
    assert total_in == year_income + carried_in
    assert total_out == year_spend + carried_out
    assert total_in == total_out


def test_final_account_detail_tables_agree_with_the_summary(sample_run: SourceRun) -> None:
    codes = codes_of(sample_run, "决算")
    t01 = table(sample_run, "final_accounts", codes["收入支出决算总表"])
    t02 = table(sample_run, "final_accounts", codes["收入决算表"])
    t03 = table(sample_run, "final_accounts", codes["支出决算表"])
    assert cell(t02, "合计", "本年收入合计") == cell(t01, "本年收入合计", "收入/决算数", "收入")
    assert cell(t03, "合计", "本年支出合计") == cell(t01, "本年支出合计", "支出/决算数", "支出")
    for r in {r["line_no"] for r in t03}:
        line = {x["column_name"]: money(x["amount"]) for x in t03 if x["line_no"] == r}
        parts = sum(v for k, v in line.items() if k != "本年支出合计")
        assert line["本年支出合计"] == parts


def test_fiscal_appropriation_tables_balance(sample_run: SourceRun) -> None:
    """财政拨款: its 总计 balances, and 一般公共预算 spending equals table 05's total."""
    codes = codes_of(sample_run, "决算")
    t04 = table(sample_run, "final_accounts", codes["财政拨款收入支出决算总表"])
    assert cell(t04, "总计", "收入/决算数", "收入") == cell(t04, "总计", "支出/合计", "支出")
    t05 = table(sample_run, "final_accounts", codes["一般公共预算财政拨款支出决算表"])
    gp_spent = cell(t05, "合计", "本年支出/合计")
    assert cell(t04, "本年支出合计", "支出/一般公共预算财政拨款", "支出") == gp_spent
    assert gp_spent == cell(t05, "合计", "本年支出/基本支出") + cell(
        t05, "合计", "本年支出/项目支出"
    )


def test_basic_expenditure_by_function_equals_by_economic_class(sample_run: SourceRun) -> None:
    codes = codes_of(sample_run, "决算")
    t05 = table(sample_run, "final_accounts", codes["一般公共预算财政拨款支出决算表"])
    t06 = table(sample_run, "final_accounts", codes["一般公共预算财政拨款基本支出决算表"])
    assert {r["code_system"] for r in t06 if r["item_code"]} == {"经济分类"}
    assert {r["item_level"] for r in t06 if r["item_code"]} == {"类", "款"}
    assert {r["item_level"] for r in t05 if r["item_code"]} == {"类", "款", "项"}
    total = cell(t06, "合计", "决算数/合计")
    assert total == cell(t05, "合计", "本年支出/基本支出")
    assert total == cell(t06, "合计", "决算数/人员经费") + cell(t06, "合计", "决算数/公用经费")


def test_government_fund_table_carries_over(sample_run: SourceRun) -> None:
    code = codes_of(sample_run, "决算")["政府性基金预算财政拨款收入支出决算表"]
    rows = table(sample_run, "final_accounts", code)
    for line_no in {r["line_no"] for r in rows}:
        line = {r["column_name"]: money(r["amount"]) for r in rows if r["line_no"] == line_no}
        assert line["年末结转和结余"] == (
            line["年初结转和结余"] + line["本年收入"] - line["本年支出/合计"]
        )


def test_three_public_total_is_the_sum_of_its_parts(sample_run: SourceRun) -> None:
    rows = sample_run.rows("three_public")
    assert {r["figure"] for r in rows} == {"预算", "决算"}
    for figure in ("预算", "决算"):
        part = {
            (r["category"], r["sub_category"]): money(r["amount"])
            for r in rows
            if r["figure"] == figure
        }
        car = (
            part[("公务用车购置及运行费", "公务用车购置费")]
            + part[("公务用车购置及运行费", "公务用车运行费")]
        )
        assert part[("公务用车购置及运行费", "小计")] == car
        expected = (
            part[("因公出国(境)费", "因公出国(境)费")] + car + part[("公务接待费", "公务接待费")]
        )
        assert part[("合计", "合计")] == expected
        assert part[("合计", "合计")] > 0


def _three_public_figures(run: SourceRun) -> dict[tuple[str, str], Decimal]:
    return {(r["figure"], r["sub_category"]): money(r["amount"]) for r in run.rows("three_public")}


def test_three_public_footnote_quotes_the_saving(sample_run: SourceRun) -> None:
    """The footnote under the table quotes the saving; it must match the figures."""
    actual = _three_public_figures(sample_run)
    code = sample_run.rows("three_public")[0]["table_code"]
    note = next(
        r["note"]
        for r in sample_run.rows("table_notes")
        if r["table_code"] == code and r["report"] == "决算"
    )
    quoted = Decimal(re.search(r"减少([\d.]+)万元", note).group(1))  # type: ignore[union-attr]
    assert quoted == actual[("预算", "合计")] - actual[("决算", "合计")]


def test_three_public_agrees_with_the_economic_classification(sample_run: SourceRun) -> None:
    """The 三公 lines of the economic classification hold the same 决算 figures."""
    actual = _three_public_figures(sample_run)
    codes = codes_of(sample_run, "决算")
    t06 = table(sample_run, "final_accounts", codes["一般公共预算财政拨款基本支出决算表"])
    econ = {r["item_code"]: money(r["amount"]) for r in t06 if r["column_name"] == "决算数/合计"}
    assert econ["30212"] == actual[("决算", "因公出国(境)费")]
    assert econ["30217"] == actual[("决算", "公务接待费")]
    assert econ["30231"] == actual[("决算", "公务用车运行费")]


def test_budget_is_balanced(sample_run: SourceRun) -> None:
    codes = codes_of(sample_run, "预算")
    b01 = table(sample_run, "budgets", codes["部门收支总表"])
    assert cell(b01, "收入总计", "收入/预算数", "收入") == cell(
        b01, "支出总计", "支出/预算数", "支出"
    )
    b03 = table(sample_run, "budgets", codes["部门支出总表"])
    assert cell(b03, "合计", "合计") == cell(b01, "本年支出合计", "支出/预算数", "支出")


def test_fee_list_is_published_without_working_columns(sample_run: SourceRun) -> None:
    rows = sample_run.rows("fees")
    assert not {"handler", "handler_phone", "internal_note"} & set(rows[0])
    assert set(sample_run.dropped_fields["fees"]) == {"handler", "handler_phone", "internal_note"}
    by_item: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_item[r["item_no"]].append(r)
    assert len(by_item) == len(FEES)
    for no, (item, subs, dept, fund, basis, _) in enumerate(FEES, start=1):
        published = by_item[str(no)]
        assert [r["item_name"] for r in published] == [item] * max(1, len(subs))
        assert [r["sub_item_name"] for r in published] == (subs or [""])
        assert {(r["department"], r["fund_management"], r["basis"]) for r in published} == {
            (dept, fund, basis)
        }
    assert {r["fund_management"] for r in rows} == {"国库", "财政专户"}


def test_shifted_tables_read_the_same(sample_run: SourceRun, tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin", shift=(4, 3))
    # The table really moved: its title sits 4 rows lower and 3 columns further right.
    moved = openpyxl.load_workbook(str(config["final_accounts_xlsx"]))["支出决算表"]
    shipped = importlib_resources.files("opendata_fiscal_data").joinpath("sample", "决算2018.xlsx")
    original = openpyxl.load_workbook(str(shipped))["支出决算表"]
    assert (_find(original, "支出决算表").coordinate, _find(moved, "支出决算表").coordinate) == (
        "A2",
        "D6",
    )
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    for resource in ("final_accounts", "budgets", "three_public"):
        assert run.rows(resource) == sample_run.rows(resource), resource
    strip = [{k: v for k, v in r.items() if k != "workbook"} for r in run.rows("table_notes")]
    assert strip == [
        {k: v for k, v in r.items() if k != "workbook"} for r in sample_run.rows("table_notes")
    ]


def _find(ws: openpyxl.worksheet.worksheet.Worksheet, text: str) -> openpyxl.cell.cell.Cell:
    """The first cell reading ``text`` (names are indented with full-width spaces)."""
    return next(c for row in ws.iter_rows() for c in row if str(c.value).strip("\u3000") == text)


def _run_broken(
    tmp_path: Path, sheet: str, change: str, shift: tuple[int, int] = (0, 0)
) -> tuple[SourceRun, str]:
    """Generate an origin, break ``sheet`` of its 决算 workbook, run it; return the cell broken."""
    config = write_origin(tmp_path / "origin", shift=shift)
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    if change == "header":
        target = _find(ws, "科目编码")
        target.value = "编号"
    elif change == "amount":
        target = _find(ws, "行政运行").offset(column=1)
        target.value = "约一百"
    else:
        target = next(c for row in ws.iter_rows() for c in row if str(c.value).startswith("单位："))
        target.value = None
    book.save(path)
    return run_source(FiscalData, tmp_path / "out", config), target.coordinate


def test_corrupted_header_names_file_sheet_and_cell(tmp_path: Path) -> None:
    run, where = _run_broken(tmp_path, "支出决算表", "header", shift=(2, 1))
    assert run.status == "error"
    assert isinstance(run.exception, SourceError)
    message = str(run.exception)
    assert where == "B6"
    place = f"决算2018.xlsx, sheet 支出决算表, cell {where}"
    assert message.startswith(f"{place}: expected a header row with 科目编码/科目名称")
    assert "编号" in message


def test_unreadable_amount_names_its_cell(tmp_path: Path) -> None:
    run, where = _run_broken(tmp_path, "收入决算表", "amount")
    assert isinstance(run.exception, SourceError)
    assert f"决算2018.xlsx, sheet 收入决算表, cell {where}: expected an amount" in str(
        run.exception
    )


def test_missing_unit_note_is_refused(tmp_path: Path) -> None:
    run, _ = _run_broken(tmp_path, "支出决算表", "unit")
    assert isinstance(run.exception, SourceError)
    assert "sheet 支出决算表" in str(run.exception) and "单位" in str(run.exception)


def test_missing_table_is_named(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    del book["国有资本经营预算财政拨款支出决算表"]
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert isinstance(run.exception, SourceError)
    assert "决算2018.xlsx" in str(run.exception)
    assert "国有资本经营预算财政拨款支出决算表 not found" in str(run.exception)


def test_bad_fund_management_names_its_cell(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["fees_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book.active
    target = _find(ws, "财政专户")
    target.value = "自收自支"
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert isinstance(run.exception, SourceError)
    assert f"sheet 收费目录清单, cell {target.coordinate}: 资金管理方式" in str(run.exception)


def test_amounts_kept_in_yuan_are_converted(sample_run: SourceRun, tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book["收入决算表"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "单位：万元":
                c.value = "单位：元"
            elif isinstance(c.value, float):
                c.value = round(c.value * 10000)
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert run.rows("final_accounts") == sample_run.rows("final_accounts")
    notes = {r["table_name"]: r["source_unit"] for r in run.rows("table_notes")}
    assert notes["收入决算表"] == "元" and notes["支出决算表"] == "万元"


def _origin_text(config: dict[str, object]) -> str:
    texts = []
    for key in SAMPLE_FILES:
        book = openpyxl.load_workbook(str(config[key]))
        texts += [
            str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
        ]
    return "\n".join(texts)


def test_planted_markers_never_reach_a_published_byte(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin", plant=True)
    origin = _origin_text(config)
    assert all(marker in origin for marker in MARKERS)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    assert_not_published(run, *MARKERS)
    # The two internal tables are withheld by the core, each with its rows, and counted.
    assert run.withheld["table_notes"] == {"不予公开": 1, "依申请公开": 1}
    assert sum(run.withheld["final_accounts"].values()) == 2
    assert "sign_off" in run.dropped_fields["table_notes"]
    assert {r["disclosure"] for r in run.rows("table_notes")} == {"主动公开"}


def test_shipped_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    config = write_origin(tmp_path)
    sample = importlib_resources.files("opendata_fiscal_data").joinpath("sample")
    for key, name in SAMPLE_FILES.items():
        shipped = openpyxl.load_workbook(str(sample.joinpath(name)))
        fresh = openpyxl.load_workbook(str(config[key]))
        assert shipped.sheetnames == fresh.sheetnames, name
        for ws in fresh.worksheets:
            old = shipped[ws.title]
            assert [[c.value for c in r] for r in old.iter_rows()] == [
                [c.value for c in r] for r in ws.iter_rows()
            ]
            assert sorted(map(str, old.merged_cells.ranges)) == sorted(
                map(str, ws.merged_cells.ranges)
            )


def test_year_other_than_the_workbooks_is_refused(tmp_path: Path) -> None:
    config = {**write_origin(tmp_path / "origin"), "year": 2019}
    run = run_source(FiscalData, tmp_path / "out", config)
    assert isinstance(run.exception, SourceError)
    book = openpyxl.load_workbook(str(config["final_accounts_xlsx"]))
    first = book.worksheets[1]  # the sheet after the 目录
    stated = _find(first, "2018年度").coordinate
    assert str(run.exception).startswith(
        f"决算2018.xlsx, sheet {first.title}, cell {stated}: the table states the year 2018"
    )


def test_unmarked_line_under_a_blank_row_is_a_footnote(
    sample_run: SourceRun, tmp_path: Path
) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book["收入决算表"]
    sign_off = next(
        c for row in ws.iter_rows() for c in row if str(c.value).startswith("单位负责人")
    )
    ws.cell(sign_off.row - 1, sign_off.column, "数据来源：部门决算报表管理系统")
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    notes = {r["table_name"]: r for r in run.rows("table_notes")}
    assert notes["收入决算表"]["note"] == "数据来源：部门决算报表管理系统"
    assert run.rows("final_accounts") == sample_run.rows("final_accounts")


def test_index_sheet_decides_what_is_public(sample_run: SourceRun, tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    index = book["目录"]
    row = _find(index, "政府性基金预算财政拨款收入支出决算表").row
    index.cell(row, 3, "依申请公开")
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert run.ok, run.error
    code = index.cell(row, 1).value
    assert run.withheld["table_notes"] == {"依申请公开": 1}
    published = {r["table_code"] for r in run.rows("final_accounts")}
    assert code not in published
    # Every amount row of that table is withheld with it, and nothing else.
    in_sample = [r for r in sample_run.rows("final_accounts") if r["table_code"] == code]
    assert run.withheld["final_accounts"] == {"依申请公开": len(in_sample)}
    assert len(run.rows("final_accounts")) == len(sample_run.rows("final_accounts")) - len(
        in_sample
    )


def test_uncalculated_formula_is_refused(tmp_path: Path) -> None:
    # openpyxl, like other writers, stores a formula without its value: reading it would
    # publish a blank total.
    config = write_origin(tmp_path / "origin")
    path = Path(str(config["final_accounts_xlsx"]))
    book = openpyxl.load_workbook(path)
    ws = book["支出决算表"]
    target = _find(ws, "行政运行").offset(column=1)
    target.value = f"={target.offset(column=1).coordinate}+{target.offset(column=2).coordinate}"
    book.save(path)
    run = run_source(FiscalData, tmp_path / "out", config)
    assert isinstance(run.exception, SourceError)
    assert str(run.exception).startswith(
        f"决算2018.xlsx, sheet 支出决算表, cell {target.coordinate}: formula"
    )
