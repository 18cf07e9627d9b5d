"""opendata check: each kind of mismatch planted is found, --repair fixes what it can without
losing a published version, and the repaired deployment serves what it served before."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from example_sources import ExampleCatalog
from flask import Flask
from sqlalchemy import delete, text, update

from opendata.app import create_app, services_of
from opendata.check.cli import run_check
from opendata.cli import main
from opendata.pipeline.publish import write_marker
from opendata.pipeline.refresh import refresh
from opendata.services import Services
from opendata.sources.sync import sync
from opendata.store import datastore, db
from opendata.store.catalog import DatasetMeta
from opendata.store.leases import lease

NAME = "example_catalog"
GHOST_VERSION = "20990101T000000000000Z"


@pytest.fixture
def deployment(make_services: Any, database_url: str) -> Iterator[Services]:
    """Two published versions of the example catalogue (a revision between them)."""
    svc = make_services(ExampleCatalog, DATABASE_URL=database_url, options={NAME: {"rows": 40}})
    sync(svc)
    assert refresh(svc, NAME).ok
    svc.registry = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options={NAME: {"rows": 40, "revision": 1}}
    ).registry
    assert refresh(svc, NAME).ok
    assert len(svc.catalog.versions(NAME)) == 2
    yield svc


@pytest.fixture
def app(deployment: Services, config: dict[str, Any]) -> Iterator[Flask]:
    flask_app = create_app({**deployment.config, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


def served(app: Flask) -> dict[str, bytes]:
    """What readers get: the rows pages and downloads of every resource of every version."""
    client = app.test_client()
    out = {}
    for version in services_of(app).catalog.versions(NAME):
        for res in ("entries", "channels"):
            base = f"/api/v1/datasets/{NAME}/resources/{res}"
            for url in (
                f"{base}/rows?version={version['id']}&_size=1000",
                f"{base}.csv?version={version['id']}",
            ):
                response = client.get(url)
                assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
                out[url] = response.get_data()
    return out


def kinds(svc: Services) -> list[str]:
    return sorted(f.kind for f in run_check(svc))


def _versions(svc: Services) -> tuple[str, str]:
    newest, older = (v["id"] for v in svc.catalog.versions(NAME))
    return newest, older


def _table(svc: Services, version: str, resource: str) -> str:
    return datastore.table_name(NAME, version, resource)


SMALL = {"fields": [{"name": "x", "type": "string"}]}


def plant_repairable(svc: Services) -> set[str]:
    """One of each mismatch that --repair can fix; returns their kinds."""
    root, engine = svc.datasets_root, svc.engine
    newest, older = _versions(svc)
    datastore.load(engine, "ods_0123456789abcdef0123", SMALL, [["孤儿"]])  # orphan_table
    pending = datastore.table_name(NAME, GHOST_VERSION, "entries")
    svc.catalog.register_table(
        dataset=NAME, version=GHOST_VERSION, resource="entries", table_name=pending, fields=[]
    )
    datastore.load(engine, pending, SMALL, [["a"]])  # pending_without_run
    stray = datastore.table_name(NAME, "20980101T000000000000Z", "entries")
    svc.catalog.register_table(
        dataset=NAME,
        version="20980101T000000000000Z",
        resource="entries",
        table_name=stray,
        fields=[],
    )
    with engine.begin() as conn:
        conn.execute(
            update(db.datastore_tables)
            .where(db.datastore_tables.c.table_name == stray)
            .values(state="published")
        )
    datastore.load(engine, stray, SMALL, [["b"]])  # table_record_without_version
    (root / NAME / "20200101T000000000000Z").mkdir()  # orphan_folder
    (root / NAME / "20200101T000000000000Z" / "entries.csv").write_text("id\n1\n")
    (root / NAME / ".staging-x1y2").mkdir()  # staging_folder
    (root / "ghost" / "20200101T000000Z").mkdir(parents=True)  # orphan_dataset_folder
    datastore.drop(engine, [_table(svc, newest, "channels")])  # missing_table
    with engine.begin() as conn:  # table_rows_differ
        conn.execute(text(f'DELETE FROM "{_table(svc, older, "channels")}" WHERE _id = 1'))
        conn.execute(  # missing_table_record (its table is then an orphan_table too)
            delete(db.datastore_tables).where(
                db.datastore_tables.c.table_name == _table(svc, older, "entries")
            )
        )
    svc.catalog.start_run(NAME, "cli")  # stale_running_run: no refresh holds the lease
    (root / NAME / newest / "datapackage.json").write_bytes(b"{not json")  # descriptor_differs
    (root / NAME / "current").write_bytes(b"\xff\xfe")  # marker_wrong, not even UTF-8
    package = root / NAME / older / "datapackage.json"  # descriptor_differs
    data = json.loads(package.read_text(encoding="utf-8"))
    data["title"] = "被改动的标题"
    package.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return {
        "orphan_table",
        "pending_without_run",
        "table_record_without_version",
        "orphan_folder",
        "staging_folder",
        "orphan_dataset_folder",
        "marker_wrong",
        "missing_table",
        "table_rows_differ",
        "missing_table_record",
        "stale_running_run",
        "descriptor_differs",
    }


def test_a_fresh_deployment_is_clean(deployment: Services) -> None:
    assert run_check(deployment) == []


def test_every_planted_mismatch_is_found_and_repaired(deployment: Services, app: Flask) -> None:
    before = served(app)
    newest, older = _versions(deployment)
    planted = plant_repairable(deployment)
    found = kinds(deployment)
    assert set(found) == planted, found
    assert found.count("orphan_table") == 2  # the planted one and the one whose record went

    runner = CliRunner()
    env = _env(deployment)
    listed = runner.invoke(main, ["check", "--json"], env=env)
    assert listed.exit_code == 1, listed.output
    report = json.loads(listed.output)
    assert report["ok"] is False and {f["kind"] for f in report["findings"]} == planted
    assert all(f["repair"] for f in report["findings"])

    repaired = runner.invoke(main, ["check", "--repair"], env=env)
    assert repaired.exit_code == 0, repaired.output
    assert "catalog, folders, markers and tables agree" in repaired.output
    for kind in planted:
        assert f"repaired  {kind}" in repaired.output, (kind, repaired.output)
    assert run_check(deployment) == []
    # Nothing published was lost, and readers get the same bytes as before.
    assert [v["id"] for v in deployment.catalog.versions(NAME)] == [newest, older]
    assert (deployment.catalog.dataset(NAME) or {})["current_version"] == newest
    assert served(app) == before
    assert not (deployment.datasets_root / "ghost").exists()
    assert deployment.catalog.runs(dataset=NAME, status="running") == []
    clean = runner.invoke(main, ["check"], env=env)
    assert clean.exit_code == 0, clean.output


def test_lost_or_altered_files_are_reported_and_kept(deployment: Services) -> None:
    root = deployment.datasets_root
    newest, older = _versions(deployment)
    shutil.rmtree(root / NAME / older)  # missing_folder
    entries = root / NAME / newest / "entries.csv"
    data = bytearray(entries.read_bytes())
    data[-2] = ord("X") if data[-2] != ord("X") else ord("Y")
    entries.write_bytes(bytes(data))  # file_hash: same size
    channels = root / NAME / newest / "channels.csv"
    channels.write_bytes(channels.read_bytes()[:-5])  # file_size
    assert kinds(deployment) == ["file_hash", "file_size", "missing_folder"]
    assert sorted(f.kind for f in run_check_quick(deployment)) == ["file_size", "missing_folder"]
    result = CliRunner().invoke(main, ["check", "--repair"], env=_env(deployment))
    assert result.exit_code == 1
    assert "not repairable here" in result.output
    assert kinds(deployment) == ["file_hash", "file_size", "missing_folder"]
    assert [v["id"] for v in deployment.catalog.versions(NAME)] == [newest, older]


def run_check_quick(svc: Services) -> list[Any]:
    return run_check(svc, quick=True)


def test_a_current_pointer_at_a_missing_version_is_moved_to_the_newest_intact(
    deployment: Services,
) -> None:
    newest, older = _versions(deployment)
    (deployment.datasets_root / NAME / newest / "entries.csv").unlink()  # newest not intact
    with deployment.engine.begin() as conn:
        conn.execute(update(db.datasets).values(current_version=GHOST_VERSION))
    assert kinds(deployment) == ["current_missing_version", "marker_wrong", "missing_file"]
    result = CliRunner().invoke(main, ["check", "--repair"], env=_env(deployment))
    assert f"current now points at {older}" in result.output, result.output
    assert (deployment.catalog.dataset(NAME) or {})["current_version"] == older
    marker = (deployment.datasets_root / NAME / "current").read_text(encoding="utf-8").strip()
    assert marker == older
    assert kinds(deployment) == ["missing_file"]  # the newest's file: from a backup


def test_a_dataset_being_refreshed_is_left_alone(deployment: Services) -> None:
    root = deployment.datasets_root
    (root / NAME / ".staging-live").mkdir()
    with lease(deployment.engine, NAME, 60):
        deployment.catalog.start_run(NAME, "cli")  # the refresh at work
        write_marker(root, NAME, None)  # a real mismatch, still reported
        assert kinds(deployment) == ["marker_missing"]
        result = CliRunner().invoke(main, ["check", "--repair"], env=_env(deployment))
        assert result.exit_code == 1
        assert "skipped: dataset 'example_catalog' is already being refreshed" in result.output
        assert "note: example_catalog is being refreshed" in result.output
        assert (root / NAME / ".staging-live").is_dir()
    assert sorted(kinds(deployment)) == ["marker_missing", "staging_folder", "stale_running_run"]


def _env(svc: Services) -> dict[str, str]:
    return {
        "OPENDATA_DATABASE_URL": svc.config["DATABASE_URL"],
        "OPENDATA_DATASETS_PATH": str(svc.datasets_root),
        "OPENDATA_INSTANCE_PATH": svc.config["INSTANCE_PATH"],
    }


def test_check_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text(
        encoding="utf-8"
    )
    from opendata.check import KINDS

    missing = [kind for kind in KINDS if f"`{kind}`" not in docs]
    assert not missing, f"kinds not described in docs/operations.md: {missing}"


def test_descriptor_marker_and_run_records(deployment: Services) -> None:
    root = deployment.datasets_root
    _, older = _versions(deployment)
    (root / NAME / older / "datapackage.json").unlink()  # missing_descriptor: repaired
    deployment.catalog.upsert_dataset(
        DatasetMeta("never_published", "从未发布", "", NAME, "测试机关", "", (), "")
    )
    (root / "never_published").mkdir()
    (root / "never_published" / "current").write_text(f"{older}\n", encoding="utf-8")
    with deployment.engine.begin() as conn:  # version_run_missing: reported only
        conn.execute(update(db.versions).where(db.versions.c.id == older).values(run_id=987654))
    assert kinds(deployment) == [
        "marker_without_current",
        "missing_descriptor",
        "version_run_missing",
    ]
    result = CliRunner().invoke(main, ["check", "--repair", "--json"], env=_env(deployment))
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert [f["kind"] for f in report["findings"]] == ["version_run_missing"]
    assert {r["kind"]: r["ok"] for r in report["repairs"]} == {
        "marker_without_current": True,
        "missing_descriptor": True,
    }
    assert not (root / "never_published" / "current").exists()
    written = json.loads((root / NAME / older / "datapackage.json").read_text(encoding="utf-8"))
    assert written == (deployment.catalog.version(NAME, older) or {})["descriptor"]


def test_a_lost_dataset_folder_is_reported_and_nothing_crashes(deployment: Services) -> None:
    shutil.rmtree(deployment.datasets_root / NAME)
    assert kinds(deployment) == ["marker_missing", "missing_folder", "missing_folder"]
    result = CliRunner().invoke(main, ["check", "--repair"], env=_env(deployment))
    assert result.exit_code == 1, result.output
    assert "left      marker_missing" in result.output
    assert "folder example_catalog/" in result.output and "is missing" in result.output
    assert kinds(deployment) == ["marker_missing", "missing_folder", "missing_folder"]
