"""Table 二's 行政事业性收费 本年收费金额（万元）: the ``fee_income`` resource.

The report's figure is sum(amount) over the year's rows (docs/annual-report-data.md); here it is
recounted from the raw export in 元, and the items are checked against the published fee list.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from importlib import resources as importlib_resources
from pathlib import Path

import frictionless
import pytest
from opendata_fiscal_data import FiscalData
from opendata_fiscal_data.fee_income import COLUMNS
from opendata_fiscal_data.fee_income_sample import FEE_INCOME_FILE
from opendata_fiscal_data.samplegen import write_origin

from opendata.testing import SourceRun, run_source

YEARS = range(2017, 2026)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return write_origin(tmp_path_factory.mktemp("origin"))


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(FiscalData, tmp_path_factory.mktemp("fee-income"))
    assert run.ok, run.error
    return run


def test_shipped_sample_is_what_the_generator_writes(origin: dict[str, object]) -> None:
    shipped = importlib_resources.files("opendata_fiscal_data").joinpath("sample", FEE_INCOME_FILE)
    assert Path(str(origin["fee_income_csv"])).read_bytes() == Path(str(shipped)).read_bytes()


def test_fee_income_publishes_valid_for_every_year(sample_run: SourceRun) -> None:
    package = frictionless.Package(str(sample_run.package_dir / "datapackage.json"))
    report = frictionless.validate(package.get_resource("fee_income"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert {int(r["year"]) for r in sample_run.rows("fee_income")} == set(YEARS)


def test_yearly_sums_in_wan_equal_the_raw_export_in_yuan(
    sample_run: SourceRun, origin: dict[str, object]
) -> None:
    published: dict[int, Decimal] = defaultdict(Decimal)
    for row in sample_run.rows("fee_income"):
        assert Decimal(row["amount"]) * 10_000 == Decimal(row["amount_yuan"])
        published[int(row["year"])] += Decimal(row["amount"])
    raw: dict[int, Decimal] = defaultdict(Decimal)
    path = Path(str(origin["fee_income_csv"]))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in csv.DictReader(handle):
            raw[int(line["年度"])] += Decimal(line["收入金额（元）"])
    assert {y: v * 10_000 for y, v in published.items()} == raw
    assert all(v > 0 for v in published.values())


def test_items_are_items_of_the_published_fee_list(sample_run: SourceRun) -> None:
    listed = {r["item_name"] for r in sample_run.rows("fees")}
    charged = {r["item_name"] for r in sample_run.rows("fee_income")}
    assert charged and charged <= listed


def _write(path: Path, lines: list[list[str]], header: tuple[str, ...] = COLUMNS) -> str:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(lines)
    return str(path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (["18", "土地复垦费", "国土", "100"], "line 2, column 年度: not a year: '18'"),
        (["2018", "", "国土", "100"], "line 2, column 收费项目: empty"),
        (["2018", "土地复垦费", "国土", "一百"], "line 2, column 收入金额（元）: not an amount"),
        (["2018", "土地复垦费", "国土", "-5"], "(≥ 0, at most 2 decimals): '-5'"),
        (["2018", "土地复垦费", "国土", "1.234"], "at most 2 decimals"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path: Path, line: list[str], expected: str) -> None:
    run = run_source(
        FiscalData, tmp_path / "out", {"fee_income_csv": _write(tmp_path / "f.csv", [line])}
    )
    assert run.status == "error" and expected in (run.error or ""), run.error


def test_repeated_item_and_renamed_heading_fail(tmp_path: Path) -> None:
    line = ["2018", "土地复垦费", "国土", "100"]
    run = run_source(
        FiscalData, tmp_path / "a", {"fee_income_csv": _write(tmp_path / "a.csv", [line, line])}
    )
    assert run.status == "error" and "line 3: 土地复垦费 of 2018 repeats line 2" in (
        run.error or ""
    )
    header = ("年度", "收费项目", "执收部门", "金额")
    run = run_source(
        FiscalData, tmp_path / "b", {"fee_income_csv": _write(tmp_path / "b.csv", [line], header)}
    )
    assert run.status == "error" and "line 1: headings" in (run.error or "")
