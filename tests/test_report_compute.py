"""The annual report computed from the published sample data: each table's arithmetic for every
year, carry-over between years, source references, deterministic JSON, the 2018 round trip
through the checker, the office's paragraphs, the API endpoints, the CLI and the deadlines.

The built-in sources are refreshed once into a temporary SQLite catalog and datasets folder;
every expectation is recomputed from the published CSV files themselves.
"""

from __future__ import annotations

import csv
import importlib
import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opendata.app import create_app, services_of
from opendata.cli import main
from opendata.config import load_config
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.report import formats as F
from opendata.report.compute import available_years, build, to_json_bytes
from opendata.report.extract import read_report
from opendata.report.paragraphs import MISSING, WITHHELD, ParagraphError, read_paragraph
from opendata.report.published import CatalogData, RowCache
from opendata.report.rules import check
from opendata.report.status import report_status
from opendata.services import Services
from opendata.sources.discovery import refresh_order
from opendata.sources.sync import registry_of
from opendata.testing import prepare_database

SOURCES = ["disclosure_catalog", "service_hall", "fiscal_data", "disclosure_requests"]
DERIVED = "annual_reports"


class Env:
    def __init__(self, root: Path, services: Services, status_before: list[Any]) -> None:
        self.root = root
        self.services = services
        self.status_before = status_before

    @property
    def config(self) -> dict[str, Any]:
        return self.services.config

    def data(self) -> CatalogData:
        return CatalogData(self.services.catalog, self.services.datasets_root)

    def csv_rows(self, dataset: str, resource: str) -> list[dict[str, str]]:
        current = self.services.catalog.current_version(dataset)
        assert current is not None
        path = self.services.version_dir(dataset, current["id"]) / f"{resource}.csv"
        if not path.exists():
            pytest.skip(f"{dataset}/{resource} is not published by this checkout")
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    root = tmp_path_factory.mktemp("report")
    config = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
            "SOURCES_ENABLED": [*SOURCES, DERIVED],
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    order = refresh_order(registry_of(services).sources)
    assert order.index(DERIVED) == len(order) - 1, "the derived source must come after its inputs"
    for name in order[:-1]:
        result = refresh(services, name)
        assert result.status is RunStatus.PUBLISHED, f"{name}: {result.error}"
    before = report_status(CatalogData(services.catalog, services.datasets_root), date(2026, 1, 15))
    result = refresh(services, DERIVED)
    assert result.status is RunStatus.PUBLISHED, result.error
    return Env(root, services, before)


def years(env: Env) -> list[int]:
    found = available_years(env.data())
    assert set(range(2018, 2026)) <= set(found), found
    return found


# -- each table's arithmetic on the samples ---------------------------------------------------


def test_every_year_passes_r1_to_r4_and_is_in_its_format(env: Env) -> None:
    for year in years(env):
        built = build(env.data(), year)
        assert built.report.format_id == F.format_for_year(year).id
        assert not built.errors, [f.message for f in built.errors]
        if F.TABLE3 not in built.report.format.tables:
            continue
        t3 = built.report.tables[F.TABLE3]
        spec = built.report.spec(F.TABLE3)
        for col in (c.code for c in spec.columns):
            v = {row: t3[row][col].value for row in t3}
            assert v["1"] + v["2"] == v["3.7"] + v["4"], (year, col)  # R1
            assert v["3.7"] == sum(v[r] for r in F.outcome_rows(spec)), (year, col)  # R2
        for cells in t3.values():  # R3
            assert cells["total"].value == sum(cells[c].value for c in F.APPLICANT_PARTS)
        t4 = built.report.tables.get(F.TABLE4, {}).get("all", {})
        for group, _, _ in F.GROUPS:  # R4
            parts = [t4[f"{group}.{o}"].value for o in ("upheld", "corrected", "other", "pending")]
            assert t4[f"{group}.total"].value == sum(parts), (year, group)


def test_table3_cells_are_the_published_rows(env: Env) -> None:
    published = env.csv_rows("disclosure_requests", "annual_table3")
    for year in years(env):
        report = build(env.data(), year).report
        if F.TABLE3 not in report.format.tables:
            continue
        mine = [r for r in published if r["year"] == str(year)]
        by_code = {r["row_code"]: r for r in mine}
        assert report.value(F.TABLE3, "1", "natural") == int(by_code["一"]["natural_person"])
        assert report.value(F.TABLE3, "4", "total") == int(by_code["四"]["total"])
        if report.format_id == F.FORMAT_2019:  # one 其他处理 row: the sum of the three
            three = sum(int(by_code[f"三（六）{n}"]["total"]) for n in (1, 2, 3))
            assert report.value(F.TABLE3, "3.6", "total") == three
        else:
            assert report.value(F.TABLE3, "3.6.3", "total") == int(by_code["三（六）3"]["total"])


