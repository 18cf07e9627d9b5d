"""Table 二's 行政许可, 行政处罚 and 行政强制 figures: the ``decisions`` resource.

Each figure of the annual report is sum(decisions) over the year's rows of one kind
(docs/annual-report-data.md); here it is recounted from the raw export, and the 行政许可 matters
are checked to be items the hall publishes.
"""

from __future__ import annotations

import csv
import pathlib
from collections import Counter

import frictionless
import pytest
from opendata_service_hall import ServiceHall
from opendata_service_hall.decisions import COLUMNS, KINDS
from opendata_service_hall.samplegen import write_origin

from opendata.testing import SourceRun, run_source

YEARS = range(2017, 2026)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return write_origin(tmp_path_factory.mktemp("origin"))


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(ServiceHall, tmp_path_factory.mktemp("decisions"))
    assert run.ok, run.error
    return run


def _raw(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_shipped_sample_is_what_the_generator_writes(origin: dict[str, object]) -> None:
    shipped = pathlib.Path(__file__).parents[1] / "opendata_service_hall/sample/decisions.csv"
    assert pathlib.Path(str(origin["decisions_csv"])).read_bytes() == shipped.read_bytes()


def test_decisions_publish_valid_for_every_year_and_kind(sample_run: SourceRun) -> None:
    package = frictionless.Package(str(sample_run.package_dir / "datapackage.json"))
    report = frictionless.validate(package.get_resource("decisions"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    rows = sample_run.rows("decisions")
    assert {(int(r["year"]), r["kind"]) for r in rows} == {(y, k) for y in YEARS for k in KINDS}


def test_table2_figures_are_sums_over_the_raw_export(
    sample_run: SourceRun, origin: dict[str, object]
) -> None:
    published: Counter[tuple[int, str]] = Counter()
    for row in sample_run.rows("decisions"):
        published[int(row["year"]), row["kind"]] += int(row["decisions"])
    raw: Counter[tuple[int, str]] = Counter()
    for line in _raw(pathlib.Path(str(origin["decisions_csv"]))):
        raw[int(line["年度"]), line["决定类别"]] += int(line["决定数量"])
    assert published == raw
    assert all(published[y, "行政许可"] > 0 for y in YEARS)


def test_licence_matters_are_licence_items_of_the_hall(sample_run: SourceRun) -> None:
    items = {r["item_code"]: r for r in sample_run.rows("items")}
    licences = {r["matter_code"] for r in sample_run.rows("decisions") if r["kind"] == "行政许可"}
    assert licences and licences <= set(items)
    assert {items[code]["item_type"] for code in licences} == {"行政许可"}


def _write(path: pathlib.Path, lines: list[list[str]], header: tuple[str, ...] = COLUMNS) -> str:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(lines)
    return str(path)


GOOD = ["2021", "行政处罚", "220271-CF-001", "对违法行为的处罚", "生态环境分局", "3"]


@pytest.mark.parametrize(
    ("index", "value", "expected"),
    [
        (0, "二〇二一", "line 2, column 年度: not a year"),
        (1, "行政检查", "line 2, column 决定类别: '行政检查' is not one of"),
        (2, "CF-1", "line 2, column 事项编码: not a matter code"),
        (5, "-3", "line 2, column 决定数量: not a whole number of decisions: '-3'"),
    ],
)
def test_bad_cells_name_line_and_column(
    tmp_path: pathlib.Path, index: int, value: str, expected: str
) -> None:
    line = list(GOOD)
    line[index] = value
    config = {"decisions_csv": _write(tmp_path / "d.csv", [line])}
    run = run_source(ServiceHall, tmp_path / "out", config)
    assert run.status == "error" and expected in (run.error or ""), run.error


def test_repeated_line_and_renamed_heading_fail(tmp_path: pathlib.Path) -> None:
    config = {"decisions_csv": _write(tmp_path / "d.csv", [GOOD, GOOD])}
    run = run_source(ServiceHall, tmp_path / "out", config)
    assert (
        run.status == "error"
        and "line 3" in (run.error or "")
        and "repeats line 2" in (run.error or "")
    )
    header = tuple("件数" if c == "决定数量" else c for c in COLUMNS)
    config = {"decisions_csv": _write(tmp_path / "e.csv", [GOOD], header)}
    run = run_source(ServiceHall, tmp_path / "out2", config)
    assert run.status == "error" and "line 1: headings" in (run.error or ""), run.error
