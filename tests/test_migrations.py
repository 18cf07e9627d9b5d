"""The catalog schema is made once, by ``opendata db upgrade``, and every process checks it.

Before migrations every gunicorn worker and scheduler ran ``create_all`` at start: on a fresh
SQLite catalog three workers raced and one died with ``table od_leases already exists``; two
schedulers on a fresh PostgreSQL catalog, one with UniqueViolation on ``od_scheduler_jobs``.
Real processes here: gunicorn with 4 workers, ``opendata scheduler``, ``opendata db upgrade``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schema_8a97360
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from scheduler_kit import scheduler_env
from sqlalchemy import Engine, create_engine, func, insert, inspect, select, text

from opendata.app import create_app
from opendata.auth import create_token, verify_token
from opendata.cli import main
from opendata.config import load_config
from opendata.scheduler import jobs
from opendata.scheduler.process import JOBS_TABLE
from opendata.services import Services
from opendata.store import db, refresh_queue, schema
from opendata.store.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RARE = {"example_catalog": "0 0 1 1 *", "derived_summary": "0 0 1 1 *"}  # nothing runs
SCHEDULER = {"jitter": 0, "poll_seconds": 0.5, "heartbeat_seconds": 0.5, "schedules": RARE}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"
    return str(request.getfixturevalue("empty_postgres_url"))


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    made = make_engine(empty_url)
    yield made
    made.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def cli(url: str, tmp_path: Path, *args: str) -> Any:
    """``opendata …`` in this process, configured only by OPENDATA_* variables."""
    env = {
        "OPENDATA_DATABASE_URL": url,
        "OPENDATA_INSTANCE_PATH": str(tmp_path / "instance"),
        "OPENDATA_DATASETS_PATH": str(tmp_path / "datasets"),
        "OPENDATA_CONFIG": None,
    }
    return CliRunner().invoke(main, list(args), env=env)  # type: ignore[arg-type]


def process_env(root: Path, url: str) -> dict[str, str]:
    return scheduler_env(root, url, SCHEDULER, {})


# -- the schema the migrations make ------------------------------------------------------------


def test_upgrade_makes_exactly_the_declared_schema_and_then_has_nothing_to_do(
    engine: Engine,
) -> None:
    done = schema.upgrade(engine)
    assert (done.before, done.after, done.changed) == (None, schema.head(), True)
    with engine.connect() as conn:
        # Every table, column, type, index and key the code declares; nothing else.
        assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        # The job table is the one APScheduler's own store would make, so the store finds it.
        aps = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).jobs_t.metadata
        only_jobs = {"include_name": lambda name, kind, _p: kind != "table" or name == JOBS_TABLE}
        assert compare_metadata(MigrationContext.configure(conn, opts=only_jobs), aps) == []
    again = schema.upgrade(engine)
    assert (again.before, again.after, again.changed) == (schema.head(), schema.head(), False)
    # The list every process checks against without importing Alembic is Alembic's own.
    assert (
        schema.known_revisions() == schema.shipped_revisions() == ["0001", "0002", "0003", "0004"]
    )


# -- refusing to start ---------------------------------------------------------------------------


def _upgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(schema._config(conn), revision)


def _scheduler_refuses(root: Path, url: str) -> str:
    done = subprocess.run(
        [str(BIN / "opendata"), "scheduler"],
        env=process_env(root, url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_web_worker_and_scheduler_refuse_a_schema_missing_or_behind_and_create_nothing(
    empty_url: str, engine: Engine, tmp_path: Path
) -> None:
    config = load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": empty_url,
        },
        environ={},
    )
    with pytest.raises(schema.SchemaError, match=r"no schema yet: run `opendata db upgrade`"):
        create_app(config)
    assert "run `opendata db upgrade` first" in _scheduler_refuses(tmp_path, empty_url)
    refused = cli(empty_url, tmp_path, "runs")
    assert refused.exit_code != 0 and "opendata db upgrade" in refused.output
    assert tables(engine) == set()  # none of them made a table

    _upgrade_to(engine, "0002")  # an older release's schema: behind
    behind = r"revision 0002, this opendata needs 0004: run `opendata db upgrade`"
    with pytest.raises(schema.SchemaError, match=behind):
        Services.from_config(config)
    assert "revision 0002, this opendata needs 0004" in _scheduler_refuses(tmp_path, empty_url)
    assert JOBS_TABLE not in tables(engine)
    current = cli(empty_url, tmp_path, "db", "current")
    assert current.exit_code == 1 and current.output.startswith("0002 (")

    with engine.begin() as conn:  # a newer release's schema: not ours to guess about
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(schema.SchemaError, match="9999, which this opendata does not know"):
        create_app(config)
    newer = cli(empty_url, tmp_path, "db", "upgrade")
    assert newer.exit_code != 0 and "does not know" in newer.output


def test_gunicorn_on_a_catalog_without_schema_stops_naming_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = _gunicorn(process_env(tmp_path, url), out, tmp_path)
        try:
            code = server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
    text_ = log.read_text(encoding="utf-8", errors="replace")
    assert code != 0 and "run `opendata db upgrade` first" in text_, text_[-3000:]
    assert tables(make_engine(url)) == set()


# -- upgrading -----------------------------------------------------------------------------------


def test_concurrent_upgrades_of_a_fresh_database_all_succeed_and_one_does_the_work(
    empty_url: str, engine: Engine, tmp_path: Path
) -> None:
    env = process_env(tmp_path, empty_url)
    procs = [
        subprocess.Popen(
            [str(BIN / "opendata"), "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert sorted(o.strip() for o in outputs) == [
        "catalog schema already at 0004",
        "catalog schema already at 0004",
        "catalog schema upgraded from empty to 0004",
    ]
    with engine.connect() as conn:
        assert schema.current(conn) == "0004"
        assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []


def _legacy_catalog(engine: Engine, *, allow_shrink: bool) -> dict[str, Any]:
    """A catalog as the release before migrations left it: create_all, rows, a scheduler's jobs."""
    metadata = schema_8a97360.metadata
    metadata.create_all(engine)
    if allow_shrink:  # the ad-hoc ALTER the release just before migrations ran at start
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE od_refresh_requests ADD COLUMN allow_shrink BOOLEAN"))
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    t = metadata.tables
    with engine.begin() as conn:
        conn.execute(
            insert(t["od_datasets"]).values(
                name="archive_room",
                title="档案查阅",
                description="",
                source="archive_room",
                publisher="",
                license="CC-BY-4.0",
                keywords=["档案"],
                schedule="0 3 * * *",
                current_version="20261127T080000Z",
                created=now,
                modified=now,
            )
        )
        conn.execute(
            insert(t["od_versions"]).values(
                id="20261127T080000Z",
                dataset="archive_room",
                created=now,
                hash="sha256:ab",
                descriptor={"name": "archive_room"},
                rows={"entries": 3},
                bytes=120,
                run_id=1,
            )
        )
        conn.execute(
            insert(t["od_datastore_tables"]).values(
                version="20261127T080000Z",
                resource="entries",
                dataset="archive_room",
                table_name="ods_0123abcd",
                row_count=3,
                fields=[],
                state="published",
            )
        )
        conn.execute(
            insert(t["od_runs"]).values(
                dataset="archive_room",
                trigger="schedule",
                status="published",
                started=now,
                finished=now,
                version="20261127T080000Z",
                attempt=1,
                rows={"entries": 3},
                withheld={},
                dropped_fields={},
                warnings=[],
                timings={},
            )
        )
        conn.execute(
            insert(t["od_refresh_requests"]).values(
                dataset="archive_room", requested=now, requested_by="ops"
            )
        )
    token = create_token(engine, "harvester")
    # The scheduler of that release made its job table itself and stored a job in it.
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    aps = BackgroundScheduler(timezone=UTC, jobstores={"default": store})
    aps.add_job(jobs.scheduled_refresh, "cron", hour=3, args=["archive_room"], id="refresh:a")
    aps.start(paused=True)
    aps.shutdown(wait=False)
    return {"token": token, "next_run": store.lookup_job("refresh:a").next_run_time}


