"""Freshness: the last successful refresh against what the dataset's schedule promises.

After a successful run at *t*, the schedule promises the next one at ``next_fire(t)``; the data is
*overdue* when that moment plus an allowance (the scheduler's misfire grace, which also covers its
retries, and its jitter) has passed without another success. The trigger is the scheduler's own
(:func:`~opendata.schedules.triggers.make_trigger`: crontab weekdays, six fields, ``@every``)
and the allowance that of :func:`overdue`, so the API, the portal and the scheduler cannot
disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opendata.schedules.settings import SchedulerSettings
from opendata.schedules.triggers import ScheduleError, make_trigger
from opendata.services import Services

SUCCESS = ("published", "unchanged")


def overdue(
    schedule: str, settings: SchedulerSettings, since: datetime | None, now: datetime
) -> bool:
    """True when a scheduled run after ``since`` should have succeeded by ``now`` and did not.

    ``since`` is the last success (or, for a source that never succeeded, when it was first
    seen). The allowance covers the misfire grace and the jitter: a run may legitimately start
    that late.
    """
    if since is None:
        return False
    try:
        trigger = make_trigger(schedule, settings.timezone)  # no jitter: the nominal times
    except ScheduleError:
        return False
    due = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
    if due is None:
        return False
    allowance = timedelta(seconds=settings.misfire_grace_time + settings.jitter)
    return bool(now > due + allowance)


def freshness(
    schedule: str,
    last_success: datetime | None,
    now: datetime,
    settings: SchedulerSettings | None = None,
) -> dict[str, Any]:
    """``status`` is ``fresh``, ``overdue``, ``never`` (no success yet) or ``unscheduled``."""
    settings = settings or SchedulerSettings.from_config({})
    out: dict[str, Any] = {
        "schedule": schedule or None,
        "timezone": str(settings.timezone),
        "last_success": last_success,
        "next_expected": None,
        "expected_interval_seconds": None,
        "overdue_seconds": 0,
        "status": "unscheduled",
    }
    if not schedule:
        return out
    try:
        trigger = make_trigger(schedule, settings.timezone)  # no jitter: the nominal times
    except ScheduleError:
        return out
    anchor = last_success or now
    due = trigger.get_next_fire_time(None, anchor + timedelta(seconds=1))
    if due is None:
        return out
    following = trigger.get_next_fire_time(due, due + timedelta(seconds=1))
    out["next_expected"] = due
    if following is not None:
        out["expected_interval_seconds"] = int((following - due).total_seconds())
    if last_success is None:
        out["status"] = "never"
        return out
    allowance = settings.misfire_grace_time + settings.jitter
    late = (now - due).total_seconds() - allowance
    out["status"] = "overdue" if late > 0 else "fresh"
    out["overdue_seconds"] = int(late + allowance) if late > 0 else 0
    return out


def dataset_freshness(
    services: Services, name: str, schedule: str, now: datetime
) -> dict[str, Any]:
    """:func:`freshness` of dataset ``name`` with the deployment's scheduler settings."""
    try:
        settings = SchedulerSettings.from_config(services.config)
    except ValueError:  # the scheduler refuses such a config; judge by the defaults meanwhile
        settings = SchedulerSettings.from_config({})
    success = services.catalog.last_run(name, status=SUCCESS)
    return freshness(
        settings.schedule_for(name, schedule),
        success.get("finished") if success else None,
        now,
        settings,
    )
