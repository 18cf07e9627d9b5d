"""The scheduler's jobs and how they are put in the persistent job store.

A persistent job store pickles each job with a reference to its function and its arguments, so
jobs are module-level functions taking only a dataset name (the pitfall notes). What they need
besides — services, settings, the scheduler itself — is the process's :class:`Runtime`, bound
once by :func:`opendata.scheduler.process.run` with :func:`bind`. That single binding is the
price of APScheduler's pickled jobs; nothing else in the project reads it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.schedulers.base import BaseScheduler

from opendata.pipeline.isolated import warm_up
from opendata.pipeline.refresh import RunStatus
from opendata.scheduler import state
from opendata.scheduler.runner import Runner
from opendata.schedules.settings import SchedulerSettings
from opendata.schedules.triggers import ScheduleError, make_trigger
from opendata.services import Services
from opendata.sources.discovery import refresh_order
from opendata.sources.sync import registry_of
from opendata.store import heartbeat, refresh_queue
from opendata.store.catalog import utcnow

log = logging.getLogger(__name__)

PERSISTENT = "default"  # the SQLAlchemy job store in the catalog database
MEMORY = "memory"  # the poll and heartbeat jobs: per process, never shared between schedulers
REFRESH_PREFIX = "refresh:"
RETRY_PREFIX = "retry:"


@dataclass
class Runtime:
    services: Services
    settings: SchedulerSettings
    scheduler: BaseScheduler
    holder: str
    started: datetime = field(default_factory=utcnow)
    runner: Runner = field(init=False)
    _next_runs: dict[str, datetime | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.runner = Runner(self.services, self.settings, self.schedule_retry)
        # Refreshes run in processes forked from a fork server: start it now, while nothing
        # waits, rather than at the first refresh.
        warm_up()

    def schedule_retry(
        self, name: str, attempt: int, delay: float, trigger: str, **kwargs: bool
    ) -> None:
        # allow_shrink is stored only when set, so that a retry job keeps the three-argument
        # shape older job stores hold.
        args: list[Any] = [name, attempt, trigger]
        if kwargs.get("allow_shrink"):
            args.append(True)
        self.scheduler.add_job(
            retry_refresh,
            "date",
            run_date=utcnow() + timedelta(seconds=delay),
            args=args,
            id=f"{RETRY_PREFIX}{name}",
            name=f"retry {name} (attempt {attempt})",
            jobstore=PERSISTENT,
            replace_existing=True,
        )


_bound: dict[str, Runtime] = {}
_bind_lock = threading.Lock()


def bind(runtime: Runtime | None) -> None:
    """Make ``runtime`` the one the jobs of this process use (None unbinds it)."""
    with _bind_lock:
        _bound.clear()
        if runtime is not None:
            _bound["runtime"] = runtime


def current() -> Runtime:
    try:
        return _bound["runtime"]
    except KeyError:
        raise RuntimeError(
            "no scheduler runtime in this process; jobs run inside `opendata scheduler`"
        ) from None


# -- the jobs (module level: they are pickled by reference) --------------------------------------


def scheduled_refresh(name: str) -> None:
    """A source's cron job: refresh it, then the dependants of a new version."""
    current().runner.run_batch([name], trigger="schedule")


def retry_refresh(name: str, attempt: int, trigger: str, allow_shrink: bool = False) -> None:
    """A later attempt after a transient failure (allowed to shrink if the first one was)."""
    current().runner.run_batch(
        [name], trigger=trigger, attempt=attempt, allow_shrink={name} if allow_shrink else ()
    )


