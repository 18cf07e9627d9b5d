"""``opendata …`` commands: sources, refresh, validate, serve, runs, token, scheduler.

Every command builds its services from the same configuration as the web app (defaults → the
TOML file named by ``OPENDATA_CONFIG`` → ``OPENDATA_*`` variables).

The command line starts fast: this module imports only click at the top, each command imports
what it needs when it runs, and the groups that live elsewhere (``db``, ``token``, ``runs``,
``scheduler``, ``report``, ``config``) are loaded only when invoked — ``opendata --help`` lists
them from :data:`LAZY` without importing them (tests/test_cli.py keeps those help lines true).
Measured with ``python -X importtime`` and ``bench/cli_startup.py``.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from opendata.pipeline.refresh import RunResult
    from opendata.services import Services

#: Commands defined beside the part they drive: name → ("module:attribute", one-line help).
LAZY: dict[str, tuple[str, str]] = {
    "backup": (
        "opendata.backup:backup_command",
        "Copy the catalog (online) and the datasets folder into a new backup folder.",
    ),
    "check": (
        "opendata.check.cli:check_command",
        "Compare the catalog, the version folders, the current markers and the datastore tables.",
    ),
    "config": (
        "opendata.config_show:config_group",
        "Show the configuration in effect, or every setting there is.",
    ),
    "db": (
        "opendata.commands:db_group",
        "The catalog database's schema: create or migrate it, show its revision.",
    ),
    "report": (
        "opendata.report.cli:report_group",
        "The annual report on information disclosure (政府信息公开工作年度报告).",
    ),
    "runs": (
        "opendata.commands:runs_command",
        "List recent refresh runs, newest first (times in UTC).",
    ),
    "scheduler": (
        "opendata.commands:scheduler_command",
        "Run the refresh scheduler (one process per deployment; never inside web workers).",
    ),
    "token": (
        "opendata.commands:token_group",
        "Create, revoke and list API tokens for the refresh endpoints.",
    ),
}


def load_lazy(name: str) -> click.Command:
    module, _, attribute = LAZY[name][0].partition(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    return command


class MainGroup(click.Group):
    """The ``opendata`` group: lazy subcommands, and a configuration mistake reported as its
    message with exit status 1 (as :class:`opendata.config_show.ConfigAwareGroup` does)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY:
            command = load_lazy(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, the lazy ones from :data:`LAZY` (not imported)."""
        limit = formatter.width - 6 - max(len(n) for n in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY:
                stub = click.Command(name, help=LAZY[name][1])
                rows.append((name, stub.get_short_help_str(limit)))
                continue
            command = self.commands[name]
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from opendata.config import ConfigError

            if isinstance(exc, ConfigError):
                raise click.ClickException(str(exc)) from None
            raise


def services(*, require_schema: bool = True) -> Services:
    """The services, or the schema's refusal as a one-line error naming `opendata db upgrade`.

    Like the web workers and the scheduler, commands never create tables: `make run` and the
    operations guide run `opendata db upgrade` first.
    """
    from opendata.config import load_config
    from opendata.services import Services
    from opendata.store.schema import SchemaError

    try:
        return Services.from_config(load_config(), require_schema=require_schema)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=MainGroup)
@click.version_option(package_name="opendata")
def main() -> None:
    """Publish disclosure catalogues and service guides as versioned data packages."""


@main.group("sources", invoke_without_command=True)
@click.pass_context
def sources_command(ctx: click.Context) -> None:
    """List installed sources: enabled or not, schedule, and why any was refused."""
    if ctx.invoked_subcommand is not None:
        return
    # Plugins and configuration only: no database, so neither SQLAlchemy nor the services.
    from opendata.config import load_config
    from opendata.sources.discovery import configured_entry_points, discover

    config = load_config()
    reg = discover(
        config.get("SOURCES_ENABLED", ["*"]),
        config.get("SOURCES", {}),
        configured_entry_points(config.get("SOURCES_EXTRA", [])),
    )
    overrides = config.get("SCHEDULER", {}).get("schedules", {})
    for name, loaded in sorted(reg.sources.items()):
        schedule = overrides.get(name) or loaded.cls.schedule
        click.echo(f"{name:24} enabled   {schedule:16} {loaded.cls.title} ({loaded.distribution})")
    for name, dist in sorted(reg.disabled.items()):
        click.echo(f"{name:24} disabled  {'':16} ({dist}) not matched by SOURCES_ENABLED")
    for name, err in sorted(reg.refused.items()):
        click.echo(f"{name:24} REFUSED   {err.reason}")
    if not (reg.sources or reg.disabled or reg.refused):
        click.echo("no sources installed (entry-point group opendata.sources)")


@sources_command.command("sync")
def sources_sync_command() -> None:
    """Write the installed sources to the catalog, where the API and portal read them.

    `opendata db upgrade`, the scheduler at start and `opendata refresh` run it too; run it
    after installing, removing or reconfiguring a plugin on a node that runs none of those.
    """
    from opendata.sources.sync import sync

    svc = services()
    rows = sync(svc)
    counts = {
        state: sum(1 for r in rows if r.state == state)
        for state in ("enabled", "disabled", "refused")
    }
    click.echo("synced sources: " + ", ".join(f"{n} {state}" for state, n in counts.items()))


class Progress:
    """A live progress line per dataset on a terminal: stage, resource, rows, rate, elapsed.

    ``  fiscal_data  extracting  12,345 rows  4,100 rows/s  3.0 s``, redrawn when rows arrive
    (at most ten times a second) and every half second by a ticker thread, so the time moves
    while a source waits on its origin or the package is validated and published; after
    :attr:`QUIET` seconds without a new row the line says for how long none came. The refresh
    process reports rows; :meth:`stage` takes a stage and resource when a caller knows them.
    When output is not a terminal (a log, cron mail) nothing is drawn: the summary line after
    each dataset says what happened.
    """

    INTERVAL = 0.1
    TICK = 0.5
    QUIET = 2.0

    def __init__(self, stream: Any = None, clock: Any = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ticker: threading.Thread | None = None
        self.dataset = ""
        self.stage_name = "starting"
        self.resource: str | None = None
        self.rows: int | None = None
        self.started = self.last_row = self.drawn = 0.0
        self.width = 0

    def start(self, dataset: str, *, tick: bool = True) -> None:
        self.dataset, self.stage_name, self.resource, self.rows = dataset, "starting", None, None
        self.started = self.last_row = self.clock()
        self._draw()
        if self.tty and tick:
            self.stop.clear()
            self.ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self.ticker.start()

    def __call__(self, dataset: str, rows: int) -> None:
        self.dataset, self.stage_name = dataset, "extracting"
        if rows != self.rows:
            self.rows, self.last_row = rows, self.clock()
        if self.clock() - self.drawn >= self.INTERVAL:
            self._draw()

    def stage(self, dataset: str, stage: str, resource: str | None = None) -> None:
        self.dataset, self.stage_name, self.resource = dataset, stage, resource
        self._draw()

    def line(self) -> str:
        now = self.clock()
        elapsed = now - self.started
        text = f"  {self.dataset}  {self.stage_name}"
        if self.resource:
            text += f" {self.resource}"
        if self.rows is not None:
            rate = self.rows / elapsed if elapsed > 0 else 0.0
            text += f"  {self.rows:,} rows  {rate:,.0f} rows/s"
            if now - self.last_row >= self.QUIET:
                text += f"  (no new row for {now - self.last_row:.0f} s)"
        return text + f"  {elapsed:.1f} s"

    def _tick(self) -> None:
        while not self.stop.wait(self.TICK):
            self._draw()

    def _draw(self) -> None:
        if not self.tty:
            return
        with self.lock:
            self.drawn = self.clock()
            text = self.line()
            pad = " " * max(0, self.width - len(text))
            self.width = len(text)
            self.stream.write("\r" + text + pad)
            self.stream.flush()

    def done(self) -> None:
        self.stop.set()
        if self.ticker is not None:
            self.ticker.join()
            self.ticker = None
        with self.lock:
            if self.tty and self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()
            self.width = 0


def _summary(result: RunResult) -> str:
    rows = sum(result.rows.values())
    seconds = result.timings.get("total", 0.0)
    withheld = sum(sum(v.values()) for v in result.withheld.values())
    line = f"{result.dataset:24} {result.status.value:10} {rows:>9,} rows  {seconds:6.1f} s"
    if result.version:
        line += f"  version {result.version}"
    if withheld:
        line += f"  withheld {withheld:,}"
    for resource, reasons in sorted(result.withheld.items()):
        # Why: the rows' disclosure attribute (不予公开, 依申请公开 …), not public by policy.
        why = ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items()) if n)
        if why:
            line += f"\n    withheld from {resource} (disclosure attribute not 主动公开): {why}"
    if result.error:
        line += f"\n    {result.error_kind or ''}: {result.error.splitlines()[0]}"
    for warning in result.warnings:
        line += f"\n    warning: {warning}"
    return line


@main.command("refresh")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Refresh every enabled source.")
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Publish even if a resource empties or loses more rows than shrink_fraction allows.",
)
def refresh_command(names: tuple[str, ...], all_: bool, allow_shrink: bool) -> None:
    """Refresh datasets from their sources and publish new versions.

    A run in which a resource that has rows now would have none, or would lose more than
    shrink_fraction of them (default 0.5), fails with 'shrink' and publishes nothing, unless
    --allow-shrink is given.
    """
    from opendata.pipeline.isolated import refresh_in_process
    from opendata.sources.sync import registry_of, sync

    svc = services()
    sync(svc)  # what the API shows of sources follows what this refresh runs
    progress = Progress()
    results = []
    for name in _names(svc, names, all_):
        progress.start(name)
        # Each in a process of its own, under the source's time and memory limits: a source
        # that hangs or runs out of memory fails alone and the next one still runs.
        result = refresh_in_process(
            svc, name, trigger="cli", progress=progress, allow_shrink=allow_shrink
        )
        progress.done()
        click.echo(_summary(result))
        results.append(result)
    click.echo(_tally(results))
    if any(not r.ok for r in results) or (all_ and registry_of(svc).refused):
        sys.exit(1)


def _names(svc: Services, names: tuple[str, ...], all_: bool) -> tuple[str, ...]:
    """The datasets a refresh runs: those named, or with --all every enabled source in
    dependency order (the refused ones named on stderr)."""
    from opendata.sources.discovery import refresh_order
    from opendata.sources.sync import registry_of

    if all_:
        if names:
            raise click.UsageError("give dataset names or --all, not both")
        for name, err in sorted(registry_of(svc).refused.items()):
            click.echo(f"{name:24} REFUSED    {err.reason}", err=True)
        return tuple(refresh_order(registry_of(svc).sources))
    if not names:
        raise click.UsageError("name at least one dataset, or use --all")
    return names


def _tally(results: list[RunResult]) -> str:
    from opendata.pipeline.refresh import RunStatus

    counts = {s: sum(1 for r in results if r.status == s) for s in RunStatus}
    return f"{len(results)} dataset(s): " + ", ".join(
        f"{n} {s.value}" for s, n in counts.items() if n
    )


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate_command(path: Path, as_json: bool) -> None:
    """Validate a data package on disk with the rules the core applies at refresh."""
    import orjson

    from opendata.pipeline.validate import validate_path

    report = validate_path(path)
    if as_json:
        click.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(report.summary())
    sys.exit(0 if report.valid else 1)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the API and portal with the built-in server (use gunicorn in production)."""
    from opendata.app import create_app

    app = create_app()
    click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
