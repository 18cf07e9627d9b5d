"""``opendata backup DEST``: the catalog and the datasets folder, copied while the service runs.

The catalog first — SQLite with its online backup API (a consistent copy while the web app reads
and the WAL holds recent writes), PostgreSQL with ``pg_dump -Fc`` — then the version folders.
Every dataset's refresh lease is held meanwhile, so no publish or prune happens between the two:
every version the copied catalog names is in the copied folder, and nothing else. A refresh due
in that time is recorded ``busy`` and runs at its next time. Restoring is documented in
docs/operations.md (Backup and restore), followed by ``opendata check``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import parse_qs

import click
from sqlalchemy.engine import URL, make_url

from opendata.pipeline.publish import STAGING_PREFIX
from opendata.services import Services
from opendata.store.leases import LeaseHeld, lease

DATABASE_FILE = "opendata.sqlite3"
DUMP_FILE = "opendata.dump"
DATASETS = "datasets"
LEASE_SECONDS = 900.0


@contextmanager
def all_leases(services: Services) -> Iterator[None]:
    """Hold every dataset's lease (waiting for none: a refresh at work makes the backup fail)."""
    with ExitStack() as stack:
        for dataset in services.catalog.datasets():
            stack.enter_context(lease(services.engine, dataset["name"], LEASE_SECONDS))
        yield


def backup_sqlite(url: URL, target: Path) -> Path:
    """SQLite's online backup of the catalog into ``target/opendata.sqlite3``."""
    out = target / DATABASE_FILE
    source = sqlite3.connect(str(url.database), timeout=30)
    try:
        copy = sqlite3.connect(out)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return out


def libpq_command(url: URL) -> tuple[list[str], dict[str, str]]:
    """``pg_dump`` arguments for ``url`` (password in the environment, not on the command line);
    a ``search_path`` in the URL's options limits the dump to that schema."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) keeps the password (None means "unchanged"): build it anew.
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    args = ["pg_dump", "-Fc", "--no-owner", "--dbname", plain.render_as_string(hide_password=False)]
    options = " ".join(parse_qs(f"o={url.query.get('options', '')}").get("o", []))
    for part in options.split():
        if part.startswith("-csearch_path="):
            args += ["--schema", part.split("=", 1)[1].split(",")[0]]
    return args, env


def backup_postgres(url: URL, target: Path) -> Path:
    out = target / DUMP_FILE
    args, env = libpq_command(url)
    with out.open("wb") as fh:
        done = subprocess.run(args, stdout=fh, stderr=subprocess.PIPE, env=env, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise click.ClickException(f"pg_dump failed: {message[-1] if message else done.returncode}")
    return out


def copy_datasets(root: Path, target: Path) -> int:
    """Copy the published folders (not staging leftovers); returns the bytes copied."""
    ignore = shutil.ignore_patterns(f"{STAGING_PREFIX}*", ".current.tmp")
    shutil.copytree(root, target, ignore=ignore, dirs_exist_ok=False)
    return sum(p.stat().st_size for p in target.rglob("*") if p.is_file())


def backup(services: Services, target: Path) -> tuple[Path, int]:
    """Write the backup into ``target`` (a new folder); returns the database file and bytes."""
    url = make_url(services.config["DATABASE_URL"])
    target.mkdir(parents=True)
    with all_leases(services):
        if url.get_backend_name() == "sqlite":
            database = backup_sqlite(url, target)
        else:
            database = backup_postgres(url, target)
        copied = copy_datasets(services.datasets_root, target / DATASETS)
    return database, copied


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
def backup_command(dest: Path) -> None:
    """Copy the catalog (online) and the datasets folder into a new backup folder.

    DEST must not exist. It receives opendata.sqlite3 (SQLite's online backup) or opendata.dump
    (pg_dump -Fc; restore it with pg_restore) and datasets/. Refreshes wait meanwhile: every
    version the copied catalog names is in the copied folder. See docs/operations.md.
    """
    from opendata.cli import services as make_services

    if dest.exists():
        raise click.ClickException(f"{dest} exists; name a new folder")
    svc = make_services()
    try:
        database, copied = backup(svc, dest)
    except LeaseHeld as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise click.ClickException(f"{exc}; run the backup again when it is done") from exc
    finally:
        svc.close()
    click.echo(f"catalog: {database}")
    click.echo(f"datasets: {dest / DATASETS} ({copied:,} bytes)")
