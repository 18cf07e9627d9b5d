"""``opendata report …``: the annual report's commands.

``check`` reads an existing report (text, HTML or DOCX) and prints what the rules find; the
generator's ``annual`` and ``status`` join the same group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from opendata.report.check import check_file, render_json, render_text
from opendata.report.extract import ReportReadError
from opendata.report.model import Report


@click.group("report")
def report_group() -> None:
    """The annual report on information disclosure (政府信息公开工作年度报告)."""


def _published_report(year: int) -> Report:
    """The report of ``year`` computed from the current published versions."""
    from opendata.cli import services
    from opendata.report.compute import build_model
    from opendata.report.published import CatalogData, MissingData

    svc = services()
    try:
        report, _ = build_model(CatalogData(svc.catalog, svc.datasets_root), year)
    except MissingData as exc:
        raise click.ClickException(f"--against-data: {exc}; refresh the sources first") from exc
    return report


@report_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--against-data", is_flag=True, help="Also compare the figures with the published data."
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Last year's report, for X1 (上年结转 = last year's 结转下年度).",
)
@click.option("--year", type=int, help="The year reported on, when the text does not say.")
@click.option(
    "--verbose", "-v", is_flag=True, help="Also list the sums that were checked and hold."
)
def check_command(
    file: Path,
    as_json: bool,
    against_data: bool,
    previous: Path | None,
    year: int | None,
    verbose: bool,
) -> None:
    """Check an existing report (text, HTML or DOCX); exit 1 on any error (R1–R4, D1)."""
    try:
        result = check_file(file, previous=previous, year=year, include_passed=verbose)
        if against_data:
            data = _published_report(result.report.year)
            result = check_file(
                file, previous=previous, year=year, data=data, include_passed=verbose
            )
    except ReportReadError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(orjson.dumps(render_json(result), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_text(result, verbose=verbose), nl=False)
    sys.exit(1 if result.errors else 0)


# The generator's commands live in their own module (engineer M's); registered here.
def _add_generator_commands() -> None:
    from opendata.report.commands import annual_command, status_command

    report_group.add_command(annual_command)
    report_group.add_command(status_command)


_add_generator_commands()
