"""Freshness: the last successful refresh against what the dataset's cron schedule promises.

After a successful run at *t*, the schedule promises the next one at ``next_fire(t)``; the data is
*overdue* when that moment plus a grace (the scheduler's misfire grace, which also covers its
retries) has passed without another success. APScheduler's ``CronTrigger`` reads the crontab the
same way the scheduler process does, so the API and the scheduler cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger


def freshness(
    schedule: str,
    last_success: datetime | None,
    now: datetime,
    *,
    timezone: str = "Asia/Shanghai",
    grace_seconds: float = 3600.0,
) -> dict[str, Any]:
    """``status`` is ``fresh``, ``overdue``, ``never`` (no success yet) or ``unscheduled``."""
    out: dict[str, Any] = {
        "schedule": schedule or None,
        "timezone": timezone,
        "last_success": last_success,
        "next_expected": None,
        "expected_interval_seconds": None,
        "overdue_seconds": 0,
        "status": "unscheduled",
    }
    if not schedule:
        return out
    try:
        tz = ZoneInfo(timezone)
        trigger = CronTrigger.from_crontab(schedule, timezone=tz)
    except (ValueError, ZoneInfoNotFoundError):
        out["status"] = "unscheduled"
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
    late = (now - due).total_seconds() - grace_seconds
    out["status"] = "overdue" if late > 0 else "fresh"
    out["overdue_seconds"] = int(max(late + grace_seconds, 0)) if late > 0 else 0
    return out
