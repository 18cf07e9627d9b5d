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

from opendata.limits import Limits
from opendata.pipeline import extract
from opendata.pipeline.build import PackageBuilder, PolicyAbort
from opendata.pipeline.gcpause import fewer_collections
from opendata.pipeline.preload import Preloader
from opendata.pipeline.publish import STAGING_PREFIX, clean_up, discard_pending, publish
from opendata.pipeline.shrink import ShrinkPolicy, shrink_error, shrunk
from opendata.plugin import Source, SourceContext, SourceError, TransientSourceError
from opendata.redact import redact
from opendata.run_summary import CRASH_MARK
from opendata.services import Services
from opendata.sources.discovery import LoadedSource
from opendata.sources.http import SourceHttpClient, hosts_in
from opendata.store.catalog import DatasetMeta
from opendata.store.leases import LeaseHeld, lease
from opendata.validation import ValidationReport

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
    SHRINK = "shrink"  # a resource emptied or lost more rows than allowed; nothing published
    RESOURCES = "resources"  # the refresh process ran out of memory or was killed by a signal
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
    allow_shrink: bool = False,
) -> RunResult:
    """Refresh one dataset under its lease; never raises for a failing source.

    ``allow_shrink`` lets this one run publish a resource that emptied or lost more than the
    shrink fraction of its rows (the operator knows the origin really holds less now).
    """
    try:
        loaded = services.registry.get(name)
    except KeyError as exc:
        return RunResult(
            name, RunStatus.FAILED, error=str(exc.args[0]), error_kind=ErrorKind.UNKNOWN
        )
    services.catalog.upsert_dataset(dataset_meta(loaded.cls, _schedule(services, loaded)))
    lease_seconds = float(services.config.get("SCHEDULER", {}).get("lease_seconds", 900))
    try:
        with lease(services.engine, name, lease_seconds), fewer_collections():
            policy = ShrinkPolicy.for_source(services.config, loaded.config, allow=allow_shrink)
            return _run(services, loaded, trigger, attempt, progress, policy)
    except LeaseHeld as exc:
        return RunResult(name, RunStatus.BUSY, error=str(exc))


def _schedule(services: Services, loaded: LoadedSource) -> str:
    overrides = services.config.get("SCHEDULER", {}).get("schedules", {})
    return str(overrides.get(loaded.name) or loaded.cls.schedule)


@dataclass
class _Attempt:
    """The bookkeeping of one run, so that every way it ends is recorded the same way."""

    services: Services
    name: str
    run_id: int
    staging: Path
    warnings: list[str]
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    outcome: dict[str, Any] = field(default_factory=dict)

    def fail(self, kind: ErrorKind, error: str, report: dict[str, Any] | None = None) -> RunResult:
        shutil.rmtree(self.staging, ignore_errors=True)
        # The whole text (a crash's traceback too) goes to the server log and the run record,
        # minus credentials; anonymous readers get only the summary the core derives from the
        # error kind and report (opendata.run_summary), never this text.
        detail = redact(error)
        log.warning("refresh of %s (run %d) failed (%s): %s", self.name, self.run_id, kind, detail)
        return self._record(RunStatus.FAILED, None, report, detail, kind)

    def finish(self, status: RunStatus, version: str, report: dict[str, Any]) -> RunResult:
        return self._record(status, version, report, None, None)

    def _record(
        self,
        status: RunStatus,
        version: str | None,
        report: dict[str, Any] | None,
        error: str | None,
        kind: ErrorKind | None,
    ) -> RunResult:
        self.timings["total"] = time.perf_counter() - self.started
        rows = self.outcome.get("rows", {})
        # Plugin warnings are shown publicly: a secret a plugin put in one is not kept.
        self.warnings[:] = [redact(w) for w in self.warnings]
        withheld = self.outcome.get("withheld", {})
        self.services.catalog.finish_run(
            self.run_id,
            status=status.value,
            version=version,
            error=error,
            error_kind=kind.value if kind else None,
            report=report,
            rows=rows,
            withheld=withheld,
            dropped_fields=self.outcome.get("dropped_fields", {}),
            warnings=self.warnings,
            timings=self.timings,
        )
        return RunResult(
            self.name,
            status,
            self.run_id,
            version,
            rows,
            withheld,
            tuple(self.warnings),
            error,
            kind,
            report,
            self.timings,
        )


