"""A backup restored into an empty deployment checks clean and serves the same bytes: SQLite
through its online backup, PostgreSQL through pg_dump into a new database with pg_restore."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from example_sources import ExampleCatalog
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opendata.app import create_app, services_of
from opendata.backup import libpq_command
from opendata.cli import main
from opendata.pipeline.refresh import refresh
from opendata.services import Services
from opendata.sources.sync import sync
from opendata.store.leases import lease

NAME = "example_catalog"
RESOURCES = ("entries", "channels")


@pytest.fixture
def deployment(make_services: Any, database_url: str) -> Iterator[Services]:
    """Two published versions of the example catalogue, as a running deployment has them."""
    options = {NAME: {"rows": 1500}}
    svc = make_services(ExampleCatalog, DATABASE_URL=database_url, options=options)
    sync(svc)
    assert refresh(svc, NAME).ok
    options[NAME]["revision"] = 1
    svc.registry = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options=options
    ).registry
    assert refresh(svc, NAME).ok
    yield svc


def env_of(config: dict[str, Any]) -> dict[str, str]:
    return {
        "OPENDATA_DATABASE_URL": config["DATABASE_URL"],
        "OPENDATA_DATASETS_PATH": str(config["DATASETS_PATH"]),
        "OPENDATA_INSTANCE_PATH": str(config["INSTANCE_PATH"]),
    }


def served(config: dict[str, Any]) -> dict[str, bytes]:
    """Every version's downloads and row pages (all of them), its descriptor, the dataset."""
    app = create_app({**config, "TESTING": True})
    client = app.test_client()
    out: dict[str, bytes] = {}
    base = f"/api/v1/datasets/{NAME}"
    try:
        versions = [v["id"] for v in services_of(app).catalog.versions(NAME)]
        urls = [base, f"{base}/versions", "/api/3/action/package_show?id=" + NAME]
        for v in versions:
            urls.append(f"{base}/datapackage.json?version={v}")
            urls.append(f"{base}/download.zip?version={v}")
            for res in RESOURCES:
                # Not .xlsx: openpyxl stamps each workbook it writes with the time it wrote it, so
                # a node that builds it again serves other bytes (reported, not this test's part).
                urls += [f"{base}/resources/{res}.{ext}?version={v}" for ext in ("csv", "json")]
        for url in urls:
            out[url] = _get(client, url)
        for v in versions:
            for res in RESOURCES:
                out.update(_pages(client, f"{base}/resources/{res}/rows?version={v}&_size=500"))
    finally:
        services_of(app).close()
    assert len(versions) == 2 and len(out) > 20
    return out


def _get(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return bytes(response.get_data())


def _pages(client: Any, url: str) -> dict[str, bytes]:
    pages = {}
    while url:
        body = _get(client, url)
        pages[url] = body
        following = orjson.loads(body)["next_url"]
        url = following.removeprefix("http://localhost") if following else ""
    assert len(pages) >= 2  # 1,500 rows: the keyset paging is compared too
    return pages


def restore_and_compare(source: Services, backup: Path, target: dict[str, Any]) -> None:
    """Datasets copied into the empty deployment, upgrade, check clean, same bytes."""
    before = served(source.config)
    shutil.copytree(backup / "datasets", target["DATASETS_PATH"])
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env_of(target))
    assert upgraded.exit_code == 0, upgraded.output
    checked = runner.invoke(main, ["check"], env=env_of(target))
    print(checked.output)
    assert checked.exit_code == 0, checked.output
    assert "catalog, folders, markers and tables agree" in checked.output
    after = served(target)
    assert sorted(after) == sorted(before)
    differ = [url for url in before if _content(url, before[url]) != _content(url, after[url])]
    assert not differ, differ[:5]


