"""``opendata …`` commands: sources, refresh, validate, serve, runs, token, scheduler.

Every command builds its services from the same configuration as the web app (defaults → the
TOML file named by ``OPENDATA_CONFIG`` → ``OPENDATA_*`` variables).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from opendata.config import load_config
from opendata.config_show import ConfigAwareGroup, config_group
from opendata.pipeline.isolated import refresh_in_process
from opendata.pipeline.refresh import RunResult, RunStatus
from opendata.pipeline.validate import validate_path
from opendata.services import Services
from opendata.sources.discovery import refresh_order
from opendata.sources.sync import registry_of, sync
from opendata.store.schema import SchemaError


def services(*, require_schema: bool = True) -> Services:
    """The services, or the schema's refusal as a one-line error naming `opendata db upgrade`.

    Like the web workers and the scheduler, commands never create tables: `make run` and the
    operations guide run `opendata db upgrade` first.
    """
    try:
        return Services.from_config(load_config(), require_schema=require_schema)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=ConfigAwareGroup)
@click.version_option(package_name="opendata")
def main() -> None:
    """Publish disclosure catalogues and service guides as versioned data packages."""


@main.group("sources", invoke_without_command=True)
@click.pass_context
def sources_command(ctx: click.Context) -> None:
    """List installed sources: enabled or not, schedule, and why any was refused."""
    if ctx.invoked_subcommand is not None:
        return
    svc = services(require_schema=False)  # reads plugins only, no catalog table
    reg = registry_of(svc)
    overrides = svc.config.get("SCHEDULER", {}).get("schedules", {})
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
    svc = services()
    rows = sync(svc)
    counts = {
        state: sum(1 for r in rows if r.state == state)
        for state in ("enabled", "disabled", "refused")
    }
    click.echo("synced sources: " + ", ".join(f"{n} {state}" for state, n in counts.items()))


class _Progress:
    """A one-line row counter on a terminal; silent when output is not a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, dataset: str, rows: int) -> None:
        if self.tty:
            click.echo(f"\r  {dataset}: {rows:,} rows", nl=False, err=True)

    def done(self) -> None:
        if self.tty:
            click.echo("\r" + " " * 60 + "\r", nl=False, err=True)


def _summary(result: RunResult) -> str:
    rows = sum(result.rows.values())
    seconds = result.timings.get("total", 0.0)
    withheld = sum(sum(v.values()) for v in result.withheld.values())
    line = f"{result.dataset:24} {result.status.value:10} {rows:>9,} rows  {seconds:6.1f} s"
    if result.version:
        line += f"  version {result.version}"
    if withheld:
        line += f"  withheld {withheld}"
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
    svc = services()
    sync(svc)  # what the API shows of sources follows what this refresh runs
    if all_:
        if names:
            raise click.UsageError("give dataset names or --all, not both")
        names = tuple(refresh_order(registry_of(svc).sources))
        for name, err in sorted(registry_of(svc).refused.items()):
            click.echo(f"{name:24} REFUSED    {err.reason}", err=True)
    elif not names:
        raise click.UsageError("name at least one dataset, or use --all")
    progress = _Progress()
    results = []
    for name in names:
        # Each in a process of its own, under the source's time and memory limits: a source
        # that hangs or runs out of memory fails alone and the next one still runs.
        result = refresh_in_process(
            svc, name, trigger="cli", progress=progress, allow_shrink=allow_shrink
        )
        progress.done()
        click.echo(_summary(result))
        results.append(result)
    failed = [r for r in results if not r.ok]
    counts = {s: sum(1 for r in results if r.status == s) for s in RunStatus}
    click.echo(
        f"{len(results)} dataset(s): " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    )
    if failed or (all_ and registry_of(svc).refused):
        sys.exit(1)


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate_command(path: Path, as_json: bool) -> None:
    """Validate a data package on disk with the rules the core applies at refresh."""
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


def _register_optional_commands() -> None:
    # Commands that live beside the part they drive (the scheduler, tokens, runs) add themselves.
    from opendata import commands
    from opendata.report.cli import report_group

    commands.register(main)
    main.add_command(report_group)


_register_optional_commands()
main.add_command(config_group)
