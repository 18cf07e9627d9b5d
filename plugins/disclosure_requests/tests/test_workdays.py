"""The working-day calendar: statutory deadlines in Chinese working days."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opendata_disclosure_requests.aggregate import due_date, time_limit
from opendata_disclosure_requests.workdays import WorkdayCalendar, YearOverride


def test_national_day_2018_example() -> None:
    # The example of the pitfalls page: Golden Week and its make-up Saturday 2018-09-29.
    assert WorkdayCalendar().add_workdays(dt.date(2018, 9, 28), 20) == dt.date(2018, 10, 31)


def test_national_day_make_up_saturday_counts_and_holidays_do_not() -> None:
    calendar = WorkdayCalendar()
    # Friday 2018-09-28: the weekend 09-29/09-30 was made up for the Golden Week, then 10-08.
    assert calendar.add_workdays(dt.date(2018, 9, 28), 1) == dt.date(2018, 9, 29)
    assert calendar.add_workdays(dt.date(2018, 9, 28), 2) == dt.date(2018, 9, 30)
    assert calendar.add_workdays(dt.date(2018, 9, 28), 3) == dt.date(2018, 10, 8)
    for day in range(1, 8):
        assert not calendar.is_workday(dt.date(2018, 10, day))


def test_spring_festival_2018_make_up_days() -> None:
    calendar = WorkdayCalendar()
    # Spring Festival 2018: 02-15..02-21 off; Sunday 02-11 and Saturday 02-24 are workdays.
    assert calendar.add_workdays(dt.date(2018, 2, 9), 1) == dt.date(2018, 2, 11)
    assert calendar.add_workdays(dt.date(2018, 2, 14), 1) == dt.date(2018, 2, 22)
    assert calendar.add_workdays(dt.date(2018, 2, 23), 1) == dt.date(2018, 2, 24)


def test_receipt_day_itself_is_never_counted() -> None:
    calendar = WorkdayCalendar()
    monday = dt.date(2018, 3, 5)
    assert calendar.add_workdays(monday, 1) == dt.date(2018, 3, 6)
    # Received on a Saturday: the first working day is the Monday after.
    assert calendar.add_workdays(dt.date(2018, 3, 3), 1) == monday
    with pytest.raises(ValueError):
        calendar.add_workdays(monday, 0)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2025, 10, 31)),
    count=st.integers(min_value=1, max_value=40),
)
def test_agrees_with_chinese_calendar_where_it_knows(start: dt.date, count: int) -> None:
    due = WorkdayCalendar().add_workdays(start, count)
    if chinese_calendar.is_workday(start):
        assert due == chinese_calendar.find_workday(count, start)
    else:
        # find_workday first moves to the next working day and counts from there; our count
        # starts the day after receipt, so that first working day is already day 1.
        assert due == chinese_calendar.find_workday(count - 1, start)
    # Independently: exactly ``count`` working days in (start, due], and due is one of them.
    window = chinese_calendar.get_workdays(start + dt.timedelta(days=1), due)
    assert len(window) == count
    assert window[-1] == due


def test_unknown_year_without_override_falls_back_to_weekdays_and_warns_once() -> None:
    warnings: list[str] = []
    calendar = WorkdayCalendar(warn=warnings.append)
    # 2027-01-01 is a Friday; the library does not know 2027, so Monday–Friday applies.
    assert calendar.add_workdays(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)
    assert calendar.add_workdays(dt.date(2027, 1, 1), 1) == dt.date(2027, 1, 4)
    assert len(warnings) == 1
    assert "2027" in warnings[0]
    assert calendar.fallback_years == {2027}


def test_unknown_year_uses_the_override_table() -> None:
    warnings: list[str] = []
    override = YearOverride.of(holidays=[dt.date(2027, 1, 1)], workdays=[dt.date(2027, 2, 6)])
    calendar = WorkdayCalendar(overrides={2027: override}, warn=warnings.append)
    assert calendar.add_workdays(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
    # A make-up Saturday counts.
    assert calendar.add_workdays(dt.date(2027, 2, 5), 1) == dt.date(2027, 2, 6)
    assert not calendar.is_workday(dt.date(2027, 2, 7))
    assert warnings == []


def test_override_corrects_a_year_the_library_knows() -> None:
    # Say the State Council moved a day off in 2018 after the library's release.
    extra = dt.date(2018, 3, 6)
    calendar = WorkdayCalendar(overrides={2018: YearOverride.of(holidays=[extra])})
    assert not calendar.is_workday(extra)
    assert calendar.add_workdays(dt.date(2018, 3, 5), 1) == dt.date(2018, 3, 7)
    # Days the override does not name still follow the library.
    assert not calendar.is_workday(dt.date(2018, 10, 1))
    assert calendar.is_workday(dt.date(2018, 9, 29))


def test_time_limits_before_and_after_decree_711() -> None:
    assert time_limit(dt.date(2019, 5, 14), extended=False) == 15
    assert time_limit(dt.date(2019, 5, 14), extended=True) == 30
    assert time_limit(dt.date(2019, 5, 15), extended=False) == 20
    assert time_limit(dt.date(2019, 5, 15), extended=True) == 40


def test_due_date_with_extension_is_forty_working_days() -> None:
    calendar = WorkdayCalendar()
    received = dt.date(2023, 9, 15)
    assert due_date(received, False, calendar) == chinese_calendar.find_workday(20, received)
    assert due_date(received, True, calendar) == chinese_calendar.find_workday(40, received)
    # 2023: 09-29..10-06 off, Saturday 10-07 and Sunday 10-08 are make-up days.
    assert due_date(received, False, calendar) == dt.date(2023, 10, 19)