@pytest.mark.parametrize(("allow_shrink", "found"), [(False, "0001"), (True, "0002")])
def test_upgrade_from_the_schema_before_migrations_keeps_catalog_versions_and_tokens(
    empty_url: str, engine: Engine, tmp_path: Path, allow_shrink: bool, found: str
) -> None:
    legacy = _legacy_catalog(engine, allow_shrink=allow_shrink)
    with pytest.raises(schema.SchemaError, match="before schema migrations: run `opendata db"):
        schema.require_current(engine)

    done = cli(empty_url, tmp_path, "db", "upgrade")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"catalog schema upgraded from {found} to 0004"

    services = Services.from_config(
        load_config(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "DATASETS_PATH": str(tmp_path / "datasets"),
                "DATABASE_URL": empty_url,
            },
            environ={},
        )
    )
    try:
        catalog = services.catalog
        assert catalog.dataset("archive_room")["keywords"] == ["档案"]
        assert catalog.current_version("archive_room")["rows"] == {"entries": 3}
        assert (
            catalog.datastore_table("20261127T080000Z", "entries")["table_name"] == "ods_0123abcd"
        )
        assert [r["status"] for r in catalog.runs(dataset="archive_room")] == ["published"]
        assert verify_token(services.engine, legacy["token"]) == "harvester"
        queued = refresh_queue.claim(services.engine)
        assert [(r.dataset, r.allow_shrink) for r in queued] == [("archive_room", False)]
        store = SQLAlchemyJobStore(engine=services.engine, tablename=JOBS_TABLE)
        store.start(BackgroundScheduler(timezone=UTC), "default")
        assert store.lookup_job("refresh:a").next_run_time == legacy["next_run"]
        with services.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
    finally:
        services.close()


