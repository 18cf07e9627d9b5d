"""Refresh: the one place that runs extract → build → validate → publish, in that order.

A run either publishes a complete new version or changes nothing readers see; every run is
recorded with its status, timings, row counts, what was withheld, and the exception or the full
validation report.
"""

from __future__ import annotations

import logging
import shutil
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from opendata.pipeline import extract
from opendata.pipeline.build import PackageBuilder, PolicyAbort
from opendata.pipeline.publish import STAGING_PREFIX, clean_up, publish
from opendata.plugin import Source, SourceContext, SourceError, TransientSourceError
from opendata.services import Services
from opendata.sources.discovery import LoadedSource
from opendata.sources.http import SourceHttpClient, hosts_in
from opendata.store.catalog import DatasetMeta
from opendata.store.leases import LeaseHeld, lease

log = logging.getLogger(__name__)


class RunStatus(StrEnum):
    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    BUSY = "busy"  # another process holds the dataset's lease; nothing was attempted


class ErrorKind(StrEnum):
    SOURCE = "source"  # the source raised (bad origin, plugin bug)
    TRANSIENT = "transient"  # may pass on retry (connection, time-out at the origin, 5xx)
    TIMEOUT = "timeout"  # the source exceeded its time limit
    VALIDATION = "validation"  # rows failed the Table Schema
    POLICY = "policy"  # personal data in a published field
    UNKNOWN = "unknown"  # no such source, or it was refused


#: Failures a retry can fix; the scheduler retries only these.
RETRYABLE = frozenset({ErrorKind.TRANSIENT, ErrorKind.TIMEOUT})


@dataclass(frozen=True)
class RunResult:
    dataset: str
    status: RunStatus
    run_id: int | None = None
    version: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    withheld: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_kind: ErrorKind | None = None
    report: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in (RunStatus.PUBLISHED, RunStatus.UNCHANGED)

    @property
    def retryable(self) -> bool:
        return self.error_kind in RETRYABLE


#: Called with (dataset, rows so far) while rows stream in.
Progress = Callable[[str, int], None]


def new_version_id(now: datetime) -> str:
    """Version ids sort by time: 20261127T113000123456Z."""
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def make_source(services: Services, loaded: LoadedSource, warnings: list[str]) -> Source:
    http_cfg = services.config.get("HTTP", {})
    allowed = hosts_in(loaded.config.values()) | set(http_cfg.get("allowed_hosts", []))
    context = SourceContext(
        config=loaded.config,
        http=SourceHttpClient(allowed, timeout=float(http_cfg.get("timeout", 30.0))),
        log=logging.getLogger(f"opendata.sources.{loaded.name}"),
        datasets=services.reader,
        warnings=warnings,
    )
    return loaded.cls(context)


def dataset_meta(cls: type[Source], schedule: str | None = None) -> DatasetMeta:
    return DatasetMeta(
        name=cls.name,
        title=cls.title,
        description=cls.description,
        source=cls.name,
        publisher=cls.publisher,
        license=cls.license,
        keywords=list(cls.keywords),
        schedule=schedule or cls.schedule,
    )


def refresh(
    services: Services,
    name: str,
    *,
    trigger: str = "cli",
    attempt: int = 1,
    progress: Progress | None = None,
) -> RunResult:
    """Refresh one dataset under its lease; never raises for a failing source."""
    try:
        loaded = services.registry.get(name)
    except KeyError as exc:
        return RunResult(
            name, RunStatus.FAILED, error=str(exc.args[0]), error_kind=ErrorKind.UNKNOWN
        )
    services.catalog.upsert_dataset(dataset_meta(loaded.cls, _schedule(services, loaded)))
    lease_seconds = float(services.config.get("SCHEDULER", {}).get("lease_seconds", 900))
    try:
        with lease(services.engine, name, lease_seconds):
            return _run(services, loaded, trigger, attempt, progress)
    except LeaseHeld as exc:
        return RunResult(name, RunStatus.BUSY, error=str(exc))


def _schedule(services: Services, loaded: LoadedSource) -> str:
    overrides = services.config.get("SCHEDULER", {}).get("schedules", {})
    return str(overrides.get(loaded.name) or loaded.cls.schedule)


