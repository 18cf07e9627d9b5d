"""Turn a schedule string into an APScheduler 3 trigger.

Accepted forms:

- five-field crontab ``"min hour day month dow"`` — what sources declare;
- six-field ``"sec min hour day month dow"`` — a config override, mostly for tests;
- ``"@every 30s"`` / ``"@every 10m"`` / ``"@every 2h"`` — a fixed interval.

Day-of-week numbers follow crontab (0 and 7 = Sunday). APScheduler 3 counts 0 as *Monday*
(its issue #286, kept for compatibility), so a plugin's ``"0 2 * * 1"`` would silently run on
Tuesdays; numbers are translated to day names here, which both agree on.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_EVERY = re.compile(r"^@every\s+(\d+)\s*([smh])$")
_UNIT = {"s": 1, "m": 60, "h": 3600}
# Fixed so that an interval trigger compares equal across restarts (its repr includes the start).
_INTERVAL_EPOCH = datetime(2000, 1, 1)


class ScheduleError(ValueError):
    """A schedule string that is not a crontab, a six-field cron or ``@every``."""


def _crontab_days(field: str) -> str:
    """Rewrite a crontab day-of-week field with day names (see the module docstring)."""
    if not any(ch.isdigit() for ch in field):
        return field  # "*", "mon-fri": the same in both conventions ("*/2" is not)
    days: set[int] = set()
    for term in field.split(","):
        base, _, step_text = term.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            lo, hi = _day_number(a), _day_number(b)
            if hi < lo:  # "5-0": Friday through Sunday
                hi += 7
        else:
            lo = hi = _day_number(base)
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DAYS[d] for d in sorted(days))


def _day_number(text: str) -> int:
    text = text.strip().lower()
    if text.isdigit():
        value = int(text)
        if not 0 <= value <= 7:
            raise ScheduleError(f"day of week {value} is out of range 0-7")
        return value  # 7 is Sunday again; callers reduce modulo 7
    if text[:3] in _DAYS:
        return _DAYS.index(text[:3])
    raise ScheduleError(f"unknown day of week {text!r}")


def make_trigger(spec: str, timezone: tzinfo, jitter: int | None = None) -> BaseTrigger:
    """The trigger for ``spec`` in ``timezone``; :class:`ScheduleError` names what is wrong."""
    text = spec.strip()
    every = _EVERY.match(text)
    if every:
        seconds = int(every.group(1)) * _UNIT[every.group(2)]
        if seconds <= 0:
            raise ScheduleError(f"schedule {spec!r}: the interval must be positive")
        start = _INTERVAL_EPOCH.replace(tzinfo=timezone)
        return IntervalTrigger(seconds=seconds, start_date=start, timezone=timezone, jitter=jitter)
    parts = text.split()
    if len(parts) == 5:
        second = "0"
        minute, hour, day, month, dow = parts
    elif len(parts) == 6:
        second, minute, hour, day, month, dow = parts
    else:
        raise ScheduleError(
            f"schedule {spec!r} has {len(parts)} fields; use a 5-field crontab "
            "(min hour day month dow), 6 fields with seconds first, or '@every 30s'"
        )
    try:
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_days(dow),
            timezone=timezone,
            jitter=jitter,
        )
    except ValueError as exc:
        raise ScheduleError(f"schedule {spec!r}: {exc}") from exc