# -- ten starts at once ----------------------------------------------------------------------


HOOKS = """
def post_worker_init(worker):
    # After the worker has loaded wsgi:app (create_app): it passed the schema check.
    worker.log.info("opendata worker ready %s", worker.pid)
"""


def _gunicorn(env: dict[str, str], out: Any, root: Path) -> subprocess.Popen[bytes]:
    hooks = root / "gunicorn_hooks.py"
    hooks.write_text(HOOKS, encoding="utf-8")
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            str(hooks),
            "--workers",
            "4",
            "--bind",
            "127.0.0.1:0",
            "--no-control-socket",  # as the README's production command
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait(check: Callable[[], bool], procs: list[subprocess.Popen[bytes]], what: str) -> None:
    deadline = time.monotonic() + 60
    while not check():
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"exited before {what}: {dead}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _one_start(root: Path, url: str) -> None:
    """One `opendata db upgrade`, then gunicorn (4 workers) and two schedulers at the same time."""
    root.mkdir(parents=True)
    upgraded = cli(url, root, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    env = process_env(root, url)
    logs = [root / "gunicorn.log", root / "scheduler-1.log", root / "scheduler-2.log"]
    outs = [log.open("wb") for log in logs]
    procs = [_gunicorn(env, outs[0], root)] + [
        subprocess.Popen(
            [str(BIN / "opendata"), "scheduler"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for out in outs[1:]
    ]
    engine = make_engine(url)
    try:
        _wait(
            lambda: logs[0].read_text(errors="replace").count("opendata worker ready") == 4,
            procs,
            "four gunicorn workers to load the app",
        )

        def beats() -> int:
            with engine.connect() as conn:
                query = select(func.count()).select_from(db.heartbeats)
                return int(conn.execute(query).scalar_one())

        _wait(lambda: beats() == 2, procs, "both schedulers to beat")
        with engine.connect() as conn:
            stored = set(conn.execute(text(f"SELECT id FROM {JOBS_TABLE}")).scalars())
        assert stored == {"refresh:example_catalog", "refresh:derived_summary"}
        # The starts, read before anything is stopped: no error of any of the processes.
        for log in logs:
            started = log.read_text(encoding="utf-8", errors="replace")
            assert "Traceback" not in started and "already exists" not in started, started
    finally:
        for proc, sig in zip(procs, (signal.SIGINT, signal.SIGTERM, signal.SIGTERM), strict=True):
            if proc.poll() is None:
                os.killpg(proc.pid, sig)  # SIGINT: gunicorn's quick shutdown
        codes = [proc.wait(timeout=30) for proc in procs]
        for out in outs:
            out.close()
        engine.dispose()
    texts = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    assert codes == [0, 0, 0], [t[-2000:] for t in texts]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[int], str]]:
    """Makes the URL of a new, empty catalog for each start."""
    if request.param == "sqlite":
        yield lambda i: f"sqlite:///{tmp_path / f'start-{i}' / 'instance' / 'catalog.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_base_url")
    admin = create_engine(base)
    made: list[str] = []

    def fresh(_i: int) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        return f"{base}?options=-csearch_path%3D{name}"

    yield fresh
    with admin.begin() as conn:
        for name in made:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@pytest.mark.slow
@pytest.mark.timeout(1200)  # ~5 s a start on two idle cores; far more on a loaded machine
def test_ten_starts_of_gunicorn_and_two_schedulers_at_once_on_a_fresh_catalog(
    fresh_urls: Callable[[int], str], tmp_path: Path
) -> None:
    for i in range(10):
        _one_start(tmp_path / f"start-{i}", fresh_urls(i))
