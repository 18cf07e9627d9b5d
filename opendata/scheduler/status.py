"""What an operator sees per source: schedule, next run, last run and success, overdue or not.

Read by ``GET /api/v1/sources`` and ``opendata runs``; it reads the catalog only (the scheduler
writes ``od_source_state``), so the web app needs no scheduler to answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opendata.redact import redact, strip_paths
from opendata.scheduler import state
from opendata.scheduler.settings import SchedulerSettings
from opendata.scheduler.triggers import ScheduleError, make_trigger
from opendata.services import Services
from opendata.store.catalog import utcnow

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


def source_status(services: Services, settings: SchedulerSettings) -> list[dict[str, Any]]:
    """One entry per installed source: enabled, disabled (by config) or refused (and why)."""
    registry = services.registry
    catalog = services.catalog
    states = state.all_states(services.engine)
    now = utcnow()
    out: list[dict[str, Any]] = []
    for name, loaded in sorted(registry.sources.items()):
        cls = loaded.cls
        schedule = settings.schedule_for(name, cls.schedule)
        last = catalog.last_run(name)
        success = catalog.last_run(name, status=SUCCESS)
        dataset = catalog.dataset(name)
        st = states.get(name, {})
        last_success = success.get("finished") if success else None
        reference = last_success or (dataset["created"] if dataset else None)
        out.append(
            {
                "name": name,
                "state": "enabled",
                "title": cls.title,
                "distribution": loaded.distribution,
                "schedule": schedule,
                "timezone": str(settings.timezone),
                "depends_on": list(cls.depends_on),
                "next_run": st.get("next_run"),
                "last_run": _run_summary(last),
                "last_success": last_success,
                "consecutive_failures": int(st.get("consecutive_failures") or 0),
                "failing_since": st.get("failing_since"),
                "overdue": overdue(schedule, settings, reference, now),
                "reason": None,
            }
        )
    for name in sorted(registry.disabled):
        out.append(_inactive(name, "disabled", "not matched by SOURCES_ENABLED"))
    for name, err in sorted(registry.refused.items()):
        # Shown to anyone: an import error's text may hold a plugin's secrets and server paths.
        out.append(_inactive(name, "refused", strip_paths(redact(err.reason))))
    return out


def _run_summary(run: dict[str, Any]) -> dict[str, Any] | None:
    if not run:
        return None
    keys = ("id", "status", "trigger", "attempt", "started", "finished", "version", "error_kind")
    return {k: run.get(k) for k in keys}


def _inactive(name: str, kind: str, reason: str) -> dict[str, Any]:
    return {
        "name": name,
        "state": kind,
        "title": None,
        "distribution": None,
        "schedule": None,
        "timezone": None,
        "depends_on": [],
        "next_run": None,
        "last_run": None,
        "last_success": None,
        "consecutive_failures": 0,
        "failing_since": None,
        "overdue": False,
        "reason": reason,
    }
