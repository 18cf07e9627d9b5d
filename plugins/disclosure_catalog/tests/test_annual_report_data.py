"""Table 二, Art. 20(一): 规章 and 行政规范性文件 made, repealed and in force, from ``entries``.

The figures are the filters of docs/annual-report-data.md over the published entries, recounted
here from the raw export; the 2018 channel figures of the founding report stay as they were.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import frictionless
import pytest
from opendata_disclosure_catalog import DisclosureCatalog
from opendata_disclosure_catalog.catalog_csv import COLUMNS
from opendata_disclosure_catalog.samplegen import write_origin

from opendata.testing import SourceRun, run_source

YEARS = range(2017, 2026)
KIND = "行政规范性文件"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return write_origin(tmp_path_factory.mktemp("origin"))


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory, origin: dict[str, object]) -> SourceRun:
    run = run_source(DisclosureCatalog, tmp_path_factory.mktemp("out"), origin)
    assert run.ok, run.error
    return run


def _raw(origin: dict[str, object]) -> list[dict[str, str]]:
    with Path(str(origin["catalog_csv"])).open(encoding="gb18030", newline="") as handle:
        return list(csv.DictReader(handle))


def _table2(rows: list[dict[str, str]], made: str, repealed: str, kind: str) -> dict[int, tuple]:
    """(本年制发, 本年废止, 现行有效) per year, by the documented filters."""
    docs = [r for r in rows if r["kind"] == kind]
    figures = {}
    for year in YEARS:
        first, last = f"{year}-01-01", f"{year}-12-31"
        figures[year] = (
            sum(first <= r[made] <= last for r in docs),
            sum(bool(r[repealed]) and first <= r[repealed] <= last for r in docs),
            sum(r[made] <= last and (not r[repealed] or r[repealed] > last) for r in docs),
        )
    return figures


def test_new_fields_publish_and_frictionless_finds_entries_valid(sample_run: SourceRun) -> None:
    package = frictionless.Package(str(sample_run.package_dir / "datapackage.json"))
    report = frictionless.validate(package.get_resource("entries"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    rows = sample_run.rows("entries")
    assert {r["doc_kind"] for r in rows} == {KIND, "其他"}  # a 管委会 makes no 规章
    # 有效性 废止 exactly where a 废止日期 is given, and never before the document was made.
    assert all((r["validity"] == "废止") == bool(r["repealed_on"]) for r in rows)
    assert all(r["repealed_on"] >= r["created"] for r in rows if r["repealed_on"])


def test_table2_figures_match_the_raw_export(
    sample_run: SourceRun, origin: dict[str, object]
) -> None:
    published = [
        {"kind": r["doc_kind"], "made": r["created"], "gone": r["repealed_on"]}
        for r in sample_run.rows("entries")
    ]
    raw = [
        {"kind": r["文件类型"], "made": r["生成日期"], "gone": r["废止日期"]}
        for r in _raw(origin)
        if r["公开属性"] == "主动公开"
    ]
    figures = _table2(published, "made", "gone", KIND)
    assert figures == _table2(raw, "made", "gone", KIND)
    assert _table2(published, "made", "gone", "规章") == dict.fromkeys(YEARS, (0, 0, 0))
    # Every year makes documents; repeals happen; in force = last year's + made - repealed.
    assert all(figures[y][0] > 0 for y in YEARS)
    assert sum(figures[y][1] for y in YEARS) > 0
    for year in YEARS[1:]:
        made, repealed, in_force = figures[year]
        assert in_force == figures[year - 1][2] + made - repealed, year


def test_the_founding_report_channel_figures_are_unchanged(sample_run: SourceRun) -> None:
    in_2018 = [r for r in sample_run.rows("publications") if r["published"].startswith("2018")]
    assert len(in_2018) == 2790
    by_channel = {c: sum(r["channel"] == c for r in in_2018) for c in ("政务公开网", "门户网站")}
    assert by_channel == {"政务公开网": 302, "门户网站": 521}


def _edit(
    origin: dict[str, object], tmp_path: Path, edit: Callable[[dict[str, str]], None]
) -> dict[str, object]:
    rows = _raw(origin)
    target = next(r for r in rows if r["文件类型"] == KIND and r["有效性"] == "废止")
    edit(target)
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return {**origin, "catalog_csv": str(path)}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r.update({"文件类型": "地方性法规"}), "文件类型 '地方性法规' is not one of"),
        (lambda r: r.update({"有效性": "有效"}), "废止日期 "),
        (lambda r: r.update({"废止日期": ""}), "有效性 废止 but no 废止日期"),
        (lambda r: r.update({"废止日期": "2000-01-01"}), "废止日期 2000-01-01 precedes 生成日期"),
    ],
)
def test_inconsistent_kind_or_repeal_names_the_line(
    origin: dict[str, object], tmp_path: Path, edit: Callable[[dict[str, str]], None], expected: str
) -> None:
    run = run_source(DisclosureCatalog, tmp_path / "out", _edit(origin, tmp_path, edit))
    assert run.status == "error", run.status
    assert "line " in (run.error or "") and expected in (run.error or ""), run.error


def test_an_export_without_the_new_columns_still_reads(
    origin: dict[str, object], tmp_path: Path
) -> None:
    rows = _raw(origin)
    keep = [c for c in rows[0] if c not in (COLUMNS["doc_kind"][0], COLUMNS["repealed_on"][0])]
    path = tmp_path / "old.csv"
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keep, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    run = run_source(DisclosureCatalog, tmp_path / "out", {**origin, "catalog_csv": str(path)})
    assert run.ok, run.error
    assert {r["doc_kind"] for r in run.rows("entries")} == {""}
