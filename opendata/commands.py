"""Commands that live beside the part they drive, added to the ``opendata`` group.

``opendata scheduler`` (the refresh process), ``opendata token create|revoke|list`` (API tokens),
``opendata runs`` (recent refresh history on the terminal) and ``opendata db upgrade|current``
(the catalog schema).
"""

from __future__ import annotations

import logging
import sys
import textwrap
from datetime import datetime
from typing import Any

import click

from opendata.config import load_config
from opendata.redact import redact
from opendata.run_summary import public_summary
from opendata.services import Services
from opendata.store.schema import SchemaError


def _services() -> Services:
    """The services, or the schema's refusal as a one-line error naming `opendata db upgrade`."""
    try:
        return Services.from_config(load_config())
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("scheduler")
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
def scheduler_command(log_level: str) -> None:
    """Run the refresh scheduler (one process per deployment; never inside web workers).

    Runs each enabled source on its schedule (SCHEDULER.schedules overrides it), picks up
    refreshes queued through the API, retries transient failures, and catches up runs missed
    while it was down. Stop it with SIGTERM or Ctrl-C; running refreshes finish first.
    """
    from opendata.scheduler.process import run
    from opendata.schedules.settings import SchedulerSettings

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if log_level.upper() != "DEBUG":
        # APScheduler logs every poll and heartbeat at INFO; keep the log for refreshes.
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    config = load_config()
    try:
        SchedulerSettings.from_config(config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        code = run(config)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


@click.group("db")
def db_group() -> None:
    """The catalog database's schema: create or migrate it, show its revision."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create the catalog schema, or migrate it to this release's revision.

    Run it once after installing or upgrading opendata, before starting gunicorn and the
    scheduler (they refuse to start on a schema that is missing or behind). Safe to run twice
    or from two hosts at once: the second waits for the first and then has nothing to do. A
    database made before migrations existed is recognised and keeps its data.
    """
    from opendata.store.db import make_engine
    from opendata.store.schema import upgrade

    engine = make_engine(load_config()["DATABASE_URL"])
    try:
        done = upgrade(engine)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    if done.changed:
        click.echo(f"catalog schema upgraded from {done.before or 'empty'} to {done.after}")
    else:
        click.echo(f"catalog schema already at {done.after}")
    _sync_sources()


def _sync_sources() -> None:
    """The catalog's list of sources, which the API and portal show, follows the installed ones."""
    from opendata.services import Services
    from opendata.sources.sync import sync

    svc = Services.from_config(load_config())
    try:
        sync(svc)
    finally:
        svc.close()


@db_group.command("current")
def db_current() -> None:
    """Print the catalog schema's revision and whether it is the one this release needs."""
    from opendata.store.db import make_engine
    from opendata.store.schema import current, describe, head

    engine = make_engine(load_config()["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            revision, problem = current(connection), describe(connection)
    finally:
        engine.dispose()
    click.echo(f"{revision or 'none'} ({'head' if problem is None else problem}; head is {head()})")
    if problem is not None:
        sys.exit(1)


@click.group("token")
def token_group() -> None:
    """Create, revoke and list API tokens for the refresh endpoints."""


@token_group.command("create")
@click.argument("name")
def token_create(name: str) -> None:
    """Create a token called NAME and print it once (only its hash is stored)."""
    from opendata.auth import TokenError, create_token

    svc = _services()
    try:
        token = create_token(svc.engine, name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)
    click.echo(
        f"token {name!r} created; it is shown only this once. Send it as "
        "'Authorization: Bearer <token>'.",
        err=True,
    )


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke the token called NAME; requests using it get 401 at once."""
    from opendata.auth import revoke_token

    if not revoke_token(_services().engine, name):
        raise click.ClickException(f"no token named {name!r} (see: opendata token list)")
    click.echo(f"token {name!r} revoked")


@token_group.command("list")
def token_list() -> None:
    """List token names and when they were created (tokens themselves cannot be shown)."""
    from opendata.auth import list_tokens

    tokens = list_tokens(_services().engine)
    for info in tokens:
        click.echo(f"{info.name:32} created {info.created:%Y-%m-%d %H:%M:%S} UTC")
    if not tokens:
        click.echo("no tokens (create one with: opendata token create NAME)")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _run_line(run: dict[str, Any], report: Any = None, full: bool = False) -> str:
    started, finished = run.get("started"), run.get("finished")
    seconds = f"{(finished - started).total_seconds():7.1f}s" if started and finished else "      -"
    rows = sum((run.get("rows") or {}).values())
    line = (
        f"{run['id']:>6} {run['dataset']:24} {run['trigger']:10} {run['status']:10} "
        f"#{run.get('attempt') or 1:<2} {_when(started)} {seconds} {rows:>9,} rows"
    )
    if run.get("version"):
        line += f"  {run['version']}"
    # The summary readers see; --full adds the recorded text (a crash's traceback too), with
    # credentials redacted as everywhere it is shown.
    summary = public_summary({**run, "report": report})
    if summary:
        line += f"\n       {summary}"
    if full and run.get("error"):
        line += "\n" + textwrap.indent(redact(str(run["error"])), " " * 9)
    return line


@click.command("runs")
@click.option("--dataset", "-d", help="Only runs of this dataset.")
@click.option("--status", "-s", help="Only runs with this status (published, failed, …).")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--failed", is_flag=True, help="Only failed runs (same as --status failed).")
@click.option(
    "--full", is_flag=True, help="Also print each failure's recorded text (secrets redacted)."
)
def runs_command(
    dataset: str | None, status: str | None, limit: int, failed: bool, full: bool
) -> None:
    """List recent refresh runs, newest first (times in UTC)."""
    svc = _services()
    runs = svc.catalog.runs(dataset=dataset, status="failed" if failed else status, limit=limit)
    if not runs:
        click.echo("no runs recorded" + (f" for {dataset}" if dataset else ""))
        return
    click.echo(
        f"{'id':>6} {'dataset':24} {'trigger':10} {'status':10} try "
        f"{'started (UTC)':19} {'took':>8} {'rows':>14}"
    )
    reports = svc.catalog.failure_reports([r["id"] for r in runs])
    for run in runs:
        click.echo(_run_line(run, reports.get(run["id"]), full))


def register(group: click.Group) -> None:
    """Add the optional command groups to ``group``."""
    group.add_command(scheduler_command)
    group.add_command(token_group)
    group.add_command(runs_command)
    group.add_command(db_group)
