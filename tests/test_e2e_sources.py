"""End to end over the five built-in sources: the founding report's 2018 figures come out of the
published data, and data planted in every origin that must stay private never reaches a
published byte."""

from __future__ import annotations

import csv
import importlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from personal_forms import Written, every_personal_form, every_public_form
from planting import (
    leaks,
    leaks_in_bytes,
    origin_text,
    report_leaks,
    served_files,
    served_responses,
    services_for,
)

from opendata.pipeline.refresh import ErrorKind, RunResult, RunStatus, refresh
from opendata.services import Services
from opendata.sources.discovery import refresh_order
from opendata.sources.sync import registry_of
from opendata.testing import find_published, prepare_database

BUILT_IN = [
    "disclosure_catalog",
    "service_hall",
    "archive_room",
    "fiscal_data",
    "disclosure_requests",
]
MARKERS = ["11010519491231002X", "13912345678", "王秘密", "绝密测试记录"]


def rows(services: Services, dataset: str, resource: str) -> list[dict[str, str]]:
    current = services.catalog.current_version(dataset)
    assert current is not None, f"{dataset} has no published version"
    with (services.version_dir(dataset, current["id"]) / f"{resource}.csv").open(
        encoding="utf-8"
    ) as fh:
        return list(csv.DictReader(fh))


def refresh_all(config: dict[str, Any], options: dict[str, Any] | None = None) -> Services:
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(
        {**config, "SOURCES_ENABLED": BUILT_IN, "SOURCES": options or {}}
    )
    assert not registry_of(services).refused, {
        k: str(v) for k, v in registry_of(services).refused.items()
    }
    for name in refresh_order(registry_of(services).sources):
        result = refresh(services, name)
        assert result.status is RunStatus.PUBLISHED, f"{name}: {result.error}"
    return services


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Services:
    root = tmp_path_factory.mktemp("e2e")
    config = {
        "INSTANCE_PATH": str(root / "instance"),
        "DATASETS_PATH": str(root / "datasets"),
        "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
    }
    from opendata.config import load_config

    return refresh_all(load_config(config, environ={}))


def test_proactive_publications_of_2018_by_channel(published: Services) -> None:
    pubs = [
        r
        for r in rows(published, "disclosure_catalog", "publications")
        if r["published"].startswith("2018")
    ]
    by_channel = Counter(r["channel"] for r in pubs)
    assert len(pubs) == 2790
    assert by_channel["政务公开网"] == 302
    assert by_channel["门户网站"] == 521
    assert by_channel["微信公众号"] == 963
    assert (
        len(pubs) - by_channel["政务公开网"] - by_channel["门户网站"] - by_channel["微信公众号"]
        == 1004
    )


def test_responses_of_2018_by_method(published: Services) -> None:
    responses = [
        r
        for r in rows(published, "disclosure_catalog", "responses")
        if r["date"].startswith("2018")
    ]
    by_method = Counter(r["method"] for r in responses)
    assert len(responses) == 37
    assert (by_method["政策解读稿件"], by_method["微博微信"], by_method["其他"]) == (10, 17, 8)
    # the two the report's prose omits: 37 - 35
    assert by_method["新闻发布会"] + by_method["在线访谈"] == 2


def test_requests_of_2018(published: Services) -> None:
    summary = {r["year"]: r for r in rows(published, "disclosure_requests", "annual_summary")}
    year = summary["2018"]
    assert (int(year["received"]), int(year["completed"])) == (2, 2)
    assert float(year["fee_total"]) == 0


def test_archive_room_lookups_of_2017(published: Services) -> None:
    lookups = [r for r in rows(published, "archive_room", "lookups_monthly") if r["year"] == "2017"]
    assert sum(int(r["lookups"]) for r in lookups) >= 140
    assert sum(float(r["fee"] or 0) for r in lookups) == 0


def test_service_hall_items(published: Services) -> None:
    items = rows(published, "service_hall", "items")
    names = {r["item_name"] for r in items}
    assert len(items) >= 15
    assert {"企业投资项目备案", "建设工程规划许可证核发"} <= names
    assert any(r["item_type_original"] == "非行政许可审批" for r in items)


