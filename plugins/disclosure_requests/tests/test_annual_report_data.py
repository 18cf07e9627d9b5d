"""What the annual report reads from this source: Table 三 for 2017–2025, Table 四 and its cases.

Each Table 四 figure is recounted here from the published ``appeals`` rows with the filter that
docs/annual-report-data.md gives, and from the raw ledger, so a wrong aggregate cannot pass.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import frictionless
import pytest
from opendata_disclosure_requests import DisclosureRequests
from opendata_disclosure_requests.appeals import KINDS
from opendata_disclosure_requests.samplegen import APPEALS_HEADER, write_origin

from opendata.testing import SourceRun, assert_not_published, run_source

YEARS = range(2017, 2026)
OUTCOME_FIELDS = {"维持": "upheld", "纠正": "corrected", "其他": "other"}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(DisclosureRequests, tmp_path_factory.mktemp("report-data"))
    assert run.ok, run.error
    return run


def _table4(run: SourceRun) -> dict[tuple[int, str], dict[str, int]]:
    return {
        (int(r["year"]), r["kind"]): {k: int(v) for k, v in r.items() if k not in ("kind",)}
        for r in run.rows("annual_table4")
    }


def test_new_resources_publish_and_frictionless_finds_them_valid(sample_run: SourceRun) -> None:
    names = {p.name for p in sample_run.published_files()}
    assert {"appeals.csv", "annual_table4.csv"} <= names
    package = frictionless.Package(str(sample_run.package_dir / "datapackage.json"))
    for name in ("appeals", "annual_table4"):
        report = frictionless.validate(package.get_resource(name))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_2018_has_no_review_and_no_lawsuit(sample_run: SourceRun) -> None:
    # 2018年，吉林经开区管委会未发生与政府信息公开相关的行政复议、诉讼和投诉举报事项。
    table = _table4(sample_run)
    assert [table[2018, kind]["total"] for kind in KINDS] == [0, 0, 0]
    open_in_2018 = [
        r
        for r in sample_run.rows("appeals")
        if r["filed"] <= "2018-12-31" and (not r["closed"] or r["closed"] >= "2018-01-01")
    ]
    assert open_in_2018 == []


def test_every_year_from_2017_to_2025_has_tables_three_and_four(sample_run: SourceRun) -> None:
    table3_years = {int(r["year"]) for r in sample_run.rows("annual_table3")}
    table4 = _table4(sample_run)
    assert set(YEARS) <= table3_years
    assert {(y, k) for y in YEARS for k in KINDS} <= set(table4)
    assert sum(table4[y, k]["total"] for y in YEARS for k in KINDS) == len(
        sample_run.rows("appeals")
    )


def _check_table4_row(row: dict[str, int], mine: list[dict[str, str]], year: int) -> None:
    """One Table 四 row against the cases it counts (``mine``: that year's, of its kind)."""
    end = f"{year}-12-31"
    for outcome, field in OUTCOME_FIELDS.items():
        closed = [c for c in mine if c["outcome"] == outcome and c["closed"] <= end]
        assert row[field] == len([c for c in closed if c["closed"]]), (year, field)
    pending = [c for c in mine if not c["closed"] or c["closed"] > end]
    assert row["pending"] == len(pending), year
    assert row["total"] == len(mine)
    # R4: 维持 + 纠正 + 其他 + 尚未审结 = 总计
    parts = row["upheld"] + row["corrected"] + row["other"] + row["pending"]
    assert parts == row["total"], year


def test_table4_cells_are_the_documented_filters_over_appeals(sample_run: SourceRun) -> None:
    cases = sample_run.rows("appeals")
    for (year, kind), row in _table4(sample_run).items():
        mine = [c for c in cases if int(c["year"]) == year and c["kind"] == kind]
        _check_table4_row(row, mine, year)


def test_table4_sample_exercises_every_column(sample_run: SourceRun) -> None:
    """The sample exercises every column somewhere: a table of zeros would prove nothing."""
    totals: defaultdict[str, int] = defaultdict(int)
    for row in _table4(sample_run).values():
        for field in ("upheld", "corrected", "pending"):
            totals[field] += row[field]
    assert all(totals.values()), totals


def test_appeals_agree_with_the_raw_ledger(sample_run: SourceRun, tmp_path: Path) -> None:
    config = write_origin(tmp_path)
    with Path(str(config["appeals_path"])).open(encoding="utf-8-sig", newline="") as handle:
        ledger = list(csv.DictReader(handle))
    published = {r["case_id"]: r for r in sample_run.rows("appeals")}
    assert set(published) == {line["案件编号"] for line in ledger}
    for line in ledger:
        row = published[line["案件编号"]]
        assert row["filed"] == line["收到日期"] and row["closed"] == line["审结日期"]
        assert int(row["year"]) == dt.date.fromisoformat(line["收到日期"]).year
        suit = line["案件类别"] == "行政诉讼"
        assert row["kind"].startswith("行政诉讼") == suit
        assert (row["kind"] == KINDS[2]) == (suit and line["是否经复议"] == "是")
        assert (row["outcome"] == "尚未审结") == (line["审结日期"] == "")


def test_carry_over_holds_between_consecutive_years(sample_run: SourceRun) -> None:
    # X1: this year's 上年结转 equals last year's 结转下年度, in every column.
    rows = {(int(r["year"]), r["row_code"]): r for r in sample_run.rows("annual_table3")}
    nonzero = 0
    for year in range(2017, 2025):
        for column in ("natural_person", "commercial_enterprise", "other_org", "total"):
            assert rows[year, "四"][column] == rows[year + 1, "二"][column], (year, column)
        nonzero += int(rows[year, "四"]["total"])
    assert rows[2017, "二"]["total"] == "0" and rows[2018, "二"]["total"] == "0"
    assert nonzero > 0  # the sample carries applications over, so the check has teeth


def _write_ledger(path: Path, rows: list[list[str]]) -> dict[str, object]:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(APPEALS_HEADER)
        writer.writerows(rows)
    return {"appeals_path": str(path)}


def test_applicant_names_in_the_ledger_are_never_published(tmp_path: Path) -> None:
    name, id_number = "王秘密", "11010519491231002X"
    row = ["FY-2021-01", "行政复议", "否", "2021-03-01", "2021-04-20", "撤销", name,
           "YSQ-2021-001", "吉林市人民政府", f"身份证{id_number}"]  # fmt: skip
    run = run_source(DisclosureRequests, tmp_path / "out", _write_ledger(tmp_path / "a.csv", [row]))
    assert run.ok, run.error
    assert_not_published(run, name, id_number, "YSQ-2021-001")
    assert run.rows("appeals")[0]["outcome"] == "纠正"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({3: "2021-02-30"}, "line 2, column 收到日期: not a date: '2021-02-30'"),
        ({5: "和解了"}, "line 2, column 结果: unknown result '和解了'"),
        ({1: "信访"}, "line 2, column 案件类别: '信访' / 是否经复议"),
        ({4: "2021-01-01"}, "line 2, column 审结日期: closed 2021-01-01 before it was filed"),
        ({4: "", 5: "维持"}, "line 2, column 结果: result '维持' but no 审结日期"),
    ],
)
def test_bad_ledger_cells_name_line_and_column(
    tmp_path: Path, change: dict[int, str], expected: str
) -> None:
    row = ["FY-2021-01", "行政复议", "否", "2021-03-01", "2021-04-20", "维持", "", "", "", ""]
    for index, value in change.items():
        row[index] = value
    run = run_source(DisclosureRequests, tmp_path / "out", _write_ledger(tmp_path / "a.csv", [row]))
    assert run.status == "error"
    assert expected in (run.error or ""), run.error


def test_missing_ledger_is_named(tmp_path: Path) -> None:
    run = run_source(DisclosureRequests, tmp_path, {"appeals_path": str(tmp_path / "none.csv")})
    assert run.status == "error" and "appeals ledger" in (run.error or "")
    assert "file not found" in (run.error or "")
