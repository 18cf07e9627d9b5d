"""Per year: is the annual report published, and when is (was) it due?

A report on year Y is due by 31 January of Y+1 (《政府信息公开条例》第五十条, for departments).
It counts as published when the current version of the ``annual_reports`` dataset holds it:
that dataset publishes only reports that pass the rules. ``today`` is passed in, never read
here, so the same inputs give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from opendata.report.compute import available_years
from opendata.report.published import MissingData, Published

#: The derived dataset that holds the published reports.
REPORTS_DATASET = "annual_reports"


def due_date(year: int) -> date:
    """31 January of the year after ``year``."""
    return date(year + 1, 1, 31)


@dataclass(frozen=True)
class YearStatus:
    year: int
    due: date
    published: bool
    overdue: bool
    #: The ``annual_reports`` version that holds the report, and the report's own date.
    version: str | None = None
    report_date: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "due_date": self.due.isoformat(),
            "published": self.published,
            "overdue": self.overdue,
            "published_version": self.version,
            "report_date": self.report_date,
        }


def _published(data: Published) -> tuple[str | None, dict[int, str]]:
    try:
        rows = data.rows(REPORTS_DATASET, "reports")
        version = data.version(REPORTS_DATASET)
    except MissingData:
        return None, {}
    return version, {int(r["year"]): r.get("report_date", "") for r in rows}


def report_status(data: Published, today: date) -> list[YearStatus]:
    """Every year the data covers or a report was published for, up to ``today``'s, newest first."""
    version, published = _published(data)
    # Last year's report is always expected, whether or not its data has been published yet.
    years = {y for y in (*available_years(data), *published) if y <= today.year}
    years.add(today.year - 1)
    out = []
    for year in sorted(years, reverse=True):
        due = due_date(year)
        done = year in published
        out.append(
            YearStatus(
                year,
                due,
                done,
                overdue=not done and today > due,
                version=version if done else None,
                report_date=published.get(year) or None,
            )
        )
    return out
