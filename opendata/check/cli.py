"""The ``opendata check`` command: list mismatches (exit 1), ``--repair``, ``--json``."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from opendata.check.findings import Finding, find_all
from opendata.check.repair import Done, repair_all
from opendata.check.state import read_state
from opendata.services import Services


def run_check(services: Services, *, quick: bool = False) -> list[Finding]:
    """The mismatches of ``services``' deployment now."""
    state = read_state(services.engine, services.datasets_root)
    return find_all(state, services.engine, services.datasets_root, quick=quick)


def _where(finding: Finding) -> str:
    if finding.path:
        return finding.path
    parts = [p for p in (finding.dataset, finding.version, finding.resource) if p]
    where = "/".join(parts)
    return f"{where} table {finding.table}" if finding.table else where


def _line(finding: Finding) -> str:
    fix = f"  [--repair: {finding.repair}]" if finding.repair else "  [not repairable here]"
    return f"{finding.kind:28} {_where(finding)}: {finding.message}{fix}"


def _report(found: list[Finding], done: list[Done] | None, busy: dict[str, str]) -> None:
    for item in done or []:
        mark = "repaired" if item.ok else "left"
        click.echo(f"{mark:9} {item.finding.kind:28} {_where(item.finding)}: {item.action}")
    for name, holder in sorted(busy.items()):
        click.echo(
            f"note: {name} is being refreshed by {holder}; its work in progress is not listed"
        )
    for finding in found:
        click.echo(_line(finding))
    if found:
        click.echo(f"{len(found)} mismatch(es)")
    else:
        click.echo("catalog, folders, markers and tables agree")


@click.command("check")
@click.option("--repair", is_flag=True, help="Fix what can be fixed without losing a version.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--quick", is_flag=True, help="Skip file hashes and table row counts.")
def check_command(repair: bool, as_json: bool, quick: bool) -> None:
    """Compare the catalog, the version folders, the current markers and the datastore tables.

    Lists every mismatch; exit status 0 when they agree, 1 otherwise. With --repair, fixes what
    can be fixed without losing a published version (orphan tables and folders, markers,
    pending tables, tables reloaded from their version's files, a current pointer at a missing
    version), says what it did, checks again and exits by what is left.
    """
    from opendata.cli import services as make_services

    svc = make_services()
    try:
        found = run_check(svc, quick=quick)
        done = repair_all(svc, found) if repair else None
        if repair:
            found = run_check(svc, quick=quick)
        busy = read_state(svc.engine, svc.datasets_root).leased
    finally:
        svc.close()
    if as_json:
        out: dict[str, Any] = {"ok": not found, "findings": [f.to_dict() for f in found]}
        if done is not None:
            out["repairs"] = [d.to_dict() for d in done]
        click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    else:
        _report(found, done, busy)
    sys.exit(1 if found else 0)