def test_fiscal_final_account_tables(published: Services) -> None:
    notes = [r for r in rows(published, "fiscal_data", "table_notes") if r["year"] == "2018"]
    names = {r["table_name"] for r in notes}
    for table in [
        "收入支出决算总表",
        "收入决算表",
        "支出决算表",
        "财政拨款收入支出决算总表",
        "一般公共预算财政拨款支出决算表",
        "一般公共预算财政拨款基本支出决算表",
        "政府性基金预算财政拨款收入支出决算表",
        "国有资本经营预算财政拨款支出决算表",
    ]:
        assert table in names, table
    assert any("三公" in n for n in names)
    empty = [r for r in notes if r["is_empty"] == "true"]
    assert empty and all(r["note"] for r in empty)


def spread(samplegen: Any, values: list[Written]) -> list[tuple[str, str, str]]:
    """Every value once, dealt in turn over every place of the origin that is never published."""
    places = [(r, f) for r, fields in samplegen.UNPUBLISHED_PLANTABLE.items() for f in fields]
    return [(*places[i % len(places)], "；" + w.text) for i, w in enumerate(values)]


def test_planted_private_data_reaches_no_published_byte(tmp_path: Path) -> None:
    # Besides the fixed markers, every written form of personal data (issue 11, item 1), with
    # fresh values, in every private column, withheld entry and register of every origin
    # format: GB18030 CSV and XLSX (disclosure_catalog), JSON API (service_hall), SQL database
    # (archive_room), XLSX tables (fiscal_data), Excel CSV (disclosure_requests).
    written = every_personal_form(seed=11)
    options = {}
    for name in BUILT_IN:
        samplegen = importlib.import_module(f"opendata_{name}.samplegen")
        planted = spread(samplegen, written)
        origin = samplegen.write_origin(tmp_path / "origins" / name, plant=True, planted=planted)
        held = origin_text(tmp_path / "origins" / name)
        assert all(text.strip() in held for _r, _f, text in planted), name
        options[name] = origin
    from opendata.config import load_config

    config = load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}",
        },
        environ={},
    )
    services = refresh_all(config, options)
    published = [p for p in (tmp_path / "datasets").rglob("*") if p.is_file()]
    assert len(published) >= 5 * 3
    assert not find_published(published, MARKERS)
    assert not leaks(served_files(tmp_path), written)
    assert not report_leaks(services, written)
    # Every surface a reader gets: downloads, rows, CKAN search and dumps, portal, run reports.
    from opendata.app import create_app

    client = create_app(config).test_client()
    served = list(served_responses(client, services))
    assert len(served) > 100
    for url, body in served:
        assert not leaks_in_bytes(body, written), url
        assert not [m for m in MARKERS if m.encode() in body], url
    # run reports are served too
    for run in services.catalog.runs(limit=100):
        text = json.dumps(services.catalog.run(run["id"]), default=str, ensure_ascii=False)
        for marker in MARKERS:
            assert marker not in text, f"{marker} in the report of run {run['id']}"
    # the policy had something to do in every origin (each plugin's own tests check that the
    # markers are really planted in its origin files)
    # (archive_room and disclosure_requests publish aggregates only: they never select the
    # registers' personal columns, so the core has nothing left to withhold or drop)
    for name in ("disclosure_catalog", "service_hall", "fiscal_data"):
        run = services.catalog.last_run(name)
        assert run["withheld"] or run["dropped_fields"], name


@pytest.mark.parametrize("name", BUILT_IN)
def test_published_packages_pass_frictionless_unchanged(published: Services, name: str) -> None:
    from frictionless import Package

    current = published.catalog.current_version(name)
    assert current is not None
    descriptor = published.version_dir(name, current["id"]) / "datapackage.json"
    report = Package(str(descriptor)).validate()
    assert report.valid, report.flatten(
        ["resourceName", "rowNumber", "fieldName", "type", "message"]
    )


