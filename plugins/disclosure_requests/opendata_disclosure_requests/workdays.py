"""Chinese working days (工作日) for statutory deadlines.

A working day is a day on which the State Council's holiday arrangement has people at work:
Monday to Friday except public holidays, plus the make-up workdays (调休) that fall on a weekend.
The ``chinesecalendar`` package knows the arrangement for the years it was released with (2004–2026
in 1.11) and raises ``NotImplementedError`` for later ones. For those years a deployment supplies
an override table (extra holidays and make-up workdays per year, as published each November);
without one this module falls back to Monday–Friday and reports the year once through ``warn``.

Counting starts the day after receipt: the n-th working day strictly after the date. (The
library's ``find_workday(n, d)`` agrees when ``d`` is a working day; from a weekend or holiday it
first moves to the next working day and counts from there, one day later than the statute.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar


@dataclass(frozen=True)
class YearOverride:
    """A year's holiday arrangement: days off on weekdays and make-up workdays on weekends."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def of(cls, holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = ()) -> YearOverride:
        """Build from any iterables of dates."""
        return cls(frozenset(holidays), frozenset(workdays))


@dataclass
class WorkdayCalendar:
    """Answers "is this a working day" and "which is the n-th working day after a date".

    ``overrides`` maps a year to its arrangement; an override also wins over the library for a
    year the library knows (to correct it). ``warn`` receives one message per year that falls
    back to Monday–Friday.
    """

    overrides: Mapping[int, YearOverride] = field(default_factory=dict)
    warn: Callable[[str], None] = lambda message: None
    _library_knows: dict[int, bool] = field(default_factory=dict, init=False, repr=False)
    fallback_years: set[int] = field(default_factory=set, init=False)

    def is_workday(self, day: dt.date) -> bool:
        """True if ``day`` is a working day."""
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.holidays:
                return False
            if day in override.workdays:
                return True
            if self._knows(day.year):
                return bool(chinese_calendar.is_workday(day))
            return day.weekday() < 5
        if self._knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        if day.year not in self.fallback_years:
            self.fallback_years.add(day.year)
            self.warn(
                f"working-day calendar: no holiday arrangement known for {day.year} "
                f"(chinesecalendar {chinese_calendar.__version__} and no workday_overrides entry "
                f"for {day.year}); counted Monday–Friday as working days for {day.year}"
            )
        return day.weekday() < 5

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day strictly after ``start`` (``start`` itself never counts)."""
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def _knows(self, year: int) -> bool:
        known = self._library_knows.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(dt.date(year, 1, 1))
                known = True
            except NotImplementedError:
                known = False
            self._library_knows[year] = known
        return known