def test_carry_over_between_consecutive_years(env: Env) -> None:
    found = [y for y in years(env) if F.TABLE3 in F.format_for_year(y).tables]
    for year in found[1:]:
        now, before = build(env.data(), year), build(env.data(), year - 1)
        for col in F.APPLICANT_COLUMNS:
            carried_in = now.report.value(F.TABLE3, "2", col.code)
            assert carried_in == before.report.value(F.TABLE3, "4", col.code), (year, col.code)
        assert not [f for f in now.findings if f.rule == "X1"]


def test_table2_recounted_from_the_published_rows(env: Env) -> None:
    entries = env.csv_rows("disclosure_catalog", "entries")
    decisions = env.csv_rows("service_hall", "decisions")
    fees = env.csv_rows("fiscal_data", "fee_income")
    if "doc_kind" not in entries[0]:
        pytest.skip("entries.doc_kind is not published by this checkout")
    for year in (y for y in years(env) if y >= 2021):
        report = build(env.data(), year).report
        first, last = f"{year}-01-01", f"{year}-12-31"
        normative = [r for r in entries if r["doc_kind"] == "行政规范性文件"]
        issued = sum(1 for r in normative if first <= r["created"] <= last)
        in_force = sum(
            1
            for r in normative
            if r["created"] <= last and not (r["repealed_on"] and r["repealed_on"] <= last)
        )
        assert report.value(F.TABLE2, "20.1.normative", "issued") == issued
        assert report.value(F.TABLE2, "20.1.normative", "in_force") == in_force
        licensing = sum(
            int(r["decisions"])
            for r in decisions
            if r["year"] == str(year) and r["kind"] == "行政许可"
        )
        assert report.value(F.TABLE2, "20.5.licensing", "decisions") == licensing
        amount = sum((Decimal(r["amount"]) for r in fees if r["year"] == str(year)), Decimal(0))
        assert report.value(F.TABLE2, "20.8.fees", "amount") == amount.quantize(Decimal("0.01"))


def test_sheet_recounted_from_publications_and_responses(env: Env) -> None:
    pubs = env.csv_rows("disclosure_catalog", "publications")
    responses = env.csv_rows("disclosure_catalog", "responses")
    for year in years(env):
        report = build(env.data(), year).report
        mine = [r for r in pubs if r["published"].startswith(str(year))]
        channels = Counter(r["channel"] for r in mine)
        assert report.value(F.SHEET, "proactive.total", F.VALUE) == len(mine)
        assert report.value(F.SHEET, "proactive.wechat", F.VALUE) == channels["微信公众号"]
        methods = Counter(r["method"] for r in responses if r["date"].startswith(str(year)))
        assert report.value(F.SHEET, "response.total", F.VALUE) == sum(methods.values())
        assert report.value(F.SHEET, "response.online_interview", F.VALUE) == methods["在线访谈"]


def test_every_cell_names_the_current_version_it_counts(env: Env) -> None:
    report = build(env.data(), 2021).report
    current = {
        name: env.services.catalog.current_version(name)["id"]  # type: ignore[index]
        for name in SOURCES
    }
    cells = [c for rows in report.tables.values() for cols in rows.values() for c in cols.values()]
    assert len(cells) > 100
    for cell in cells:
        assert cell.source is not None
        assert cell.source.version == current[cell.source.dataset]
        assert cell.source.filter and cell.source.resource
    assert report.built_from == {n: v for n, v in current.items() if n in report.built_from}


# -- determinism --------------------------------------------------------------------------------


def test_building_twice_from_the_same_versions_gives_the_same_bytes(env: Env) -> None:
    first = to_json_bytes(build(env.data(), 2021).as_json())
    second = to_json_bytes(build(env.data(), 2021).as_json())
    assert first == second
    # A refresh that changes nothing makes no version, so the report stays byte for byte.
    result = refresh(env.services, "disclosure_requests")
    assert result.status is RunStatus.UNCHANGED
    assert to_json_bytes(build(env.data(), 2021).as_json()) == first


# -- the 2018 round trip -------------------------------------------------------------------------


