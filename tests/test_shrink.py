"""The shrink guard: a refresh that would empty a resource, or lose more than the allowed share of
its rows, fails with ``shrink`` and publishes nothing, unless the operator allows it.

The built-in sources are refreshed from their generated sample origins, then from a header-only
(or otherwise empty) copy of each origin format: GB18030 CSV, XLSX workbooks, the archive room's
SQLite database and the service platform's recorded JSON API.
"""

from __future__ import annotations

import csv
import importlib
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from example_sources import ExampleCatalog
from openpyxl.cell.cell import MergedCell
from sqlalchemy import create_engine, select, text

from opendata.cli import main
from opendata.config import ConfigError, load_config
from opendata.pipeline.refresh import ErrorKind, RunStatus, refresh
from opendata.pipeline.shrink import ShrinkPolicy, shrunk
from opendata.plugin import PluginValidationError
from opendata.read.published import PublishedReader
from opendata.scheduler import jobs
from opendata.scheduler.runner import Runner
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.sources.discovery import load_config as load_source_config
from opendata.sources.sync import registry_of
from opendata.store import db, refresh_queue
from opendata.testing import prepare_database

BUILT_IN = [
    "disclosure_catalog",
    "service_hall",
    "archive_room",
    "fiscal_data",
    "disclosure_requests",
]


# -- the rule itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "fraction", "stopped"),
    [
        (516, 258, 0.5, False),  # exactly half lost: allowed
        (516, 257, 0.5, True),  # one row more: stopped
        (516, 0, 0.5, True),
        (516, 0, 1.0, True),  # emptying is stopped whatever the fraction
        (516, 1, 1.0, False),
        (100, 43, 0.57, False),  # 0.57 as written, not as a float (57 lost is allowed)
        (100, 42, 0.57, True),
        (10, 9, 0.0, True),  # fraction 0: any loss is stopped
        (10, 10, 0.0, False),
        (10, 11, 0.5, False),  # growth is never a shrink
        (0, 0, 0.5, False),  # nothing to lose
    ],
)
def test_fraction_boundary(before: int, after: int, fraction: float, stopped: bool) -> None:
    found = shrunk({"r": before}, {"r": after}, fraction)
    assert bool(found) is stopped
    if stopped:
        assert (found[0].resource, found[0].before, found[0].after) == ("r", before, after)


def test_a_resource_the_run_no_longer_yields_counts_as_emptied() -> None:
    found = shrunk({"gone": 7, "kept": 5, "new_empty": 0}, {"kept": 5, "added": 3}, 0.5)
    assert [(s.resource, s.before, s.after) for s in found] == [("gone", 7, 0)]
    assert "gone: 7 rows now, 0 in this run" in found[0].describe()


def test_source_options_win_over_the_global_fraction() -> None:
    config = {"SHRINK_FRACTION": 0.2}
    assert ShrinkPolicy.for_source(config, {}, allow=False) == ShrinkPolicy(0.2, False)
    own = {"shrink_fraction": 0.9, "allow_shrink": False}
    assert ShrinkPolicy.for_source(config, own, allow=False) == ShrinkPolicy(0.9, False)
    assert ShrinkPolicy.for_source(config, {"allow_shrink": True}, allow=False).allowed
    assert ShrinkPolicy.for_source(config, {}, allow=True).allowed


def test_bad_fractions_are_refused_with_the_option_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"SHRINK_FRACTION = 1\.5 .*a number from 0 to 1"):
        load_config({"INSTANCE_PATH": str(tmp_path), "SHRINK_FRACTION": 1.5}, environ={})
    with pytest.raises(ConfigError, match="OPENDATA_SHRINK_FRACTION"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ={"OPENDATA_SHRINK_FRACTION": "x"})
    with pytest.raises(PluginValidationError, match="shrink_fraction"):
        load_source_config(ExampleCatalog, {"shrink_fraction": 2})
    loaded = load_source_config(ExampleCatalog, {"allow_shrink": True, "shrink_fraction": 0.8})
    assert loaded["allow_shrink"] is True and loaded["shrink_fraction"] == 0.8


# -- a refresh through the pipeline -----------------------------------------------------------


