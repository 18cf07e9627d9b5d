"""Value readers of the temporal types: date, datetime, time, year, yearmonth, duration.

Each is a line-for-line port of the frictionless 5.21 type's ``create_value_reader``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from .fieldspec import ValueReader


class yearmonth(NamedTuple):
    year: int
    month: int


def date_reader(fmt: str) -> ValueReader:
    """The date reader for a format (default ISO, any, or a strptime pattern)."""

    def read_date(cell: Any) -> Any:
        if isinstance(cell, datetime):
            if cell.time() == time(0, 0):
                return cell.date()
            return None
        if isinstance(cell, date):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            if fmt == "default":
                return datetime.strptime(cell, "%Y-%m-%d").date()
            if fmt == "any":
                from dateutil import parser as du

                return du.parse(cell).date()
            return datetime.strptime(cell, fmt).date()
        except Exception:
            return None

    return read_date


def datetime_reader(fmt: str) -> ValueReader:
    """The datetime reader for a format (default ISO, any, or a strptime pattern)."""
    from dateutil import parser as du

    def read_datetime(cell: Any) -> Any:
        if isinstance(cell, datetime):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            if fmt == "default":
                # frictionless insists on seconds ("…THH:MM:SS") before handing over to isoparse
                if cell[16] != ":" or len(cell) < 19:
                    return None
                return du.isoparse(cell)
            if fmt == "any":
                return du.parse(cell)
            return datetime.strptime(cell, fmt)
        except Exception:
            return None

    return read_datetime


def time_reader(fmt: str) -> ValueReader:
    """The time reader for a format (default ISO, any, or a strptime pattern)."""
    from dateutil import parser as du

    def read_time(cell: Any) -> Any:
        if isinstance(cell, time):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            if fmt == "default":
                if cell[5] != ":" or len(cell) < 8:
                    return None
                return du.isoparse(f"2000-01-01T{cell}").timetz()
            if fmt == "any":
                return du.parse(cell).timetz()
            return datetime.strptime(cell, fmt).timetz()
        except Exception:
            return None

    return read_time


def year_reader(cell: Any) -> Any:
    """A four-digit year, 0 to 9999."""
    if not isinstance(cell, int):
        if not isinstance(cell, str) or len(cell) != 4:
            return None
        try:
            cell = int(cell)
        except Exception:
            return None
    if cell < 0 or cell > 9999:
        return None
    return cell


def yearmonth_reader(cell: Any) -> Any:
    """A "YYYY-MM" text, or a pair, as a ``yearmonth``."""
    if isinstance(cell, tuple | list):
        return yearmonth(cell[0], cell[1]) if len(cell) == 2 else None
    if not isinstance(cell, str):
        return None
    try:
        year_s, month_s = cell.split("-")
        year, month = int(year_s), int(month_s)
    except Exception:
        return None
    if month < 1 or month > 12:
        return None
    return yearmonth(year, month)


def duration_reader(cell: Any) -> Any:
    """An ISO 8601 duration, as isodate parses it."""
    import isodate

    if isinstance(cell, isodate.Duration | timedelta):
        return cell
    if not isinstance(cell, str):
        return None
    try:
        return isodate.parse_duration(cell)
    except Exception:
        return None
