"""The scheduler's rules, exercised in-process: schedules, job store sync, order, retries, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from example_sources import DerivedSummary, ExampleCatalog
from scheduler_kit import Webhook

from conftest import make_registry
from opendata.pipeline.refresh import RunStatus
from opendata.read.freshness import overdue
from opendata.scheduler import jobs, state
from opendata.scheduler.runner import Runner
from opendata.schedules.settings import SchedulerSettings
from opendata.schedules.triggers import ScheduleError, make_trigger
from opendata.store import refresh_queue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def settings(config: dict[str, Any], **scheduler: Any) -> SchedulerSettings:
    return SchedulerSettings.from_config(
        {**config, "SCHEDULER": {**config["SCHEDULER"], **scheduler}}
    )


# -- schedules ------------------------------------------------------------------------------


def test_crontab_weekday_numbers_mean_what_cron_means() -> None:
    # "1" is Monday in crontab; APScheduler 3 alone would read it as Tuesday.
    trigger = make_trigger("0 2 * * 1", SHANGHAI)
    first = trigger.get_next_fire_time(None, datetime(2026, 1, 1, tzinfo=SHANGHAI))
    assert first == datetime(2026, 1, 5, 2, 0, tzinfo=SHANGHAI)
    assert first.strftime("%A") == "Monday"
    sundays = make_trigger("30 6 * * 0", SHANGHAI)
    assert sundays.get_next_fire_time(None, datetime(2026, 1, 1, tzinfo=SHANGHAI)).weekday() == 6
    weekdays = make_trigger("0 9 * * 1-5", SHANGHAI)
    fire = weekdays.get_next_fire_time(None, datetime(2026, 1, 3, tzinfo=SHANGHAI))  # a Saturday
    assert fire.weekday() == 0


def test_six_fields_put_seconds_first_and_every_is_an_interval() -> None:
    start = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    six = make_trigger("*/15 * * * * *", UTC)
    assert six.get_next_fire_time(None, start) == datetime(2026, 1, 1, 0, 0, 15, tzinfo=UTC)
    every = make_trigger("@every 5s", UTC)
    later = every.get_next_fire_time(None, start)
    assert later is not None and timedelta(0) <= later - start <= timedelta(seconds=5)
    # Stable across restarts: the job store sync compares triggers by repr.
    assert repr(make_trigger("@every 5s", UTC)) == repr(every)


@pytest.mark.parametrize("spec", ["0 2 * *", "every day", "0 2 * * 9", "61 * * * *"])
def test_bad_schedules_are_refused_with_the_spec_named(spec: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        make_trigger(spec, UTC)
    assert repr(spec) in str(caught.value)


def test_misfire_grace_below_ten_minutes_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="misfire_grace_time"):
        settings(config, misfire_grace_time=1)
    assert settings(config).misfire_grace_time >= 600
    assert str(settings(config).timezone) == "Asia/Shanghai"


# -- the persistent job store keeps missed runs ------------------------------------------------


class _Runtime:
    def __init__(self, services: Any, settings: SchedulerSettings) -> None:
        self.services = services
        self.settings = settings


def _store(url: str, scheduler: BackgroundScheduler) -> SQLAlchemyJobStore:
    store = SQLAlchemyJobStore(url=url, tablename="od_scheduler_jobs")
    store.start(scheduler, jobs.PERSISTENT)
    return store


def _settle(scheduler: BackgroundScheduler, alias: str) -> None:
    """Let a paused scheduler write its pending jobs to the store, then stop it running any.

    ``shutdown()`` wakes the scheduler thread, which would process due jobs one last time; the
    store is detached first so that nothing in it is touched.
    """
    scheduler.start(paused=True)
    scheduler.remove_jobstore(alias)
    scheduler.shutdown(wait=False)


def _sync(services: Any, cfg: SchedulerSettings, url: str) -> tuple[Any, SQLAlchemyJobStore]:
    scheduler = BackgroundScheduler(timezone=cfg.timezone)
    store = _store(url, scheduler)
    report = jobs.sync_jobs(scheduler, store, _Runtime(services, cfg))  # type: ignore[arg-type]
    scheduler.add_jobstore(store, jobs.PERSISTENT)
    _settle(scheduler, jobs.PERSISTENT)
    return report, _store(url, BackgroundScheduler(timezone=cfg.timezone))


def test_sync_keeps_a_missed_next_run_and_reschedules_a_changed_one(
    make_services: Any, config: dict[str, Any]
) -> None:
    services = make_services(ExampleCatalog, DerivedSummary)
    url = config["DATABASE_URL"]
    cfg = settings(config, jitter=0)
    report, store = _sync(services, cfg, url)
    assert sorted(report.rescheduled) == ["derived_summary", "example_catalog"]
    job = store.lookup_job("refresh:example_catalog")
    assert job is not None and job.next_run_time > datetime.now(UTC)

    # The scheduler was down across the scheduled time: the stored next run is now in the past.
    missed = datetime.now(UTC) - timedelta(minutes=5)
    store.update_job(job._modify(next_run_time=missed) or job)
    report, store = _sync(services, cfg, url)
    assert "example_catalog" in report.kept
    kept = store.lookup_job("refresh:example_catalog")
    assert kept is not None and kept.next_run_time == missed  # still due: runs once on start

    # A changed schedule is a new plan: its next run comes from the new trigger.
    changed = settings(config, jitter=0, schedules={"example_catalog": "0 5 * * *"})
    report, store = _sync(services, changed, url)
    assert "example_catalog" in report.rescheduled
    moved = store.lookup_job("refresh:example_catalog")
    assert moved is not None and moved.next_run_time > datetime.now(UTC)
    assert (moved.next_run_time.astimezone(SHANGHAI).hour, moved.next_run_time.minute) == (5, 0)

    # A source no longer enabled loses its job.
    services.registry = make_registry(ExampleCatalog)
    report, store = _sync(services, changed, url)
    assert report.removed == ["refresh:derived_summary"]
    assert store.lookup_job("refresh:derived_summary") is None


def test_plain_replace_existing_would_lose_the_missed_run(tmp_path: Any) -> None:
    """Why sync_jobs exists: APScheduler 3.11 recomputes next_run_time from now on replace."""
    url = f"sqlite:///{tmp_path / 'aps.sqlite3'}"
    trigger = make_trigger("0 3 * * *", UTC)
    scheduler = BackgroundScheduler(
        timezone=UTC, jobstores={"default": SQLAlchemyJobStore(url=url)}
    )
    missed = datetime.now(UTC) - timedelta(minutes=5)
    scheduler.add_job(jobs.scheduled_refresh, trigger, args=["x"], id="j", next_run_time=missed)
    _settle(scheduler, "default")
    again = BackgroundScheduler(timezone=UTC, jobstores={"default": SQLAlchemyJobStore(url=url)})
    again.add_job(jobs.scheduled_refresh, trigger, args=["x"], id="j", replace_existing=True)
    again.start(paused=True)
    job = again.get_job("j")
    again.remove_jobstore("default")
    again.shutdown(wait=False)
    assert job is not None and job.next_run_time > datetime.now(UTC)  # the missed run is gone


# -- order, retries, state, webhook ----------------------------------------------------------


def _runs(services: Any) -> list[dict[str, Any]]:
    return list(reversed(services.catalog.runs(limit=100)))


def test_batch_runs_dependencies_first_and_dependants_after_a_new_version(
    make_services: Any, config: dict[str, Any]
) -> None:
    services = make_services(DerivedSummary, ExampleCatalog)
    runner = Runner(services, settings(config))
    runner.run_batch(["derived_summary", "example_catalog"], trigger="api")
    assert [(r["dataset"], r["trigger"]) for r in _runs(services)] == [
        ("example_catalog", "api"),
        ("derived_summary", "api"),
    ]

    # Only the dependency requested: its new version brings the dependant along, after it.
    services.registry = make_registry(
        ExampleCatalog, DerivedSummary, options={"example_catalog": {"rows": 30}}
    )
    results = runner.run_batch(["example_catalog"], trigger="schedule")
    assert [(r.dataset, r.status) for r in results] == [
        ("example_catalog", RunStatus.PUBLISHED),
        ("derived_summary", RunStatus.PUBLISHED),
    ]
    assert _runs(services)[-1]["trigger"] == "dependency"

    # Unchanged content publishes nothing, so the dependant is left alone.
    results = runner.run_batch(["example_catalog"], trigger="schedule")
    assert [(r.dataset, r.status) for r in results] == [("example_catalog", RunStatus.UNCHANGED)]


def test_transient_failures_retry_with_backoff_and_others_do_not(
    make_services: Any, config: dict[str, Any]
) -> None:
    asked: list[tuple[str, int, float, str]] = []
    cfg = settings(config, retries=2, retry_backoff=30.0)
    transient = make_services(ExampleCatalog, options={"example_catalog": {"mode": "transient"}})
    runner = Runner(transient, cfg, lambda *a: asked.append(a))
    for attempt in (1, 2, 3):
        result = runner.run_one("example_catalog", trigger="schedule", attempt=attempt)
        assert result.status is RunStatus.FAILED and result.retryable
    # Two retries, after 30 s then 60 s; the third attempt is the last.
    assert asked == [
        ("example_catalog", 2, 30.0, "schedule"),
        ("example_catalog", 3, 60.0, "schedule"),
    ]
    st = state.get(transient.engine, "example_catalog")
    assert st["consecutive_failures"] == 3 and st["failing_since"] is not None

    asked.clear()
    crash = make_services(
        ExampleCatalog,
        options={"example_catalog": {"mode": "crash"}},
        DATABASE_URL=config["DATABASE_URL"].replace(".sqlite3", "-2.sqlite3"),
    )
    result = Runner(crash, cfg, lambda *a: asked.append(a)).run_one(
        "example_catalog", trigger="api"
    )
    assert result.status is RunStatus.FAILED and not result.retryable
    assert asked == []  # a broken origin file is not fixed by asking again
    assert state.get(crash.engine, "example_catalog")["failing_since"] is not None


def test_webhook_hears_when_a_source_starts_failing_and_when_it_recovers(
    make_services: Any, config: dict[str, Any]
) -> None:
    with Webhook() as hook:
        cfg = settings(config, retries=1, retry_backoff=1.0, webhook_url=hook.url)
        services = make_services(ExampleCatalog, options={"example_catalog": {"mode": "transient"}})
        runner = Runner(services, cfg, lambda *a: None)
        runner.run_one("example_catalog", trigger="schedule", attempt=1)
        assert hook.events() == []  # a retry is coming: no alarm for a blip
        runner.run_one("example_catalog", trigger="schedule", attempt=2)
        assert hook.events() == ["failing"]
        runner.run_one("example_catalog", trigger="schedule", attempt=1)  # still failing
        assert hook.events() == ["failing"]  # said once, not on every run
        services.registry = make_registry(ExampleCatalog)
        assert runner.run_one("example_catalog", trigger="api").ok
        assert hook.events() == ["failing", "recovered"]
        failing, recovered = hook.received
        assert failing["source"] == "example_catalog" and failing["error_kind"] == "transient"
        assert failing["consecutive_failures"] == 2 and failing["failing_since"]
        assert recovered["status"] == "published" and recovered["consecutive_failures"] == 0
        runner.run_one("example_catalog", trigger="api")
        assert hook.events() == ["failing", "recovered"]


def test_a_request_is_claimed_by_exactly_one_caller(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    first = refresh_queue.enqueue(services.engine, "example_catalog", "ops")
    second = refresh_queue.enqueue(services.engine, None, "ops")
    claimed = refresh_queue.claim(services.engine)
    assert [r.id for r in claimed] == [first.id, second.id]
    assert refresh_queue.claim(services.engine) == []
    refresh_queue.requeue(services.engine, first.id)
    assert [r.dataset for r in refresh_queue.claim(services.engine)] == ["example_catalog"]


def test_overdue_once_a_scheduled_time_passes_its_grace_without_success(
    config: dict[str, Any],
) -> None:
    cfg = settings(config, jitter=60)  # grace 3600 s + jitter 60 s
    last = datetime(2026, 3, 2, 3, 30, tzinfo=SHANGHAI)  # after the 03:00 run
    assert not overdue("0 3 * * *", cfg, last, datetime(2026, 3, 3, 3, 30, tzinfo=SHANGHAI))
    assert not overdue("0 3 * * *", cfg, last, datetime(2026, 3, 3, 4, 0, tzinfo=SHANGHAI))
    assert overdue("0 3 * * *", cfg, last, datetime(2026, 3, 3, 4, 2, tzinfo=SHANGHAI))
    assert not overdue("0 3 * * *", cfg, None, datetime(2026, 3, 9, tzinfo=SHANGHAI))
