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
import threading
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

    def __init__(self, services: Any, totals: RunTotals | None = None) -> None:
        self.services = services
        self.totals = totals or RunTotals()

    def describe(self) -> list[Metric]:
        return []  # not known before the catalog is read; and registering must not read it

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("opendata_catalog_up", "1 when /metrics could read the catalog")
        try:
            found = [
                *run_metrics(self.totals.tally(self.services.engine)),
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


#: (dataset, status) → [runs, seconds, runs per duration bucket (the last: beyond them all)]
Tally = dict[tuple[str, str], list[float]]


class RunTotals:
    """Runs by source and outcome, and their durations, kept up to date cheaply.

    Runs are never deleted and a finished run never changes, so the runs up to the oldest one
    still running are added up once (per process) and each scrape reads only the newer ones:
    with 100,000 runs a scrape reads a few rows instead of grouping them all again. A catalog
    whose newest run id went back (a restore) is added up afresh.
    """

    def __init__(self) -> None:
        self.upto = 0  # runs with id <= upto are finished and in ``done``
        self.done: Tally = {}
        self.lock = threading.Lock()

    def tally(self, engine: Engine) -> Tally:
        r = db.runs
        with self.lock, engine.connect() as conn:
            newest = conn.execute(select(func.max(r.c.id))).scalar() or 0
            oldest_running = conn.execute(
                select(func.min(r.c.id)).where(r.c.status == "running")
            ).scalar()
            if newest < self.upto:
                self.upto, self.done = 0, {}
            settled = newest if oldest_running is None else int(oldest_running) - 1
            if settled > self.upto:
                _add(self.done, _tally(conn, engine, self.upto, settled))
                self.upto = settled
            out = {key: list(values) for key, values in self.done.items()}
            _add(out, _tally(conn, engine, self.upto, None))
        return out


def _add(into: Tally, more: Tally) -> None:
    for key, values in more.items():
        mine = into.setdefault(key, [0.0] * len(values))
        for i, value in enumerate(values):
            mine[i] += value


def _tally(conn: Any, engine: Engine, after: int, upto: int | None) -> Tally:
    """Runs with ``after < id <= upto`` grouped by dataset, status and duration bucket."""
    r = db.runs
    seconds = _seconds(engine)
    bucket = case(
        *((seconds <= bound, i) for i, bound in enumerate(DURATION_BUCKETS)),
        else_=len(DURATION_BUCKETS),
    )
    query = select(r.c.dataset, r.c.status, bucket, func.count(), func.sum(seconds)).where(
        r.c.id > after
    )
    if upto is not None:
        query = query.where(r.c.id <= upto)
    out: Tally = {}
    for dataset, status, index, count, total in conn.execute(
        query.group_by(r.c.dataset, r.c.status, bucket)
    ):
        values = out.setdefault((dataset, status), [0.0] * (len(DURATION_BUCKETS) + 3))
        values[0] += count
        values[1] += float(total or 0.0)
        if index is not None:
            values[2 + int(index)] += count
    return out


def run_metrics(tally: Tally) -> list[Metric]:
    """Runs by source and outcome, runs in progress, the finished runs' durations."""
    runs = CounterMetricFamily(
        "opendata_refresh_runs",
        "Refresh runs recorded in the catalog, by source and outcome",
        labels=["source", "outcome"],
    )
    running = GaugeMetricFamily(
        "opendata_refresh_running", "Refresh runs in progress, by source", labels=["source"]
    )
    finished: Tally = {}
    for (dataset, status), values in sorted(tally.items()):
        if status == "running":
            running.add_metric([dataset], values[0])
            continue
        runs.add_metric([dataset, status], values[0])
        _add(finished, {(dataset, ""): values})
    return [runs, running, _histogram(finished)]


def _histogram(finished: Tally) -> HistogramMetricFamily:
    histogram = HistogramMetricFamily(
        "opendata_refresh_duration_seconds",
        "Duration of finished refresh runs, by source",
        labels=["source"],
    )
    for (dataset, _), values in sorted(finished.items()):
        cumulative, buckets = 0.0, []
        for bound, count in zip(DURATION_BUCKETS, values[2:], strict=False):
            cumulative += count
            buckets.append((str(bound), cumulative))
        buckets.append(("+Inf", values[0]))
        histogram.add_metric([dataset], buckets, values[1])
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
