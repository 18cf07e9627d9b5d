"""What an operator sees per source: schedule, next run, last run and success, overdue or not.

Read by ``GET /api/v1/sources``. It reads the catalog only: ``od_sources`` (written by
``opendata sources sync``) for what is installed, ``od_source_state`` (written by the scheduler)
for the next run and failures, and the runs, so the web app loads no plugin and no scheduler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from opendata.read.freshness import SUCCESS, overdue
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.store import db
from opendata.store.catalog import as_utc, utcnow
from opendata.store.sources import ENABLED, SourceRow, all_sources

_RUN_KEYS = ("id", "status", "trigger", "attempt", "started", "finished", "version", "error_kind")


def source_status(services: Services, settings: SchedulerSettings) -> list[dict[str, Any]]:
    """One entry per installed source: enabled, disabled (by config) or refused (and why)."""
    states = _states(services.engine)
    now = utcnow()
    rows = all_sources(services.engine)
    out = [
        _enabled(services, settings, r, states.get(r.name, {}), now)
        for r in rows
        if r.state == ENABLED
    ]
    out += [_inactive(r) for r in rows if r.state != ENABLED]
    return out


def _enabled(
    services: Services,
    settings: SchedulerSettings,
    row: SourceRow,
    state: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    catalog = services.catalog
    last = catalog.last_run(row.name)
    success = catalog.last_run(row.name, status=SUCCESS)
    dataset = catalog.dataset(row.name)
    last_success = success.get("finished") if success else None
    reference = last_success or (dataset["created"] if dataset else None)
    schedule = row.schedule or ""
    return {
        "name": row.name,
        "state": row.state,
        "title": row.title,
        "distribution": row.distribution,
        "schedule": schedule,
        "timezone": str(settings.timezone),
        "depends_on": list(row.depends_on),
        "next_run": state.get("next_run"),
        "last_run": _run_summary(last),
        "last_success": last_success,
        "consecutive_failures": int(state.get("consecutive_failures") or 0),
        "failing_since": state.get("failing_since"),
        "overdue": overdue(schedule, settings, reference, now),
        "reason": None,
    }


def _states(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(select(db.source_state)).mappings().all()
    return {
        r["source"]: {
            "consecutive_failures": r["consecutive_failures"],
            "failing_since": as_utc(r["failing_since"]),
            "next_run": as_utc(r["next_run"]),
        }
        for r in found
    }


def _run_summary(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if not run:
        return None
    return {k: run.get(k) for k in _RUN_KEYS}


def _inactive(row: SourceRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "state": row.state,
        "title": None,
        "distribution": row.distribution if row.state == "disabled" else None,
        "schedule": None,
        "timezone": None,
        "depends_on": [],
        "next_run": None,
        "last_run": None,
        "last_success": None,
        "consecutive_failures": 0,
        "failing_since": None,
        "overdue": False,
        "reason": row.reason,
    }