def test_2018_round_trip_through_the_checker(env: Env, tmp_path: Path) -> None:
    built = build(env.data(), 2018)
    report = built.report
    assert report.format_id == F.FORMAT_PRE2019
    assert not built.findings
    sheet = {row: cols[F.VALUE].value for row, cols in report.tables[F.SHEET].items()}
    # Where the founding report is consistent, the same figures.
    assert sheet["proactive.total"] == 2790
    assert [sheet[f"proactive.{c}"] for c in ("gov_open_site", "portal", "wechat", "other")] == [
        302,
        521,
        963,
        1004,
    ]
    assert (sheet["application.received"], sheet["application.completed"]) == (2, 2)
    assert (sheet["review.total"], sheet["suit.total"], sheet["fees.amount"]) == (0, 0, 0)
    # Where it is not: 37 responses, with the two by press conference and online interview.
    assert sheet["response.total"] == 37
    assert (sheet["response.press_conference"], sheet["response.online_interview"]) == (1, 1)
    assert (sheet["response.policy_reading"], sheet["response.weibo_wechat"]) == (10, 17)
    assert sheet["response.other"] == 8
    # Rendered, read back by the checker: no finding at all, and the same figures in prose.
    from opendata.report.render import render

    path = tmp_path / "2018.html"
    path.write_bytes(render(report, "html"))
    read = read_report(path)
    assert read.year == 2018 and read.format_id == F.FORMAT_PRE2019
    assert check(read) == []
    stated = {(f.row, f.value) for f in read.figures}
    assert {("proactive.total", 2790), ("response.total", 37)} <= stated
    assert {("response.press_conference", 1), ("response.online_interview", 1)} <= stated
    assert {("application.received", 2), ("application.completed", 2)} <= stated
    # The CLI's own check of the same file.
    result = CliRunner().invoke(main, ["report", "check", str(path)], env=cli_env(env))
    assert result.exit_code == 0, result.output


# -- the office's paragraphs ---------------------------------------------------------------------


def test_office_paragraphs_are_used_and_missing_ones_marked(env: Env, tmp_path: Path) -> None:
    (tmp_path / "2021").mkdir()
    (tmp_path / "2021" / "1.md").write_text("本年度，我区政务公开工作稳步推进。\r\n", "utf-8")
    (tmp_path / "2021" / "6.md").write_text("   \n", "utf-8")  # empty: still to be written
    built = build(env.data(), 2021, paragraphs_root=tmp_path)
    sections = built.report.sections
    assert sections["1"] == "本年度，我区政务公开工作稳步推进。"
    assert sections["5"] == MISSING and sections["6"] == MISSING
    assert sections["2"].startswith("2021年，主动公开政府信息共计") and sections["2"].endswith(
        MISSING
    )
    assert built.paragraphs["1"] == "2021/1.md" and built.paragraphs["5"] is None
    (tmp_path / "2021" / "5.md").write_bytes("存在问题".encode("gb18030"))
    with pytest.raises(ParagraphError, match=r"2021/5\.md: not UTF-8"):
        read_paragraph(tmp_path, 2021, "5")
    # A reader of the portal still gets the report, with the section marked as withheld.
    assert build(env.data(), 2021, paragraphs_root=tmp_path).report.sections["5"] == WITHHELD


def test_personal_data_in_an_office_paragraph_is_never_published(env: Env, tmp_path: Path) -> None:
    (tmp_path / "2021").mkdir()
    (tmp_path / "2021" / "1.md").write_text(
        "咨询电话：0431-85001234，邮箱 gk@example.gov.cn。\n"
        "申请人王某（身份证号 １１０１０５１９４９１２３１００２Ｘ）的申请已办结。\n",
        "utf-8",
    )
    with pytest.raises(ParagraphError, match=r"2021/1\.md, line 2: holds a resident ID") as err:
        read_paragraph(tmp_path, 2021, "1")
    assert "１１０１" not in str(err.value) and "110105" not in str(err.value)
    built = build(env.data(), 2021, paragraphs_root=tmp_path)
    assert built.report.sections["1"] == WITHHELD
    assert "110105" not in to_json_bytes(built.as_json()).decode()
    # The office's own phone and mailbox are public contacts: they may stand there.
    (tmp_path / "2021" / "1.md").write_text("咨询电话：0431-85001234，邮箱 gk@example.gov.cn。")
    assert (
        "gk@example.gov.cn"
        in build(env.data(), 2021, paragraphs_root=tmp_path).report.sections["1"]
    )


# -- the derived dataset ---------------------------------------------------------------------------


