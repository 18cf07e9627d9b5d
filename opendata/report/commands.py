"""``opendata report annual`` and ``opendata report status``: generate a report, list deadlines.

Both read the current published versions through the catalog (never a source or the pipeline).
``annual`` refuses to write a report that breaks a rule: it prints each failed rule with its
table, row, column and numbers, and exits 1.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from opendata.report.compute import Built, available_years, build, to_json_bytes
from opendata.report.paragraphs import ParagraphError, read_paragraph
from opendata.report.published import CatalogData
from opendata.report.rules import Finding
from opendata.report.status import report_status

FORMATS = ("json", "html", "docx", "pdf")


def _where(f: Finding) -> str:
    return "/".join(p for p in (f.table, f.row, f.column) if p) or "报告"


def finding_line(f: Finding) -> str:
    """One finding as a line: severity, rule, table/row/column, message, the numbers."""
    numbers = "; ".join(f"{k} = {v}" for k, v in f.numbers)
    return f"{f.severity} {f.rule} {_where(f)}: {f.message} [{numbers}]"


def _render(built: Built, fmt: str) -> bytes:
    if fmt == "json":
        return to_json_bytes(built.as_json())
    from opendata.report.render import render

    return render(built.report, fmt)


def _data() -> tuple[CatalogData, dict[str, object]]:
    from opendata.cli import services

    svc = services()
    return CatalogData(svc.catalog, svc.datasets_root), svc.config


def _today(config: dict[str, object]) -> date:
    scheduler = config.get("SCHEDULER")
    zone = scheduler.get("timezone", "Asia/Shanghai") if isinstance(scheduler, dict) else None
    return datetime.now(ZoneInfo(str(zone or "Asia/Shanghai"))).date()


@click.command("annual")
@click.option("--year", type=int, required=True, help="The year reported on.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output; docx and pdf need a file).",
)
def annual_command(year: int, fmt: str, output: Path | None) -> None:
    """Build the report of --year from the current published versions; exit 1 on a rule error."""
    data, config = _data()
    if year not in available_years(data):
        raise click.ClickException(
            f"no published data for an annual report on {year}: "
            "refresh the sources first (opendata refresh --all)"
        )
    if fmt in ("docx", "pdf") and output is None:
        raise click.ClickException(f"--format {fmt} is binary: give a file with -o")
    reports = config.get("REPORTS")
    root = reports.get("paragraphs_path") if isinstance(reports, dict) else None
    _check_paragraphs(root, year)
    meta = data.catalog.dataset("disclosure_requests")
    built = build(data, year, paragraphs_root=root, body=str((meta or {}).get("publisher") or ""))
    for finding in built.findings:
        click.echo(finding_line(finding), err=True)
    if built.errors:
        click.echo(
            f"the report on {year} breaks {len(built.errors)} rule(s): not written", err=True
        )
        sys.exit(1)
    payload = _render(built, fmt)
    if output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        output.write_bytes(payload)
        click.echo(f"{output}: the {year} report ({built.report.format_id}), {len(payload)} bytes")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_command(as_json: bool) -> None:
    """Per year: is the report published, when is it due (31 January of the next year)."""
    data, config = _data()
    today = _today(config)
    rows = report_status(data, today)
    if as_json:
        body = {"today": today.isoformat(), "years": [s.as_dict() for s in rows]}
        sys.stdout.buffer.write(to_json_bytes(body))
        return
    click.echo(f"{'year':<6}{'due':<12}{'published':<11}state")
    for s in rows:
        state = "published" if s.published else ("OVERDUE" if s.overdue else "not yet due")
        click.echo(f"{s.year:<6}{s.due.isoformat():<12}{'yes' if s.published else 'no':<11}{state}")


def _check_paragraphs(root: str | None, year: int) -> None:
    """Stop on an office paragraph that cannot be published (not UTF-8, too large, personal
    data), naming its file and line: the portal would show the section as withheld."""
    if root is None:
        return
    for section in sorted(Path(root, str(year)).glob("*.md")):
        try:
            read_paragraph(root, year, section.stem)
        except ParagraphError as exc:
            raise click.ClickException(str(exc)) from None
