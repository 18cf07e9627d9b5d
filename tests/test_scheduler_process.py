"""``opendata scheduler`` as a real process: cron jobs, catch-up after downtime, API requests,
retries and the webhook, heartbeat in /healthz. Each test stops its scheduler with SIGTERM."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scheduler_kit import (
    Webhook,
    config_for,
    make_app,
    scheduler_env,
    scheduler_process,
    wait_for,
)
from sqlalchemy import text

from opendata.auth import create_token
from opendata.scheduler import state
from opendata.scheduler.process import JOBS_TABLE
from opendata.services import Services
from opendata.store import heartbeat, refresh_queue

FAST = {"jitter": 0, "poll_seconds": 0.3, "heartbeat_seconds": 0.5}
RARE = {"example_catalog": "0 0 1 1 *", "derived_summary": "0 0 1 1 *"}


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Any:
    svc = Services.from_config(config_for(tmp_path, database_url))
    yield svc
    svc.close()


def runs(svc: Services) -> list[dict[str, Any]]:
    return list(reversed(svc.catalog.runs(limit=200)))


def finished(svc: Services) -> list[dict[str, Any]]:
    return [r for r in runs(svc) if r["status"] != "running"]


def alive(svc: Services, sources: int = 2) -> bool:
    beat = heartbeat.latest(svc.engine)
    return bool(beat and not beat.info.get("stopped") and beat.info.get("sources") == sources)


def test_cron_job_refreshes_and_the_dependant_follows(
    tmp_path: Path, database_url: str, services: Services
) -> None:
    env = scheduler_env(
        tmp_path, database_url, {**FAST, "schedules": {"example_catalog": "*/2 * * * * *"}}, {}
    )
    app = make_app(config_for(tmp_path, database_url))
    with scheduler_process(env, tmp_path / "scheduler.log"):
        wait_for(
            lambda: any(r["dataset"] == "derived_summary" for r in finished(services)),
            what="a scheduled refresh and its dependant",
        )
        wait_for(lambda: alive(services), what="a heartbeat")
        health = app.test_client().get("/healthz").get_json()
        assert health["status"] == "ok" and health["checks"]["scheduler"]["status"] == "ok"
        wait_for(lambda: state.get(services.engine, "example_catalog")["next_run"], what="next_run")
    done = finished(services)
    first = next(r for r in done if r["dataset"] == "example_catalog")
    dependant = next(r for r in done if r["dataset"] == "derived_summary")
    assert (first["trigger"], first["status"]) == ("schedule", "published")
    assert (dependant["trigger"], dependant["status"]) == ("dependency", "published")
    assert dependant["id"] > first["id"]
    # Stopped: /healthz says so rather than pretending all is well.
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "degraded" and health["checks"]["scheduler"]["status"] == "stopped"


def test_a_run_missed_while_the_scheduler_was_down_runs_once_on_restart(
    tmp_path: Path, database_url: str, services: Services
) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    due = (datetime.now(tz) + timedelta(seconds=8)).replace(microsecond=0)
    daily = f"{due.second} {due.minute} {due.hour} * * *"  # once a day, 8 s from now
    env = scheduler_env(
        tmp_path, database_url, {**FAST, "schedules": {**RARE, "example_catalog": daily}}, {}
    )
    log = tmp_path / "scheduler.log"
    with scheduler_process(env, log):
        wait_for(lambda: alive(services), what="the first scheduler to store its jobs")
    assert runs(services) == [], "the scheduler was slow to start; the due time passed while up"
    wait_for(lambda: datetime.now(tz) > due + timedelta(seconds=0.5), what="the due time to pass")

    with scheduler_process(env, log):
        wait_for(lambda: len(finished(services)) >= 2, what="the caught-up run and its dependant")
        wait_for(lambda: alive(services), what="a heartbeat after the catch-up")
    scheduled = [r for r in runs(services) if r["dataset"] == "example_catalog"]
    assert [(r["trigger"], r["status"]) for r in scheduled] == [("schedule", "published")]
    assert scheduled[0]["started"] > due  # ran after restart, not before the stop
    assert state.get(services.engine, "example_catalog")["next_run"] > due + timedelta(hours=23)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_api_requests_are_picked_up_in_dependency_order(
    tmp_path: Path, database_url: str, services: Services
) -> None:
    app = make_app(config_for(tmp_path, database_url))
    client = app.test_client()
    token = create_token(services.engine, "ops")
    auth = {"Authorization": f"Bearer {token}"}
    env = scheduler_env(tmp_path, database_url, {**FAST, "schedules": RARE}, {})
    with scheduler_process(env, tmp_path / "scheduler.log"):
        wait_for(lambda: alive(services), what="the scheduler")
        queued = client.post("/api/v1/refresh", headers=auth)
        assert queued.status_code == 202, queued.get_json()
        assert queued.get_json()["dataset"] is None and queued.get_json()["requested_by"] == "ops"
        wait_for(lambda: len(finished(services)) == 2, what="the refresh of everything")
        one = client.post("/api/v1/datasets/example_catalog/refresh", headers=auth)
        assert one.status_code == 202
        wait_for(lambda: len(finished(services)) == 3, what="the single refresh")
        listing = client.get("/api/v1/sources").get_json()
    assert [(r["dataset"], r["trigger"]) for r in runs(services)] == [
        ("example_catalog", "api"),
        ("derived_summary", "api"),
        ("example_catalog", "api"),
    ]
    assert runs(services)[-1]["status"] == "unchanged"  # nothing new: the dependant stays put
    by_name = {s["name"]: s for s in listing["sources"]}
    catalog = by_name["example_catalog"]
    assert catalog["state"] == "enabled" and catalog["next_run"].startswith(
        f"{datetime.now(ZoneInfo('Asia/Shanghai')).year + 1}-01-01"
    )
    assert catalog["last_run"]["status"] == "unchanged" and catalog["last_success"]
    assert catalog["consecutive_failures"] == 0 and catalog["overdue"] is False
    assert by_name["derived_summary"]["depends_on"] == ["example_catalog"]
    assert refresh_queue.pending_count(services.engine) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_transient_failures_retry_then_the_webhook_hears_of_it(
    tmp_path: Path, database_url: str, services: Services
) -> None:
    with Webhook() as hook:
        env = scheduler_env(
            tmp_path,
            database_url,
            {
                **FAST,
                "schedules": RARE,
                "retries": 2,
                "retry_backoff": 0.2,
                "webhook_url": hook.url,
            },
            {"example_catalog": {"mode": "transient"}},
        )
        with scheduler_process(env, tmp_path / "scheduler.log"):
            wait_for(lambda: alive(services), what="the scheduler")
            refresh_queue.enqueue(services.engine, "example_catalog", "test")
            wait_for(lambda: hook.events(), what="the failing webhook")
            wait_for(lambda: alive(services), what="a heartbeat after the last attempt")
    with services.engine.connect() as conn:
        stored = list(conn.execute(text(f"SELECT id FROM {JOBS_TABLE}")).scalars())
    assert sorted(stored) == ["refresh:derived_summary", "refresh:example_catalog"]  # no retry left
    attempts = [(r["attempt"], r["status"], r["error_kind"]) for r in runs(services)]
    assert attempts == [
        (1, "failed", "transient"),
        (2, "failed", "transient"),
        (3, "failed", "transient"),
    ]
    assert hook.events() == ["failing"]
    assert hook.received[0]["source"] == "example_catalog" and hook.received[0]["attempt"] == 3
    st = state.get(services.engine, "example_catalog")
    assert st["consecutive_failures"] == 3 and st["failing_since"] is not None