#: One published text field per origin format for the written-forms canary, and how many
#: values a run plants there, each into its own row (the fee list has 13 rows, the service
#: hall 17 items; a run reports up to 100 personal-data rows).
ORIGIN_FORMATS = {
    "GB18030 CSV": ("disclosure_catalog", "entries", "summary", 60),
    "XLSX ledger": ("disclosure_catalog", "responses", "topic", 60),
    "XLSX tables": ("fiscal_data", "fees", "remarks", 13),
    "SQL database": ("archive_room", "catalogue", "title", 60),
    "JSON API": ("service_hall", "items", "conditions", 17),
}
#: Public identifiers follow a neutral phrase longer than the detectors' 16-character window,
#: so that words of the origin's own text cannot decide for them.
NEUTRAL = "；以下编号和数字均为依法公开的信息内容："


def _tag(i: int) -> str:
    return f"〔第{i:02d}例〕"


def _refresh_planted(
    root: Path, source: str, resource: str, field: str, texts: list[str]
) -> tuple[Services, RunResult]:
    samplegen = importlib.import_module(f"opendata_{source}.samplegen")
    origin = root / "origins" / source
    planted = [(resource, field, _tag(i) + text) for i, text in enumerate(texts)]
    options = {source: samplegen.write_origin(origin, planted=planted)}
    held = origin_text(origin)
    assert all(text.strip() in held for _r, _f, text in planted)
    services = services_for(root, options, [source])
    return services, refresh(services, source)


def _cells_by_tag(
    services: Services, source: str, resource: str, field: str
) -> dict[int, tuple[int, str]]:
    """``{tag number: (CSV row number, header = 1; published cell)}``."""
    found: dict[int, tuple[int, str]] = {}
    for number, row in enumerate(rows(services, source, resource), start=2):
        tag = re.search(r"〔第(\d+)例〕", row[field])
        if tag:
            found[int(tag.group(1))] = (number, row[field])
    return found


@pytest.mark.parametrize("origin_format", list(ORIGIN_FORMATS))
def test_every_written_form_fails_the_run_in_every_origin_format(
    tmp_path: Path, origin_format: str
) -> None:
    """Issue 11, item 6: each written form of each kind, planted into a published field of an
    origin of each format, is caught on its own row, and none reaches a byte a reader gets."""
    source, resource, field, per_run = ORIGIN_FORMATS[origin_format]
    public = every_public_form(seed=6)
    personal = every_personal_form(seed=6)
    # Public look-alikes publish, and tell which CSV row each tag lands in (tags beyond the
    # public values carry a plain filler, so that every tag a personal run uses has its row).
    texts = [NEUTRAL + w.text for w in public]
    texts += ["；公开"] * (min(per_run, len(personal)) - len(texts))
    tag_rows: dict[int, int] = {}
    for start in range(0, len(texts), per_run):
        services, result = _refresh_planted(
            tmp_path, source, resource, field, texts[start : start + per_run]
        )
        assert result.status is RunStatus.PUBLISHED, f"{origin_format}: {result.error}"
        cells = _cells_by_tag(services, source, resource, field)
        for i, w in enumerate(public[start : start + per_run]):
            spellings = (w.written, unicodedata.normalize("NFKC", w.written))
            _row, cell = cells.get(i, (0, ""))
            assert any(s in cell for s in spellings), f"{w.label} not published"
        tag_rows.update({i: row for i, (row, _cell) in cells.items()})
        services.close()
    assert sorted(tag_rows) == list(range(min(per_run, len(texts))))
    # Every personal form fails the run on its own row.
    before = sorted(p for p in served_files(tmp_path) if "datasets" in p.parts)
    for start in range(0, len(personal), per_run):
        chunk = personal[start : start + per_run]
        services, result = _refresh_planted(
            tmp_path, source, resource, field, ["；" + w.text for w in chunk]
        )
        try:
            assert result.status is RunStatus.FAILED, f"{origin_format}: {result.status}"
            assert result.error_kind is ErrorKind.POLICY, result.error
            flagged = {
                e["row"]
                for e in (result.report or {}).get("errors", [])
                if (e["type"], e["resource"], e["field"]) == ("personal-data", resource, field)
            }
            missed = [w.label for i, w in enumerate(chunk) if tag_rows[i] not in flagged]
            assert not missed, f"{origin_format}: not caught: {missed}"
            assert sorted(p for p in served_files(tmp_path) if "datasets" in p.parts) == before
            assert not leaks(served_files(tmp_path), chunk)
            assert not report_leaks(services, chunk)
        finally:
            services.close()
