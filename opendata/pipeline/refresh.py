"""Refresh: the one place that publishes. It runs the stages (extract → policy → build →
validate, :mod:`opendata.pipeline.stages`, shared with the plugin test kit), then compares the
package with the current version, guards against shrinking, and publishes.

A run either publishes a complete new version or changes nothing readers see; every run is
recorded with its status, timings, row counts, what was withheld, and the exception or the full
validation report.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from opendata.limits import Limits
from opendata.pipeline.build import PackageBuilder, StagedPackage
from opendata.pipeline.gcpause import fewer_collections
from opendata.pipeline.preload import Preloader
from opendata.pipeline.publish import STAGING_PREFIX, clean_up, discard_pending, publish
from opendata.pipeline.shrink import ShrinkPolicy, shrink_error, shrunk
from opendata.pipeline.stages import ErrorKind as ErrorKind  # its callers import it from here
from opendata.pipeline.stages import StageFailure, classify, run_stages
from opendata.plugin import Source, SourceContext
from opendata.read.published import PublishedReader
from opendata.redact import redact
from opendata.services import Services
from opendata.sources.discovery import LoadedSource
from opendata.sources.http import SourceHttpClient, hosts_in
from opendata.sources.sync import registry_of
from opendata.store.catalog import DatasetMeta
from opendata.store.leases import LeaseHeld, lease

log = logging.getLogger(__name__)


class RunStatus(StrEnum):
    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    BUSY = "busy"  # another process holds the dataset's lease; nothing was attempted


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
        datasets=PublishedReader(services),
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
        loaded = registry_of(services).get(name)
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

    def failed(self, failure: StageFailure | None) -> RunResult:
        """Record a failure the stages classified (None only if they built nothing, a bug)."""
        if failure is None:
            return self.fail(ErrorKind.SOURCE, f"source {self.name!r} built no package")
        report = None if failure.report is None else failure.report.to_dict()
        return self.fail(failure.kind, failure.message, report)

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
    run = _start(services, name, trigger, attempt_no)
    now = datetime.now(UTC)
    version = new_version_id(now)
    builder: PackageBuilder | None = None
    preloader: Preloader | None = None
    published = False
    try:
        limits = Limits.from_config(services.config)
        builder = PackageBuilder(loaded.cls, run.staging, max_cell_bytes=limits.max_cell_bytes)
        preloader = Preloader(services.catalog, name, version, builder.schemas)
        builder.on_written = preloader.written
        outcome = run_stages(
            lambda: make_source(services, loaded, run.warnings),
            builder,
            loaded.config,
            version=version,
            created=now,
            progress=None if progress is None else lambda count: progress(name, count),
        )
        if outcome.streamed is not None:
            run.timings["extract_build_validate"] = outcome.streamed - run.started
        staged = outcome.staged
        if staged is not None:  # an invalid package's counts are recorded too
            run.outcome = {
                "rows": staged.rows,
                "withheld": staged.withheld,
                "dropped_fields": staged.dropped_fields,
            }
        if outcome.failure is not None or staged is None:
            return run.failed(outcome.failure)
        report_dict = outcome.report.to_dict()
        ended = _unchanged_or_shrunk(run, staged, report_dict, shrink)
        if ended is not None:
            return ended
        _publish(run, staged, report_dict, version, preloader, builder.sizes)
        published = True
        return run.finish(RunStatus.PUBLISHED, version, report_dict)
    except Exception as exc:
        # Past the stages (comparing, preloading, publishing), a failure is classified as the
        # stages classify theirs.
        return run.failed(classify(exc, name, loaded.config))
    finally:
        if builder is not None:
            builder.close()
        if preloader is not None and not published:
            preloader.abort()
            discard_pending(services.catalog, name)


def _start(services: Services, name: str, trigger: str, attempt_no: int) -> _Attempt:
    """Record the run's start, clear what earlier runs left, and make its staging folder."""
    run_id = services.catalog.start_run(name, trigger, attempt_no)
    warnings = list(clean_up(services.catalog, services.datasets_root, name))
    staging = services.datasets_root / name / f"{STAGING_PREFIX}{run_id}-{uuid.uuid4().hex[:8]}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    return _Attempt(services, name, run_id, staging, warnings)


def _unchanged_or_shrunk(
    run: _Attempt, staged: StagedPackage, report_dict: dict[str, Any], shrink: ShrinkPolicy
) -> RunResult | None:
    """The run's end if the package is the current version again or shrank past the guard;
    None if it is to be published."""
    current = run.services.catalog.current_version(run.name)
    if current is None:
        return None
    if current["hash"] == staged.content_hash:
        shutil.rmtree(run.staging, ignore_errors=True)
        return run.finish(RunStatus.UNCHANGED, current["id"], report_dict)
    lost = shrunk(current["rows"], staged.rows, shrink.fraction)
    if lost and not shrink.allowed:
        # The report keeps the counts, so the public summary can name them.
        counts = [{"resource": s.resource, "before": s.before, "after": s.after} for s in lost]
        error = shrink_error(run.name, lost, shrink.fraction)
        return run.fail(ErrorKind.SHRINK, error, {**report_dict, "shrink": counts})
    # An allowed shrink is published, and the run report keeps what was let through.
    run.warnings.extend(f"shrink allowed: {s.describe()}" for s in lost)
    return None


def _publish(
    run: _Attempt,
    staged: StagedPackage,
    report_dict: dict[str, Any],
    version: str,
    preloader: Preloader,
    sizes: Mapping[str, int],
) -> None:
    t0 = time.perf_counter()
    preloaded = preloader.finish(sizes)
    run.timings["preload_wait"] = time.perf_counter() - t0
    run.timings.update(preloader.timings)  # the loader's own stages (load_insert, …)
    t0 = time.perf_counter()
    publish(
        catalog=run.services.catalog,
        root=run.services.datasets_root,
        dataset=run.name,
        staged=staged,
        report=report_dict,
        version=version,
        run_id=run.run_id,
        keep=int(run.services.config.get("KEEP_VERSIONS", 5)),
        preloaded=preloaded,
    )
    run.timings["publish"] = time.perf_counter() - t0
