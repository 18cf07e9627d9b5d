"""The disclosure_requests source, run offline through the core's own stages."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import chinese_calendar
import frictionless
import pytest
from opendata_disclosure_requests import DisclosureRequests, sample_appeals, sample_register
from opendata_disclosure_requests.outcomes import LEGACY, OUTCOME_ROWS, OUTCOMES, map_outcome
from opendata_disclosure_requests.samplegen import HEADER, write_origin

from opendata.testing import SourceRun, assert_contract, assert_not_published, run_source

MARKERS = ("11010519491231002X", "13912345678", "王秘密", "绝密测试记录")
KIND_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(DisclosureRequests, tmp_path_factory.mktemp("sample"))
    assert run.ok, run.error
    return run


def _table3(run: SourceRun) -> dict[int, dict[str, dict[str, int]]]:
    """Published Table 三 as {year: {row_code: {column: count}}}."""
    tables: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in run.rows("annual_table3"):
        counts = {c: int(row[c]) for c in (*KIND_COLUMNS, "total")}
        tables[int(row["year"])][row["row_code"]] = counts
    return tables


def _raw_register(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_register(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


def _application(number: str, received: str, replied: str = "", **extra: str) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "")
    row.update({
        "申请编号": number, "收到日期": received, "申请方式": "网络", "申请人类型": "自然人",
        "是否延期": "否", "答复日期": replied, "办理结果": "予以公开" if replied else "",
        "收费金额（元）": "0",
    })  # fmt: skip
    row.update(extra)
    return row


def test_contract() -> None:
    assert_contract(DisclosureRequests)


def test_shipped_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    config = write_origin(tmp_path)
    assert config == {
        "register_path": str(tmp_path / "register.csv"),
        "appeals_path": str(tmp_path / "appeals.csv"),
    }
    assert (tmp_path / "register.csv").read_bytes() == sample_register().read_bytes()
    assert (tmp_path / "appeals.csv").read_bytes() == sample_appeals().read_bytes()


def test_outcome_enum_is_the_2021_table() -> None:
    schema = json.loads(
        (Path(sample_register()).parent.parent / "schemas" / "monthly.json").read_text("utf-8")
    )
    field = next(f for f in schema["fields"] if f["name"] == "outcome")
    assert field["constraints"]["enum"] == [*OUTCOMES, "尚未办结"]
    assert len(OUTCOME_ROWS) == 21  # the 21 outcome rows of 国办公开办函〔2021〕30号 表三


def test_every_legacy_label_maps_onto_a_2021_row() -> None:
    for (category, circumstance), outcome in LEGACY.items():
        assert map_outcome(category, circumstance) == outcome
        assert outcome in OUTCOMES
    for outcome in OUTCOMES:
        category, _, circumstance = outcome.partition("·")
        assert map_outcome(category, circumstance) == outcome
        assert map_outcome(outcome, "") == outcome
    # Registers write the quotes around 三安全一稳定 in several ways.
    assert map_outcome("不予公开", "危及“三安全一稳定”") == '不予公开·危及"三安全一稳定"'
    assert map_outcome("不予公开", "无此情形") is None


def test_2018_matches_the_annual_report(sample_run: SourceRun) -> None:
    # 2018年…收到依申请公开次数2次，办结数2个，均未收取费用。
    summary = {int(r["year"]): r for r in sample_run.rows("annual_summary")}
    assert int(summary[2018]["received"]) == 2
    assert int(summary[2018]["completed"]) == 2
    assert Decimal(summary[2018]["fee_total"]) == 0
    table = _table3(sample_run)[2018]
    assert table["一"]["total"] == 2
    assert table["三（七）"]["total"] == 2
    assert table["四"]["total"] == 0
    fees_2018 = [Decimal(r["fee_total"]) for r in sample_run.rows("monthly") if r["year"] == "2018"]
    assert sum(r for r in fees_2018) == 0
    assert min(summary) == 2017 and max(summary) == 2025


def test_table3_rules_hold_for_every_year(sample_run: SourceRun) -> None:
    tables = _table3(sample_run)
    outcome_codes = [row.code for row in OUTCOME_ROWS]
    for year, table in tables.items():
        assert len(table) == 25, year
        for column in (*KIND_COLUMNS, "total"):
            # R1: 新收 + 上年结转 = 总计 + 结转下年度
            assert (
                table["一"][column] + table["二"][column]
                == table["三（七）"][column] + table["四"][column]
            ), (year, column)
            # R2: 总计 = Σ outcome rows
            assert table["三（七）"][column] == sum(table[c][column] for c in outcome_codes)
        for code, counts in table.items():
            # R3: the six applicant columns sum to 总计
            assert sum(counts[c] for c in KIND_COLUMNS) == counts["total"], (year, code)
        # X1: this year's 上年结转 equals last year's 结转下年度
        if year - 1 in tables:
            assert table["二"] == tables[year - 1]["四"]
    # Requests received late in a year and answered in the next make 结转 non-trivial.
    assert sum(1 for y, t in tables.items() if y < max(tables) and t["四"]["total"] > 0) >= 3


@dataclass
class _Counts:
    """The register counted by year, independently of the plugin's aggregation."""

    received: Counter[int] = field(default_factory=Counter)
    completed: Counter[int] = field(default_factory=Counter)
    on_time: Counter[int] = field(default_factory=Counter)
    extended: Counter[int] = field(default_factory=Counter)
    fees: defaultdict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, app: dict[str, str]) -> None:
        got = dt.date.fromisoformat(app["收到日期"])
        self.received[got.year] += 1
        if not app["答复日期"]:
            return
        replied = dt.date.fromisoformat(app["答复日期"])
        self.completed[replied.year] += 1
        long = app["是否延期"] == "是"
        limit = (15 if got < dt.date(2019, 5, 15) else 20) * (2 if long else 1)
        # Working days in (received, replied]: make-up days count, holidays do not.
        taken = len(chinese_calendar.get_workdays(got + dt.timedelta(days=1), replied))
        self.on_time[replied.year] += taken <= limit
        self.extended[replied.year] += long
        self.fees[replied.year] += Decimal(app["收费金额（元）"] or "0")

    def check(self, year: int, row: dict[str, str]) -> None:
        """The annual_summary row of ``year`` holds these counts."""
        assert int(row["received"]) == self.received[year]
        assert int(row["completed"]) == self.completed[year]
        assert int(row["on_time"]) == self.on_time[year]
        assert int(row["overdue"]) == self.completed[year] - self.on_time[year]
        assert int(row["extended"]) == self.extended[year]
        assert Decimal(row["fee_total"]) == self.fees[year]
        if self.completed[year]:
            share = Decimal(self.on_time[year]) / self.completed[year]
            assert abs(Decimal(row["on_time_share"]) - share) < Decimal("0.00005")