def test_annual_reports_dataset_holds_the_cells_in_long_form(env: Env) -> None:
    reports = env.csv_rows(DERIVED, "reports")
    assert [int(r["year"]) for r in reports] == years(env)
    assert {r["year"]: r["due_date"] for r in reports}["2018"] == "2019-01-31"
    table3 = env.csv_rows(DERIVED, "table3")
    report = build(env.data(), 2021).report
    for row in (r for r in table3 if r["year"] == "2021"):
        cell = report.cell(F.TABLE3, row["row_code"], row["column_code"])
        assert cell is not None and cell.source is not None
        assert Decimal(row["value"]) == cell.value
        assert row["source_version"] == cell.source.version
        assert row["source_filter"] == cell.source.filter
    sheet = env.csv_rows(DERIVED, "sheet")
    total = [r for r in sheet if r["year"] == "2018" and r["row_code"] == "response.total"]
    assert [Decimal(r["value"]) for r in total] == [37]


# -- deadlines, API and CLI ------------------------------------------------------------------------


def test_status_before_and_after_the_derived_dataset(env: Env) -> None:
    before = {s.year: s for s in env.status_before}
    assert before[2018].due == date(2019, 1, 31)
    assert not before[2018].published and before[2018].overdue
    # Judged on 2026-01-15: the report on 2025 is not yet due (31 January 2026).
    assert not before[2025].published and not before[2025].overdue
    after = {s.year: s for s in report_status(env.data(), date(2026, 6, 1))}
    assert all(after[y].published and not after[y].overdue for y in years(env))
    assert after[2018].version == env.services.catalog.current_version(DERIVED)["id"]  # type: ignore[index]


@pytest.fixture(scope="module")
def client(env: Env) -> Any:
    app = create_app(env.config)
    yield app.test_client()
    services_of(app).close()


def test_api_report_of_a_year(client: Any, env: Env) -> None:
    response = client.get("/api/v1/reports/annual/2018")
    assert response.status_code == 200
    body = response.get_json()
    assert body["report"]["format"] == F.FORMAT_PRE2019 and body["publishable"] is True
    assert body["findings"] == []
    assert body["status"]["due_date"] == "2019-01-31" and body["status"]["published"] is True
    cells = {c["row"]: c for c in body["report"]["tables"]["sheet"]}
    assert cells["response.total"]["value"] == 37
    assert cells["response.total"]["source"]["resource"] == "responses"
    again = client.get("/api/v1/reports/annual/2018")
    assert again.data == response.data and again.headers["ETag"] == response.headers["ETag"]
    assert (
        client.get(
            "/api/v1/reports/annual/2018", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )
    # The same bytes as the CLI's JSON.
    result = CliRunner().invoke(main, ["report", "annual", "--year", "2018"], env=cli_env(env))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["report"] == body["report"]


def test_api_unknown_year_and_bad_parameters(client: Any) -> None:
    missing = client.get("/api/v1/reports/annual/2030")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "unknown_report_year"
    assert client.get("/api/v1/reports/annual/2018?format=x").status_code == 400
    assert client.get("/api/v1/reports/annual/18").status_code == 404


def test_api_status_lists_due_dates(client: Any, env: Env) -> None:
    body = client.get("/api/v1/reports/annual").get_json()
    rows = {r["year"]: r for r in body["years"]}
    for year in years(env):
        assert rows[year]["due_date"] == f"{year + 1}-01-31"
        assert rows[year]["published"] is True and rows[year]["overdue"] is False
        assert rows[year]["url"] == f"/api/v1/reports/annual/{year}"
    today = date.fromisoformat(body["today"])
    assert today.year - 1 in rows  # last year's report is always expected


def cli_env(env: Env) -> dict[str, str]:
    return {
        "OPENDATA_DATABASE_URL": env.config["DATABASE_URL"],
        "OPENDATA_DATASETS_PATH": str(env.services.datasets_root),
        "OPENDATA_INSTANCE_PATH": str(env.root / "instance"),
    }


def test_cli_annual_formats_and_refusals(env: Env, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "2021.html"
    result = runner.invoke(
        main,
        ["report", "annual", "--year", "2021", "--format", "html", "-o", str(out)],
        env=cli_env(env),
    )
    assert result.exit_code == 0, result.output
    assert "主动公开政府信息共计" in out.read_text("utf-8")
    docx = runner.invoke(
        main, ["report", "annual", "--year", "2021", "--format", "docx"], env=cli_env(env)
    )
    assert docx.exit_code != 0 and "-o" in docx.output
    none = runner.invoke(main, ["report", "annual", "--year", "2030"], env=cli_env(env))
    assert none.exit_code != 0 and "no published data for an annual report on 2030" in none.output


def test_cli_status(env: Env) -> None:
    result = CliRunner().invoke(main, ["report", "status"], env=cli_env(env))
    assert result.exit_code == 0, result.output
    assert "2018  2019-01-31  yes" in result.output
    as_json = CliRunner().invoke(main, ["report", "status", "--json"], env=cli_env(env))
    years_json = {r["year"]: r for r in json.loads(as_json.stdout)["years"]}
    assert years_json[2021]["due_date"] == "2022-01-31" and years_json[2021]["published"]


def _values(report_json: dict[str, Any]) -> dict[str, list[tuple[str, str, Any]]]:
    return {
        table: [(c["row"], c["column"], c["value"]) for c in cells]
        for table, cells in report_json["tables"].items()
    }


@pytest.mark.postgres
def test_the_same_report_and_endpoint_on_postgresql(
    env: Env, postgres_url: str, tmp_path: Path
) -> None:
    needed = ["disclosure_catalog", "disclosure_requests"]
    config = load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": postgres_url,
            "SOURCES_ENABLED": needed,
        },
        environ={},
    )
    services = Services.from_config(config)
    try:
        for name in needed:
            assert refresh(services, name).status is RunStatus.PUBLISHED
        on_pg = build(CatalogData(services.catalog, services.datasets_root), 2018)
        assert not on_pg.findings
        assert _values(on_pg.report.as_json()) == _values(build(env.data(), 2018).report.as_json())
        app = create_app(config)
        response = app.test_client().get("/api/v1/reports/annual/2018")
        assert response.status_code == 200
        assert response.get_json()["report"]["built_from"] == on_pg.report.built_from
        assert response.get_json()["status"]["published"] is False  # annual_reports not refreshed
        services_of(app).close()
    finally:
        services.close()


