"""What the portal's report pages read: the published data, today in the office's time zone,
the reporting body, and the per-year deadline status (shared by the home page and the report
page, so both say the same)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from opendata.report.published import CatalogData
from opendata.report.status import YearStatus, report_status
from opendata.services import Services


def today(services: Services) -> date:
    """The date where the office is: a report due on 31 January is late from 1 February there."""
    zone = services.config.get("SCHEDULER", {}).get("timezone", "Asia/Shanghai")
    return datetime.now(ZoneInfo(zone)).date()


def published_data(services: Services) -> CatalogData:
    return CatalogData(services.catalog, services.datasets_root)


def reporting_body(data: CatalogData) -> str:
    """The body that reports: the publisher of the application register (as the API says)."""
    meta = data.catalog.dataset("disclosure_requests")
    return str(meta.get("publisher") or "") if meta else ""


def deadlines(services: Services) -> list[YearStatus]:
    """Per year, newest first: published or not, due 31 January of the next year, overdue."""
    return report_status(published_data(services), today(services))