def poll_requests() -> None:
    """Run the refreshes queued through the API: one batch, dependency order, each once."""
    runtime = current()
    engine = runtime.services.engine
    claimed = refresh_queue.claim(engine)
    if not claimed:
        return
    enabled = registry_of(runtime.services).sources
    names: set[str] = set()
    shrink_ok: set[str] = set()  # datasets some request allowed to shrink
    for request in claimed:
        wanted = set(enabled) if request.dataset is None else {request.dataset}
        names |= wanted
        if request.allow_shrink:
            shrink_ok |= wanted
    log.info("picked up %d refresh request(s): %s", len(claimed), ", ".join(sorted(names)))
    results = runtime.runner.run_batch(sorted(names), trigger="api", allow_shrink=shrink_ok)
    busy = {r.dataset for r in results if r.status is RunStatus.BUSY}
    # A busy dataset is being refreshed by someone who may have read its origin before the
    # request was made: ask again on a later poll rather than drop the request.
    for request in claimed:
        if request.dataset in busy:
            refresh_queue.requeue(engine, request.id)
        elif request.dataset is None:
            for name in sorted(busy):
                refresh_queue.enqueue(
                    engine, name, request.requested_by, allow_shrink=request.allow_shrink
                )


def beat() -> None:
    """Record the heartbeat and publish each source's next run time for the API."""
    runtime = current()
    engine = runtime.services.engine
    jobs = runtime.scheduler.get_jobs(jobstore=PERSISTENT)
    refresh_jobs = [j for j in jobs if j.id.startswith(REFRESH_PREFIX)]
    for job in refresh_jobs:
        name = job.id[len(REFRESH_PREFIX) :]
        when = job.next_run_time
        if runtime._next_runs.get(name, "unset") != when:
            state.set_next_run(engine, name, when)
            runtime._next_runs[name] = when
    heartbeat.beat(
        engine,
        runtime.holder,
        {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": runtime.started.isoformat(),
            "interval": runtime.settings.heartbeat_seconds,
            "sources": len(refresh_jobs),
            "queued": refresh_queue.pending_count(engine),
        },
    )


# -- putting the jobs in the store ------------------------------------------------------------


@dataclass(frozen=True)
class SyncReport:
    kept: list[str] = field(default_factory=list)  # next run time kept from the store
    rescheduled: list[str] = field(default_factory=list)  # new, or schedule changed
    removed: list[str] = field(default_factory=list)  # no longer enabled
    invalid: dict[str, str] = field(default_factory=dict)  # name → why its schedule was refused


def sync_jobs(scheduler: BaseScheduler, store: BaseJobStore, runtime: Runtime) -> SyncReport:
    """Add one cron job per enabled source, keeping stored next run times where still valid.

    APScheduler 3.11's ``add_job(replace_existing=True)`` recomputes ``next_run_time`` from
    *now*: a run missed while the scheduler was down would be silently skipped. So a job whose
    trigger is unchanged is re-added with the next run time it had in the store; when the
    scheduler starts, that time is in the past and the job runs once (``coalesce``), provided it
    is within ``misfire_grace_time``. Must be called before ``scheduler.start()``.
    """
    report = SyncReport()
    settings = runtime.settings
    sources = registry_of(runtime.services).sources
    stored: dict[str, Job] = {job.id: job for job in store.get_all_jobs()}
    wanted = {f"{REFRESH_PREFIX}{name}" for name in sources}
    for job_id in stored:
        name = job_id.split(":", 1)[-1]
        stale = job_id.startswith(REFRESH_PREFIX) and job_id not in wanted
        stale = stale or (job_id.startswith(RETRY_PREFIX) and name not in sources)
        if stale:
            store.remove_job(job_id)
            report.removed.append(job_id)
    for name in refresh_order(sources):
        spec = settings.schedule_for(name, sources[name].cls.schedule)
        try:
            trigger = make_trigger(spec, settings.timezone, settings.jitter or None)
        except ScheduleError as exc:
            log.error("source %s not scheduled: %s", name, exc)
            report.invalid[name] = str(exc)
            continue
        job_id = f"{REFRESH_PREFIX}{name}"
        kwargs: dict[str, Any] = {}
        old = stored.get(job_id)
        if old is not None and repr(old.trigger) == repr(trigger) and old.args == (name,):
            kwargs["next_run_time"] = old.next_run_time
            report.kept.append(name)
        else:
            report.rescheduled.append(name)
        scheduler.add_job(
            scheduled_refresh,
            trigger,
            args=[name],
            id=job_id,
            name=f"refresh {name} ({spec})",
            jobstore=PERSISTENT,
            replace_existing=True,
            **kwargs,
        )
    return report