def _run(
    services: Services,
    loaded: LoadedSource,
    trigger: str,
    attempt_no: int,
    progress: Progress | None,
    shrink: ShrinkPolicy,
) -> RunResult:
    name = loaded.name
    catalog = services.catalog
    root = services.datasets_root
    run_id = catalog.start_run(name, trigger, attempt_no)
    warnings = list(clean_up(catalog, root, name))
    staging = root / name / f"{STAGING_PREFIX}{run_id}-{uuid.uuid4().hex[:8]}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    run = _Attempt(services, name, run_id, staging, warnings)
    now = datetime.now(UTC)
    version = new_version_id(now)
    builder: PackageBuilder | None = None
    preloader: Preloader | None = None
    published = False
    try:
        limits = Limits.from_config(services.config)
        builder = PackageBuilder(loaded.cls, staging, max_cell_bytes=limits.max_cell_bytes)
        preloader = Preloader(catalog, name, version, builder.schemas)
        builder.on_written = preloader.written
        source = make_source(services, loaded, warnings)
        count = 0
        for batch in extract.stream(source, float(loaded.config.get("timeout", 600))):
            builder.add(batch)
            count += len(batch)
            if progress:
                progress(name, count)
        run.timings["extract_build_validate"] = time.perf_counter() - run.started
        staged, report = builder.finish(version=version, created=now)
        run.outcome = {
            "rows": staged.rows,
            "withheld": staged.withheld,
            "dropped_fields": staged.dropped_fields,
        }
        report_dict = report.to_dict()
        if not report.valid:
            kind = ErrorKind.POLICY if staged.violations else ErrorKind.VALIDATION
            return run.fail(kind, _report_error(report), report_dict)
        current = catalog.current_version(name)
        if current is not None and current["hash"] == staged.content_hash:
            shutil.rmtree(staging, ignore_errors=True)
            return run.finish(RunStatus.UNCHANGED, current["id"], report_dict)
        if current is not None:
            lost = shrunk(current["rows"], staged.rows, shrink.fraction)
            if lost and not shrink.allowed:
                # The report keeps the counts, so the public summary can name them.
                counts = [
                    {"resource": s.resource, "before": s.before, "after": s.after} for s in lost
                ]
                shrink_report = {**report_dict, "shrink": counts}
                return run.fail(
                    ErrorKind.SHRINK, shrink_error(name, lost, shrink.fraction), shrink_report
                )
            # An allowed shrink is published, and the run report keeps what was let through.
            warnings.extend(f"shrink allowed: {s.describe()}" for s in lost)
        t0 = time.perf_counter()
        preloaded = preloader.finish(builder.sizes)
        run.timings["preload_wait"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        publish(
            catalog=catalog,
            root=root,
            dataset=name,
            staged=staged,
            report=report_dict,
            version=version,
            run_id=run_id,
            keep=int(services.config.get("KEEP_VERSIONS", 5)),
            preloaded=preloaded,
        )
        published = True
        run.timings["publish"] = time.perf_counter() - t0
        return run.finish(RunStatus.PUBLISHED, version, report_dict)
    except PolicyAbort as exc:
        return run.fail(ErrorKind.POLICY, str(exc), _violations_report(exc))
    except extract.SourceTimeout as exc:
        return run.fail(ErrorKind.TIMEOUT, str(exc))
    except TransientSourceError as exc:
        return run.fail(ErrorKind.TRANSIENT, str(exc))
    except SourceError as exc:
        return run.fail(ErrorKind.SOURCE, str(exc))
    except MemoryError:
        # The address-space limit of the refresh process (the source's memory_limit) was hit;
        # the stack is unwound by now, so recording the failure has memory again.
        limit = loaded.config.get("memory_limit")
        return run.fail(ErrorKind.RESOURCES, f"the refresh ran out of memory (limit {limit} MiB)")
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        tb = traceback.format_exc(limit=-3)
        return run.fail(ErrorKind.SOURCE, f"source {name!r}{CRASH_MARK}{detail}\n{tb}")
    finally:
        if builder is not None:
            builder.close()
        if preloader is not None and not published:
            preloader.abort()
            discard_pending(catalog, name)


def _report_error(report: Any) -> str:
    first = report.errors[:3]
    more = len(report.errors) - len(first)
    text = "; ".join(e.message for e in first)
    return f"validation failed with {len(report.errors)} error(s): {text}" + (
        f" (and {more} more in the report)" if more > 0 else ""
    )


def _violations_report(exc: PolicyAbort) -> dict[str, Any]:
    return ValidationReport([v.to_error() for v in exc.violations]).to_dict()
