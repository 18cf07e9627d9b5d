"""``opendata scheduler``: the one process that runs refreshes on their schedules.

Web workers never start a scheduler (N gunicorn workers would run every job N times). This
process owns a BlockingScheduler with two job stores: the catalog database for the refresh jobs
(so missed runs are caught up after downtime) and memory for its own poll and heartbeat jobs.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import update

from opendata.scheduler import jobs
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.sources.sync import registry_of, sync
from opendata.store import heartbeat
from opendata.store.leases import holder_id

log = logging.getLogger(__name__)

JOBS_TABLE = "od_scheduler_jobs"


class CatalogJobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 ships no types
    """APScheduler's SQLAlchemy store over the table migration 0003 made.

    Its own ``start`` creates the table when missing, and two schedulers starting together on a
    fresh database raced in that ``CREATE TABLE`` (one died with UniqueViolation). The schema is
    checked before this runs (``Services.from_config``), so the table is there.
    """

    def start(self, scheduler: Any, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)

    def get_due_jobs(self, now: datetime) -> list[Any]:
        """The due jobs this scheduler has claimed: each due time is run by one scheduler.

        APScheduler reads the due jobs, submits them, and only then stores their next run
        time; two schedulers on one store (a stand-by on another host) that woke together both
        ran the job, and a refresh quick enough to release its lease before the second began
        was made twice (seen in tests/test_multinode.py). Claiming is one conditional UPDATE to
        the next run time APScheduler is about to store: the database lets one scheduler win.
        """
        return [job for job in super().get_due_jobs(now) if self._claim(job, now)]

    def _claim(self, job: Any, now: datetime) -> bool:
        run_times = job._get_run_times(now)
        if not run_times:
            return True  # nothing to run now; APScheduler only stores the next time
        following = job.trigger.get_next_fire_time(run_times[-1], now)
        table = self.jobs_t
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(table)
                .where(
                    table.c.id == job.id,
                    table.c.next_run_time <= datetime_to_utc_timestamp(now),
                )
                .values(next_run_time=datetime_to_utc_timestamp(following))
            )
        return bool(claimed.rowcount == 1)


def build(
    services: Services, settings: SchedulerSettings
) -> tuple[BlockingScheduler, jobs.Runtime]:
    """A configured scheduler with every job added, not yet started."""
    store = CatalogJobStore(engine=services.engine, tablename=JOBS_TABLE)
    scheduler = BlockingScheduler(
        timezone=settings.timezone,
        jobstores={jobs.PERSISTENT: store, jobs.MEMORY: MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=settings.workers)},
        job_defaults={
            "coalesce": True,  # many missed run times → one run
            "max_instances": 1,
            "misfire_grace_time": settings.misfire_grace_time,
        },
    )
    runtime = jobs.Runtime(services, settings, scheduler, holder_id())
    # The store must be readable before start() to keep stored next run times (sync_jobs).
    store.start(scheduler, jobs.PERSISTENT)
    report = jobs.sync_jobs(scheduler, store, runtime)
    log.info(
        "scheduled %d source(s): kept %s, rescheduled %s, removed %s",
        len(report.kept) + len(report.rescheduled),
        report.kept or "none",
        report.rescheduled or "none",
        report.removed or "none",
    )
    sync(services)  # the API and portal show the sources this scheduler runs
    for name, err in sorted(registry_of(services).refused.items()):
        log.error("source %s refused, not scheduled: %s", name, err.reason)
    scheduler.add_job(
        jobs.poll_requests,
        "interval",
        seconds=settings.poll_seconds,
        id="poll",
        jobstore=jobs.MEMORY,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        jobs.beat,
        "interval",
        seconds=settings.heartbeat_seconds,
        id="heartbeat",
        jobstore=jobs.MEMORY,
        misfire_grace_time=None,
        next_run_time=runtime.started,  # beat at once, so /healthz sees us right away
    )
    return scheduler, runtime


def run(config: Mapping[str, Any]) -> int:
    """Run the scheduler until SIGTERM or SIGINT; running refreshes are allowed to finish."""
    settings = SchedulerSettings.from_config(config)
    services = Services.from_config(config)
    scheduler, runtime = build(services, settings)
    jobs.bind(runtime)

    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return  # a second signal (process group, impatient operator): already stopping
        stopping.set()
        log.info("received signal %d; stopping after running refreshes finish", signum)
        # shutdown() takes the scheduler's locks; from a thread, not inside the signal handler.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": False}).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("scheduler %s starting (time zone %s)", runtime.holder, settings.timezone)
    try:
        scheduler.start()  # blocks until shutdown
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            heartbeat.beat(services.engine, runtime.holder, {"stopped": True})
        except Exception:  # the database may be what made us stop: log, do not mask
            log.exception("could not record the scheduler's stop")
        jobs.bind(None)
    log.info("scheduler stopped")
    return 0