def test_figures_agree_with_an_independent_count_of_the_register(sample_run: SourceRun) -> None:
    counts = _Counts()
    for app in _raw_register(sample_register()):
        counts.add(app)
    assert sum(counts.received.values()) >= 300  # a few hundred applications
    for row in sample_run.rows("annual_summary"):
        counts.check(int(row["year"]), row)
    # Some applications were late, some were extended, some paid a fee: the counts are real.
    assert sum(counts.completed.values()) > sum(counts.on_time.values())
    assert sum(counts.extended.values()) > 0 and sum(counts.fees.values()) > 0


def test_monthly_rows_add_up_to_table3(sample_run: SourceRun) -> None:
    monthly = sample_run.rows("monthly")
    tables = _table3(sample_run)
    by_year_kind: Counter[tuple[int, str]] = Counter()
    for row in monthly:
        by_year_kind[(int(row["year"]), row["applicant_kind"])] += int(row["received"])
        assert int(row["on_time"]) + int(row["overdue"]) <= int(row["received"])
        if row["outcome"] == "尚未办结":
            assert int(row["on_time"]) == int(row["overdue"]) == 0
    kinds = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
    for year, table in tables.items():
        for kind, column in zip(kinds, KIND_COLUMNS, strict=True):
            assert by_year_kind[(year, kind)] == table["一"][column]
    assert {r["channel"] for r in monthly} == {"当面", "信函", "传真", "网络"}


