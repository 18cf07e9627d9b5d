"""The figures ``/metrics`` reads from the catalog at scrape time, the same on every node.

Refreshes run in the scheduler's processes (or ``opendata refresh``), usually not in the web
node that is scraped, and a counter kept in memory would be lost with the process that ran them.
Runs, versions, source states and heartbeats are in the catalog, which every node shares, so
they are read from there: ``opendata_refresh_runs_total`` only grows as runs are recorded, and a
node that is restarted reports the same values as the one beside it. Prometheus takes
``max by (source)`` across nodes.

A catalog that cannot be read gives ``opendata_catalog_up 0`` and none of the rest, never an
error page: a scrape is what tells the operator that the database is gone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, Engine, and_, case, func, select

from opendata.read.sources import source_status
from opendata.schedules.settings import SchedulerSettings
from opendata.store import db, heartbeat

log = logging.getLogger(__name__)

#: Seconds; a small source refreshes in a second, a million-row table in a minute or more.
DURATION_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

Metric = CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily


class CatalogCollector(Collector):
    """Collects from the catalog of ``services`` when the registry is scraped."""

    def __init__(self, services: Any) -> None:
        self.services = services

    def describe(self) -> list[Metric]:
        return []  # not known before the catalog is read; and registering must not read it

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("opendata_catalog_up", "1 when /metrics could read the catalog")
        try:
            found = [
                *run_metrics(self.services.engine),
                rows_metric(self.services.engine),
                *source_metrics(self.services),
                *heartbeat_metrics(self.services),
            ]
        except Exception:
            # The text may hold the database URL: it goes to the server log, not the scrape.
            log.exception("/metrics could not read the catalog")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from found


def _seconds(engine: Engine) -> ColumnElement[Any]:
    """A run's duration in seconds, in the catalog's SQL dialect."""
    r = db.runs
    if engine.dialect.name == "postgresql":
        return func.extract("epoch", r.c.finished - r.c.started)
    return (func.julianday(r.c.finished) - func.julianday(r.c.started)) * 86400.0


def run_metrics(engine: Engine) -> list[Metric]:
    """Runs by source and outcome, and the finished runs' durations."""
    r = db.runs
    runs = CounterMetricFamily(
        "opendata_refresh_runs",
        "Refresh runs recorded in the catalog, by source and outcome",
        labels=["source", "outcome"],
    )
    running = GaugeMetricFamily(
        "opendata_refresh_running", "Refresh runs in progress, by source", labels=["source"]
    )
    with engine.connect() as conn:
        counts = conn.execute(
            select(r.c.dataset, r.c.status, func.count()).group_by(r.c.dataset, r.c.status)
        ).all()
        durations = _duration_histogram(conn, engine)
    for dataset, status, count in counts:
        if status == "running":
            running.add_metric([dataset], count)
        else:
            runs.add_metric([dataset, status], count)
    return [runs, running, durations]


def _duration_histogram(conn: Any, engine: Engine) -> HistogramMetricFamily:
    r = db.runs
    seconds = _seconds(engine)
    finished = and_(r.c.finished.is_not(None), r.c.status != "running")
    columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in DURATION_BUCKETS]
    query = (
        select(r.c.dataset, func.count(), func.sum(seconds), *columns)
        .where(finished)
        .group_by(r.c.dataset)
    )
    histogram = HistogramMetricFamily(
        "opendata_refresh_duration_seconds",
        "Duration of finished refresh runs, by source",
        labels=["source"],
    )
    for dataset, count, total, *cumulative in conn.execute(query):
        buckets = [
            (str(bound), int(n or 0)) for bound, n in zip(DURATION_BUCKETS, cumulative, strict=True)
        ]
        buckets.append(("+Inf", int(count)))
        histogram.add_metric([dataset], buckets, float(total or 0.0))
    return histogram


def rows_metric(engine: Engine) -> GaugeMetricFamily:
    """Rows of each resource in each dataset's current version (what readers are served)."""
    d, v = db.datasets, db.versions
    query = select(d.c.name, v.c.rows).join(
        v, and_(v.c.dataset == d.c.name, v.c.id == d.c.current_version)
    )
    rows = GaugeMetricFamily(
        "opendata_rows_published",
        "Rows of each resource in the dataset's current version",
        labels=["source", "resource"],
    )
    with engine.connect() as conn:
        for name, counts in conn.execute(query):
            for resource, count in sorted((counts or {}).items()):
                rows.add_metric([name, resource], int(count))
    return rows


def _settings(config: Any) -> SchedulerSettings:
    try:
        return SchedulerSettings.from_config(config)
    except ValueError:  # the scheduler refuses such a config; judge by the defaults meanwhile
        return SchedulerSettings.from_config({})


def source_metrics(services: Any) -> list[GaugeMetricFamily]:
    """Per enabled source: since its last success, overdue or not, failures in a row."""
    now = time.time()
    since = GaugeMetricFamily(
        "opendata_source_seconds_since_last_success",
        "Seconds since the source's last successful refresh (none: never succeeded)",
        labels=["source"],
    )
    last = GaugeMetricFamily(
        "opendata_source_last_success_timestamp_seconds",
        "When the source's last successful refresh finished (Unix time)",
        labels=["source"],
    )
    overdue = GaugeMetricFamily(
        "opendata_source_overdue",
        "1 when a scheduled refresh should have succeeded by now and did not (as /api/v1/sources)",
        labels=["source"],
    )
    failures = GaugeMetricFamily(
        "opendata_source_consecutive_failures",
        "Failed runs of the source since its last success",
        labels=["source"],
    )
    for status in source_status(services, _settings(services.config)):
        if status["state"] != "enabled":
            continue
        name = status["name"]
        overdue.add_metric([name], 1 if status["overdue"] else 0)
        failures.add_metric([name], status["consecutive_failures"])
        if status["last_success"] is not None:
            at = status["last_success"].timestamp()
            last.add_metric([name], at)
            since.add_metric([name], max(0.0, now - at))
    return [since, last, overdue, failures]


def heartbeat_metrics(services: Any) -> list[GaugeMetricFamily]:
    """The freshest scheduler heartbeat's age, and the age /healthz calls stale."""
    age = GaugeMetricFamily(
        "opendata_scheduler_heartbeat_age_seconds",
        "Seconds since the freshest scheduler heartbeat (none: no scheduler ever ran)",
    )
    stale = GaugeMetricFamily(
        "opendata_scheduler_heartbeat_stale_after_seconds",
        "The heartbeat age beyond which /healthz reports the scheduler stale",
    )
    stale.add_metric([], _settings(services.config).stale_after)
    beat = heartbeat.latest(services.engine)
    if beat is not None:
        age.add_metric([], max(0.0, beat.age()))
    return [age, stale]