def _content(url: str, body: bytes) -> Any:
    """The bytes served; for the zip, each member's bytes (a zip built again stamps its README
    and excel/ copies with the time it was built: reported, not this test's part)."""
    if ".zip" not in url:
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def _backup(source: Services, dest: Path) -> None:
    result = CliRunner().invoke(main, ["backup", str(dest)], env=env_of(source.config))
    assert result.exit_code == 0, result.output
    assert f"datasets: {dest / 'datasets'}" in result.output


def _empty_deployment(tmp_path: Path, database_url: str) -> dict[str, Any]:
    root = tmp_path / "restored"
    (root / "instance").mkdir(parents=True)
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(root / "instance"),
        "DATASETS_PATH": str(root / "datasets"),
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_online_backup_restores(deployment: Services, tmp_path: Path) -> None:
    _backup(deployment, tmp_path / "backup")
    target = _empty_deployment(tmp_path, "")
    database = Path(target["INSTANCE_PATH"]) / "opendata.sqlite3"
    shutil.copyfile(tmp_path / "backup" / "opendata.sqlite3", database)
    target["DATABASE_URL"] = f"sqlite:///{database}"
    restore_and_compare(deployment, tmp_path / "backup", target)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite3_dot_backup_by_hand_restores(deployment: Services, tmp_path: Path) -> None:
    """The documented `sqlite3 … ".backup …"` and a copy of the folder, while the app reads."""
    backup = tmp_path / "by-hand"
    backup.mkdir()
    source = make_url(deployment.config["DATABASE_URL"]).database
    subprocess.run(["sqlite3", str(source), f".backup {backup / 'opendata.sqlite3'}"], check=True)
    shutil.copytree(deployment.datasets_root, backup / "datasets")
    target = _empty_deployment(tmp_path, "")
    database = Path(target["INSTANCE_PATH"]) / "opendata.sqlite3"
    shutil.copyfile(backup / "opendata.sqlite3", database)
    target["DATABASE_URL"] = f"sqlite:///{database}"
    restore_and_compare(deployment, backup, target)


@pytest.fixture
def new_database(postgres_base_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside `test`, dropped after the test."""
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_pg_dump_restores_into_a_new_database(
    deployment: Services, tmp_path: Path, new_database: str
) -> None:
    _backup(deployment, tmp_path / "backup")
    dump = tmp_path / "backup" / "opendata.dump"
    assert dump.stat().st_size > 0
    source = make_url(deployment.config["DATABASE_URL"])
    target_url = source.set(database=new_database)
    libpq = target_url.set(drivername="postgresql", query={}).render_as_string(False)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq, str(dump)], check=True
    )
    target = _empty_deployment(tmp_path, target_url.render_as_string(False))
    restore_and_compare(deployment, tmp_path / "backup", target)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_waits_for_no_refresh_and_overwrites_nothing(
    deployment: Services, tmp_path: Path
) -> None:
    runner, env = CliRunner(), env_of(deployment.config)
    (tmp_path / "taken").mkdir()
    refused = runner.invoke(main, ["backup", str(tmp_path / "taken")], env=env)
    assert refused.exit_code == 1 and "exists; name a new folder" in refused.output
    with lease(deployment.engine, NAME, 60):  # a refresh at work
        busy = runner.invoke(main, ["backup", str(tmp_path / "busy")], env=env)
    assert busy.exit_code == 1
    assert "already being refreshed" in busy.output and "run the backup again" in busy.output
    assert not (tmp_path / "busy").exists()


def test_pg_dump_gets_the_password_from_the_environment_and_the_schema() -> None:
    url = make_url(
        "postgresql+psycopg://od:s3cret@db.internal:5433/opendata?options=-csearch_path%3Dt_abc"
    )
    args, env = libpq_command(url)
    assert env["PGPASSWORD"] == "s3cret" and not any("s3cret" in a for a in args)
    assert args[args.index("--schema") + 1] == "t_abc"
    assert args[args.index("--dbname") + 1].startswith("postgresql://od@db.internal:5433/opendata")