def test_planted_personal_data_never_published(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin", plant=True)
    origin = (tmp_path / "origin" / "register.csv").read_text("utf-8-sig")
    assert all(marker in origin for marker in MARKERS)
    run = run_source(DisclosureRequests, tmp_path / "out", config)
    assert run.ok, run.error
    assert_not_published(run, *MARKERS)
    # The planted applications are still counted, only anonymously.
    plain = run_source(DisclosureRequests, tmp_path / "plain", write_origin(tmp_path / "p"))
    totals = {int(r["year"]): int(r["received"]) for r in run.rows("annual_summary")}
    plain_totals = {int(r["year"]): int(r["received"]) for r in plain.rows("annual_summary")}
    assert {y: totals[y] - plain_totals[y] for y in totals} == {
        **dict.fromkeys(plain_totals, 0),
        2023: 1,
        2024: 1,
        2025: 1,
    }


def test_bad_date_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    _write_register(
        path,
        [_application("A-1", "2020-03-02", "2020-03-10"), _application("A-2", "2020-13-45")],
    )
    run = run_source(DisclosureRequests, tmp_path / "out", {"register_path": str(path)})
    assert run.status == "error"
    assert "SourceError" in (run.error or "")
    assert str(path) in (run.error or "")
    assert "line 3" in (run.error or "") and "收到日期" in (run.error or "")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"申请方式": "飞鸽传书"}, "申请方式"),
        ({"办理结果": "同意"}, "办理结果"),
        ({"答复日期": "2020-02-01"}, "答复日期"),
        ({"收费金额（元）": "十元"}, "收费金额"),
        ({"答复日期": ""}, "办理结果"),
    ],
)
def test_bad_cells_name_the_column(tmp_path: Path, change: dict[str, str], expected: str) -> None:
    path = tmp_path / "register.csv"
    _write_register(path, [_application("A-1", "2020-03-02", "2020-03-10", **change)])
    run = run_source(DisclosureRequests, tmp_path / "out", {"register_path": str(path)})
    assert run.status == "error"
    assert f"{path}, line 2, column {expected}" in (run.error or "")


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("申请编号,收到日期\nA-1,2020-03-02\n", encoding="utf-8")
    run = run_source(DisclosureRequests, tmp_path / "out", {"register_path": str(path)})
    assert run.status == "error" and "申请方式" in (run.error or "")
    missing = tmp_path / "nowhere.csv"
    run = run_source(DisclosureRequests, tmp_path / "out2", {"register_path": str(missing)})
    assert run.status == "error" and str(missing) in (run.error or "")


def test_wrong_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    _write_register(path, [_application("A-1", "2020-03-02", "2020-03-10")])
    path.write_bytes(path.read_text("utf-8-sig").encode("gb18030"))
    run = run_source(DisclosureRequests, tmp_path / "out", {"register_path": str(path)})
    assert run.status == "error" and "gb18030" in (run.error or "")
    run = run_source(
        DisclosureRequests, tmp_path / "ok", {"register_path": str(path), "encoding": "gb18030"}
    )
    assert run.ok, run.error


def test_year_unknown_to_the_calendar_warns_or_uses_overrides(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    # Received 2026-12-31, answered 2027-01-29: 20 working days need 2027's calendar.
    _write_register(path, [_application("A-1", "2026-12-31", "2027-01-29")])
    run = run_source(DisclosureRequests, tmp_path / "out", {"register_path": str(path)})
    assert run.ok, run.error
    assert any("2027" in w for w in run.warnings), run.warnings
    # Monday–Friday: 20 weekdays after Thursday 2026-12-31 is Thursday 2027-01-28 → late.
    assert run.rows("annual_summary")[-1]["overdue"] == "1"

    holidays = ["2027-01-01"]
    config = {"register_path": str(path), "workday_overrides": {"2027": {"holidays": holidays}}}
    run = run_source(DisclosureRequests, tmp_path / "out2", config)
    assert run.ok, run.error
    assert not any("2027" in w for w in run.warnings), run.warnings
    # With New Year's Day off the due date moves to 2027-01-29: answered on time.
    assert run.rows("annual_summary")[-1]["on_time"] == "1"

    bad = {"register_path": str(path), "workday_overrides": {"2027": {"holidays": ["2028-01-01"]}}}
    run = run_source(DisclosureRequests, tmp_path / "out3", bad)
    assert run.status == "error" and "workday_overrides" in (run.error or "")


def test_frictionless_agrees_the_package_is_valid(sample_run: SourceRun) -> None:
    # An independent verdict on the built package, foreign keys to annual_summary included.
    report = frictionless.validate(str(sample_run.package_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_register_read_as_plain_utf8_despite_its_bom(tmp_path: Path) -> None:
    config = {"register_path": str(sample_register()), "encoding": "utf-8"}
    run = run_source(DisclosureRequests, tmp_path, config)
    assert run.ok, run.error
    assert sum(int(r["received"]) for r in run.rows("annual_summary")) == len(
        _raw_register(sample_register())
    )