@pytest.fixture
def example(make_services: Any, database_url: str) -> Any:
    """``example(rows=…, …)``: services over one database whose example source has those options."""

    def factory(**options: Any) -> Services:
        services: Services = make_services(
            ExampleCatalog, options={"example_catalog": options}, DATABASE_URL=database_url
        )
        return services

    return factory


def published_count(services: Services, dataset: str, resource: str) -> int:
    current = services.catalog.current_version(dataset)
    assert current is not None
    path = services.version_dir(dataset, current["id"]) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_shrink_past_the_fraction_fails_and_publishes_nothing(example: Any) -> None:
    first = refresh(example(rows=20), "example_catalog")
    assert first.status is RunStatus.PUBLISHED and first.rows == {"entries": 18, "channels": 18}
    # 9 of 18 kept: exactly half lost, which the default 0.5 allows.
    half = refresh(example(rows=9), "example_catalog")
    assert half.status is RunStatus.PUBLISHED, half.error
    assert half.rows == {"entries": 9, "channels": 9}
    # 4 of 9 kept: 5 lost, more than half.
    services = example(rows=4)
    failed = refresh(services, "example_catalog")
    assert failed.status is RunStatus.FAILED and failed.error_kind is ErrorKind.SHRINK
    assert not failed.retryable
    assert failed.error is not None
    assert "channels: 9 rows now, 4 in this run" in failed.error
    assert "entries: 9 rows now, 4 in this run" in failed.error
    assert "--allow-shrink" in failed.error
    assert services.catalog.current_version("example_catalog")["id"] == half.version
    assert published_count(services, "example_catalog", "entries") == 9
    table = services.catalog.datastore_table(half.version, "entries")
    assert table is not None and table["row_count"] == 9
    assert len(services.catalog.versions("example_catalog")) == 2
    run = services.catalog.run(failed.run_id)
    assert run["status"] == "failed" and run["error_kind"] == "shrink"
    assert run["rows"] == {"entries": 4, "channels": 4}
    folder = services.datasets_root / "example_catalog"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_allowed_for_one_run_or_by_the_source_options(example: Any) -> None:
    assert refresh(example(rows=20), "example_catalog").status is RunStatus.PUBLISHED
    allowed = refresh(example(rows=3), "example_catalog", allow_shrink=True)
    assert allowed.status is RunStatus.PUBLISHED, allowed.error
    assert allowed.rows == {"entries": 3, "channels": 3}
    assert any(w.startswith("shrink allowed: entries: 18 rows now, 3") for w in allowed.warnings)
    services = example(rows=3)
    assert services.catalog.run(allowed.run_id)["warnings"] == list(allowed.warnings)
    # The permission was for that run only.
    assert refresh(example(rows=1), "example_catalog").error_kind is ErrorKind.SHRINK
    by_config = refresh(example(rows=1, allow_shrink=True), "example_catalog")
    assert by_config.status is RunStatus.PUBLISHED, by_config.error
    # A source's own fraction: 0 stops any loss, 1 lets all but emptying through.
    assert refresh(example(rows=20), "example_catalog").status is RunStatus.PUBLISHED
    stopped = refresh(example(rows=18, shrink_fraction=0.0), "example_catalog")
    assert stopped.error_kind is ErrorKind.SHRINK
    assert "entries: 18 rows now, 17 in this run" in (stopped.error or "")
    lenient = refresh(example(rows=1, shrink_fraction=1.0), "example_catalog")
    assert lenient.status is RunStatus.PUBLISHED, lenient.error
    emptied = refresh(example(rows=0, shrink_fraction=1.0), "example_catalog")
    assert emptied.error_kind is ErrorKind.SHRINK
    assert "entries: 1 rows now, 0 in this run (emptied)" in (emptied.error or "")


def test_the_global_fraction_applies_to_every_source(make_services: Any) -> None:
    def services(rows: int) -> Services:
        svc: Services = make_services(
            ExampleCatalog, options={"example_catalog": {"rows": rows}}, SHRINK_FRACTION=0.9
        )
        return svc

    assert refresh(services(20), "example_catalog").status is RunStatus.PUBLISHED
    assert refresh(services(3), "example_catalog").status is RunStatus.PUBLISHED  # 15 of 18 lost
    assert refresh(services(0), "example_catalog").error_kind is ErrorKind.SHRINK