def test_a_year_not_yet_ended_breaks_d1_and_is_refused(tmp_path: Path) -> None:
    """Data for the current year gives a report dated before the year ends: D1, not written."""
    sample = Path(
        importlib.import_module("opendata_disclosure_requests").sample_register()  # type: ignore[attr-defined]
    )
    register = tmp_path / "register.csv"
    # An application of this year (UTC, as version ids are), still open.
    year = datetime.now(UTC).year
    line = f"YSQ-{year}-901,{year}-01-01,网络,商业企业,某建设公司,,,,,申请公开项目批复,否,,,,,\n"
    register.write_text(sample.read_text("utf-8-sig") + line, "utf-8-sig")
    config = load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}",
            "SOURCES_ENABLED": ["disclosure_requests"],
            "SOURCES": {"disclosure_requests": {"register_path": str(register)}},
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    try:
        result = refresh(services, "disclosure_requests")
        assert result.status is RunStatus.PUBLISHED, result.error
        version = services.catalog.current_version("disclosure_requests")["id"]  # type: ignore[index]
        built = build(CatalogData(services.catalog, services.datasets_root), year)
        assert [f.rule for f in built.errors] == ["D1"]
        assert (
            built.report.date is not None
            and built.report.date.isoformat().replace("-", "") == version[:8]
        )
        env = {
            "OPENDATA_DATABASE_URL": config["DATABASE_URL"],
            "OPENDATA_DATASETS_PATH": str(tmp_path / "datasets"),
            "OPENDATA_INSTANCE_PATH": str(tmp_path / "instance"),
            "OPENDATA_SOURCES_ENABLED": '["disclosure_requests"]',
        }
        out = tmp_path / f"{year}.json"
        cli = CliRunner().invoke(
            main, ["report", "annual", "--year", str(year), "-o", str(out)], env=env
        )
        assert cli.exit_code == 1
        assert "error D1" in cli.output and "not written" in cli.output
        assert not out.exists()
    finally:
        services.close()


def test_row_cache_is_keyed_by_version_and_bounded(env: Env) -> None:
    cache = RowCache(max_entries=2)

    def data() -> CatalogData:
        return CatalogData(env.services.catalog, env.services.datasets_root, cache)

    first = data().rows("disclosure_catalog", "responses")
    assert data().rows("disclosure_catalog", "responses") is first  # read once per version
    version = env.services.catalog.current_version("disclosure_catalog")["id"]  # type: ignore[index]
    assert cache.get(("disclosure_catalog", version, "responses")) is first
    assert cache.get(("disclosure_catalog", "20000101T000000000000Z", "responses")) is None
    data().rows("disclosure_requests", "annual_table3")
    data().rows("disclosure_requests", "annual_summary")
    assert cache.get(("disclosure_catalog", version, "responses")) is None  # the oldest went
    assert to_json_bytes(build(data(), 2021).as_json()) == to_json_bytes(
        build(env.data(), 2021).as_json()
    )