def _run(
    services: Services,
    loaded: LoadedSource,
    trigger: str,
    attempt: int,
    progress: Progress | None,
) -> RunResult:
    name = loaded.name
    catalog = services.catalog
    root = services.datasets_root
    run_id = catalog.start_run(name, trigger, attempt)
    warnings: list[str] = list(clean_up(catalog, root, name))
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = datetime.now(UTC)
    version = new_version_id(now)
    staging = root / name / f"{STAGING_PREFIX}{run_id}-{uuid.uuid4().hex[:8]}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    builder: PackageBuilder | None = None
    outcome: dict[str, Any] = {}
    try:
        builder = PackageBuilder(loaded.cls, staging)
        source = make_source(services, loaded, warnings)
        count = 0
        for batch in extract.stream(source, float(loaded.config.get("timeout", 600))):
            builder.add(batch)
            count += len(batch)
            if progress:
                progress(name, count)
        timings["extract_build_validate"] = time.perf_counter() - started
        staged, report = builder.finish(version=version, created=now)
        outcome = {
            "rows": staged.rows,
            "withheld": staged.withheld,
            "dropped_fields": staged.dropped_fields,
        }
        report_dict = report.to_dict()
        if not report.valid:
            kind = ErrorKind.POLICY if staged.violations else ErrorKind.VALIDATION
            return _fail(
                services,
                run_id,
                name,
                staging,
                kind,
                _report_error(report),
                warnings,
                timings,
                started,
                report=report_dict,
                **outcome,
            )
        current = catalog.current_version(name)
        if current is not None and current["hash"] == staged.content_hash:
            shutil.rmtree(staging, ignore_errors=True)
            return _finish(
                services,
                run_id,
                name,
                RunStatus.UNCHANGED,
                current["id"],
                warnings,
                timings,
                started,
                report=report_dict,
                **outcome,
            )
        t0 = time.perf_counter()
        keep = int(services.config.get("KEEP_VERSIONS", 5))
        publish(
            catalog=catalog,
            root=root,
            dataset=name,
            staged=staged,
            report=report_dict,
            version=version,
            run_id=run_id,
            keep=keep,
        )
        timings["publish"] = time.perf_counter() - t0
        return _finish(
            services,
            run_id,
            name,
            RunStatus.PUBLISHED,
            version,
            warnings,
            timings,
            started,
            report=report_dict,
            **outcome,
        )
    except PolicyAbort as exc:
        report_dict = _violations_report(exc)
        return _fail(
            services,
            run_id,
            name,
            staging,
            ErrorKind.POLICY,
            str(exc),
            warnings,
            timings,
            started,
            report=report_dict,
            **outcome,
        )
    except extract.SourceTimeout as exc:
        return _fail(
            services,
            run_id,
            name,
            staging,
            ErrorKind.TIMEOUT,
            str(exc),
            warnings,
            timings,
            started,
            **outcome,
        )
    except TransientSourceError as exc:
        return _fail(
            services,
            run_id,
            name,
            staging,
            ErrorKind.TRANSIENT,
            str(exc),
            warnings,
            timings,
            started,
            **outcome,
        )
    except SourceError as exc:
        return _fail(
            services,
            run_id,
            name,
            staging,
            ErrorKind.SOURCE,
            str(exc),
            warnings,
            timings,
            started,
            **outcome,
        )
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        tb = traceback.format_exc(limit=-3)
        return _fail(
            services,
            run_id,
            name,
            staging,
            ErrorKind.SOURCE,
            f"source {name!r} crashed: {detail}\n{tb}",
            warnings,
            timings,
            started,
            **outcome,
        )
    finally:
        if builder is not None:
            builder.close()


def _report_error(report: Any) -> str:
    first = report.errors[:3]
    more = len(report.errors) - len(first)
    text = "; ".join(e.message for e in first)
    return f"validation failed with {len(report.errors)} error(s): {text}" + (
        f" (and {more} more in the report)" if more > 0 else ""
    )


def _violations_report(exc: PolicyAbort) -> dict[str, Any]:
    errors = [
        {
            "type": "personal-data",
            "resource": v.resource,
            "row": v.row,
            "field": v.field,
            "message": v.message,
            "note": v.kind,
        }
        for v in exc.violations
    ]
    return {"valid": False, "errors": errors, "stats": {}}


def _fail(
    services: Services,
    run_id: int,
    name: str,
    staging: Path,
    kind: ErrorKind,
    error: str,
    warnings: list[str],
    timings: dict[str, float],
    started: float,
    *,
    report: dict[str, Any] | None = None,
    rows: dict[str, int] | None = None,
    withheld: dict[str, dict[str, int]] | None = None,
    dropped_fields: dict[str, list[str]] | None = None,
) -> RunResult:
    shutil.rmtree(staging, ignore_errors=True)
    timings["total"] = time.perf_counter() - started
    log.warning("refresh of %s failed (%s): %s", name, kind, error.splitlines()[0] if error else "")
    services.catalog.finish_run(
        run_id,
        status=RunStatus.FAILED.value,
        error=error,
        error_kind=kind.value,
        report=report,
        rows=rows or {},
        withheld=withheld or {},
        dropped_fields=dropped_fields or {},
        warnings=warnings,
        timings=timings,
    )
    return RunResult(
        name,
        RunStatus.FAILED,
        run_id,
        None,
        rows or {},
        withheld or {},
        tuple(warnings),
        error,
        kind,
        report,
        timings,
    )


def _finish(
    services: Services,
    run_id: int,
    name: str,
    status: RunStatus,
    version: str,
    warnings: list[str],
    timings: dict[str, float],
    started: float,
    *,
    report: dict[str, Any],
    rows: dict[str, int],
    withheld: dict[str, dict[str, int]],
    dropped_fields: dict[str, list[str]],
) -> RunResult:
    timings["total"] = time.perf_counter() - started
    services.catalog.finish_run(
        run_id,
        status=status.value,
        version=version,
        report=report,
        rows=rows,
        withheld=withheld,
        dropped_fields=dropped_fields,
        warnings=warnings,
        timings=timings,
    )
    return RunResult(
        name, status, run_id, version, rows, withheld, tuple(warnings), None, None, report, timings
    )