# -- the operator's ways to allow it ----------------------------------------------------------


def test_cli_allow_shrink(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("INSTANCE_PATH", "DATASETS_PATH", "DATABASE_URL"):
        monkeypatch.setenv(f"OPENDATA_{key}", config[key])
    monkeypatch.delenv("OPENDATA_CONFIG", raising=False)
    monkeypatch.setenv("OPENDATA_SOURCES_EXTRA", '["example_sources:ExampleCatalog"]')
    monkeypatch.setenv("OPENDATA_SOURCES_ENABLED", '["example_catalog"]')
    monkeypatch.setenv("OPENDATA_SOURCES__EXAMPLE_CATALOG__ROWS", "20")
    assert CliRunner().invoke(main, ["refresh", "example_catalog"]).exit_code == 0
    monkeypatch.setenv("OPENDATA_SOURCES__EXAMPLE_CATALOG__ROWS", "0")
    failed = CliRunner().invoke(main, ["refresh", "example_catalog"])
    assert failed.exit_code == 1, failed.output
    assert "shrink: example_catalog would shrink" in failed.output
    assert "entries: 18 rows now, 0 in this run" in failed.output
    allowed = CliRunner().invoke(main, ["refresh", "example_catalog", "--allow-shrink"])
    assert allowed.exit_code == 0, allowed.output
    assert "published" in allowed.output and "warning: shrink allowed" in allowed.output


def _app(tmp_path: Path) -> Any:
    from scheduler_kit import config_for, make_app

    return make_app(config_for(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"))


def test_api_queues_the_flag_after_the_token_check(tmp_path: Path) -> None:
    from opendata.auth import create_token

    app = _app(tmp_path)
    services: Services = app.extensions["opendata"]
    token = create_token(services.engine, "ops")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/datasets/example_catalog/refresh"
    # Without a token a body is not even read.
    assert client.post(url, json={"allow_shrink": "maybe"}).status_code == 401
    plain = client.post(url, headers=auth)
    assert plain.status_code == 202 and plain.get_json()["allow_shrink"] is False
    allowed = client.post(url, headers=auth, json={"allow_shrink": True})
    assert allowed.status_code == 202 and allowed.get_json()["allow_shrink"] is True
    everything = client.post("/api/v1/refresh", headers=auth, json={"allow_shrink": True})
    assert everything.status_code == 202 and everything.get_json()["allow_shrink"] is True
    bad = client.post(url, headers=auth, json={"allow_shrink": "maybe"})
    assert bad.status_code == 422 and "allow_shrink" in bad.get_json()["error"]["message"]
    unknown = client.post(url, headers=auth, json={"allow_shrinking": True})
    assert (
        unknown.status_code == 422 and "allow_shrinking" in unknown.get_json()["error"]["message"]
    )
    not_object = client.post(url, headers=auth, data="[true]", content_type="application/json")
    assert not_object.status_code == 400
    claimed = refresh_queue.claim(services.engine)
    assert [(r.dataset, r.allow_shrink) for r in claimed] == [
        ("example_catalog", False),
        ("example_catalog", True),
        (None, True),
    ]
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/datasets/{name}/refresh"]["post"]["requestBody"]
    assert "allow_shrink" in json.dumps(body) or "RefreshOptions" in json.dumps(body)


def test_scheduler_carries_the_flag_from_the_queue_to_the_run(example: Any) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    assert refresh(example(rows=20), "example_catalog").status is RunStatus.PUBLISHED
    services = example(rows=2)
    settings = SchedulerSettings.from_config(services.config)
    runtime = jobs.Runtime(services, settings, BackgroundScheduler(), "test-holder")
    jobs.bind(runtime)
    try:
        refresh_queue.enqueue(services.engine, "example_catalog", "ops")
        jobs.poll_requests()
        last = services.catalog.last_run("example_catalog")
        assert last["status"] == "failed" and last["error_kind"] == "shrink"
        refresh_queue.enqueue(services.engine, "example_catalog", "ops", allow_shrink=True)
        jobs.poll_requests()
        last = services.catalog.last_run("example_catalog")
        assert last["status"] == "published", last["error"]
        assert last["rows"] == {"entries": 2, "channels": 2}
    finally:
        jobs.bind(None)


def test_a_retry_of_an_allowed_run_stays_allowed(example: Any) -> None:
    asked: list[tuple[Any, ...]] = []
    services = example(mode="transient")
    runner = Runner(
        services,
        SchedulerSettings.from_config(services.config),
        lambda *a, **kw: asked.append((*a, kw)),
    )
    runner.run_batch(["example_catalog"], trigger="api", allow_shrink={"example_catalog"})
    runner.run_batch(["example_catalog"], trigger="api")
    assert [a[-1] for a in asked] == [{"allow_shrink": True}, {}]


def test_a_database_from_before_the_flag_keeps_working(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE od_refresh_requests (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "dataset VARCHAR(64), requested DATETIME NOT NULL, "
                "requested_by VARCHAR(64) NOT NULL, picked DATETIME)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO od_refresh_requests (dataset, requested, requested_by) "
                "VALUES ('example_catalog', '2026-11-30 10:00:00', 'ops')"
            )
        )
    db.init_db(engine)
    db.init_db(engine)  # twice: the column is added once
    old = refresh_queue.claim(engine)
    assert [(r.dataset, r.allow_shrink) for r in old] == [("example_catalog", False)]
    refresh_queue.enqueue(engine, "example_catalog", "ops", allow_shrink=True)
    assert [r.allow_shrink for r in refresh_queue.claim(engine)] == [True]
    with engine.connect() as conn:
        assert conn.execute(select(db.refresh_requests.c.allow_shrink)).scalars().all() == [
            None,
            True,
        ]
    engine.dispose()


# -- the built-in sources, from header-only origins ------------------------------------------


def _first_line_only(source: Path, dest: Path) -> Path:
    """A CSV export with its header and no record (the bytes as written: GB18030, a BOM…)."""
    data = source.read_bytes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data[: data.index(b"\n") + 1])
    assert dest.stat().st_size > 10  # a real header is kept
    return dest


def _ledger_headings_only(source: Path, dest: Path) -> Path:
    """The responses ledger with its title and heading rows and nothing under them."""
    book = openpyxl.load_workbook(source)
    ws = book.worksheets[0]
    heading = next(
        c.row for row in ws.iter_rows() for c in row if str(c.value).strip() == "回应日期"
    )
    ws.delete_rows(heading + 1, ws.max_row)
    dest.parent.mkdir(parents=True, exist_ok=True)
    book.save(dest)
    return dest


def _tables_without_data(source: Path, dest: Path) -> Path:
    """A finance workbook whose tables keep title, header and footer but no data row.

    The data rows are found with the plugin's own reader, so only they are cleared.
    """
    from opendata_fiscal_data.catalogue import BUDGETS, FINAL_ACCOUNTS
    from opendata_fiscal_data.fees import TITLE
    from opendata_fiscal_data.xlsxtable import Grid, find_title, read_table

    kinds = {k.name: k.anchors for k in (*FINAL_ACCOUNTS, *BUDGETS)}
    kinds[TITLE] = ("序号", "项目名称", "资金管理方式")
    book = openpyxl.load_workbook(source)
    cleared = 0
    for ws in book.worksheets:
        grid = Grid(ws, source.name)
        hit = find_title(grid, list(kinds))
        if hit is None or ws.title == "目录":
            continue
        table = read_table(grid, hit[0], hit[2], kinds[hit[2]], need_unit=hit[2] != TITLE)
        for row, data in table.rows:
            for col in data:
                cell = ws.cell(row, col)
                if not isinstance(cell, MergedCell):
                    cell.value = None
                    cleared += 1
    assert cleared
    dest.parent.mkdir(parents=True, exist_ok=True)
    book.save(dest)
    return dest


def header_only(name: str, origin: dict[str, Any], dest: Path) -> dict[str, Any]:
    """The source config of an origin that has its layout but no record."""
    empty = dict(origin)
    if name == "disclosure_catalog":
        empty["catalog_csv"] = str(_first_line_only(Path(origin["catalog_csv"]), dest / "c.csv"))
        empty["responses_xlsx"] = str(
            _ledger_headings_only(Path(origin["responses_xlsx"]), dest / "r.xlsx")
        )
    elif name == "disclosure_requests":
        path = Path(origin["register_path"])
        empty["register_path"] = str(_first_line_only(path, dest / path.name))
    elif name == "fiscal_data":
        for key in ("final_accounts_xlsx", "budget_xlsx", "fees_xlsx"):
            path = Path(origin[key])
            empty[key] = str(_tables_without_data(path, dest / path.name))
    elif name == "archive_room":
        path = dest / "archive.sqlite"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(origin["database_url"].removeprefix("sqlite:///"), path)
        with sqlite3.connect(path) as conn:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                conn.execute(f'DELETE FROM "{table}"')
        empty["database_url"] = f"sqlite:///{path}"
    elif name == "service_hall":
        page = dest / "api" / "items" / "page=1&pageSize=10.json"
        page.parent.mkdir(parents=True)
        envelope = {"code": 200, "msg": "success", "data": {"total": 0, "pageSize": 10, "list": []}}
        page.write_text(json.dumps(envelope), encoding="utf-8")
        empty["recorded_dir"] = str(dest / "api")
    else:
        raise AssertionError(f"no header-only origin for {name}")
    return empty


def _services(root: Path, name: str, origin: dict[str, Any]) -> Services:
    config = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
            "SOURCES_ENABLED": [name],
            "SOURCES": {name: origin},
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    assert not registry_of(services).refused, registry_of(services).refused
    return services


@pytest.mark.parametrize("name", BUILT_IN)
def test_header_only_origin_of_each_built_in_source(name: str, tmp_path: Path) -> None:
    samplegen = importlib.import_module(f"opendata_{name}.samplegen")
    origin = samplegen.write_origin(tmp_path / "origin")
    good = _services(tmp_path, name, origin)
    first = refresh(good, name)
    assert first.status is RunStatus.PUBLISHED, first.error
    good.close()

    services = _services(tmp_path, name, header_only(name, origin, tmp_path / "empty"))
    failed = refresh(services, name)
    assert failed.status is RunStatus.FAILED, failed.error
    assert failed.error_kind is ErrorKind.SHRINK, failed.error
    emptied = [r for r, n in first.rows.items() if n > 0 and not failed.rows.get(r)]
    assert emptied, (first.rows, failed.rows)
    for resource in emptied:
        assert f"{resource}: {first.rows[resource]} rows now, 0 in this run" in (failed.error or "")
    # The current version still serves every row it had: files, datastore and the reader.
    assert services.catalog.current_version(name)["id"] == first.version
    for resource, count in first.rows.items():
        assert published_count(services, name, resource) == count, resource
        table = services.catalog.datastore_table(first.version, resource)
        assert table is not None and table["row_count"] == count, resource
        assert sum(1 for _ in PublishedReader(services).rows(name, resource)) == count, resource

    allowed = refresh(services, name, allow_shrink=True)
    assert allowed.status is RunStatus.PUBLISHED, allowed.error
    assert services.catalog.current_version(name)["id"] == allowed.version
    for resource in emptied:
        assert published_count(services, name, resource) == 0
        assert any(w.startswith(f"shrink allowed: {resource}: ") for w in allowed.warnings)
    services.close()


def test_a_stopped_run_leaves_no_preloaded_table_behind(make_services: Any) -> None:
    # Past 20,000 rows a child process fills the datastore table while build writes; a run the
    # guard stops must drop that table as every other failed run does.
    def services(rows: int, **options: Any) -> Services:
        svc: Services = make_services(
            ExampleCatalog, options={"example_catalog": {"rows": rows, **options}}
        )
        return svc

    first = refresh(services(25_000), "example_catalog")
    assert first.status is RunStatus.PUBLISHED and first.rows["entries"] == 22_500
    svc = services(24_000, shrink_fraction=0.0)
    stopped = refresh(svc, "example_catalog")
    assert stopped.error_kind is ErrorKind.SHRINK
    assert stopped.rows["entries"] == 21_600  # past the preload threshold
    registered = svc.catalog.datastore_tables_of("example_catalog")
    assert {t["version"] for t in registered} == {first.version}
    assert svc.catalog.pending_tables("example_catalog") == []
    with svc.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
        row_tables = {n for n in names if re.fullmatch(r"ods_[0-9a-f]{20}", n)}
    # The stopped run's table (its name derives from its version) is gone; the current stays.
    assert row_tables == {t["table_name"] for t in registered}
