"""The stages every run of a source goes through: extract → policy → build → validate.

A refresh (:mod:`opendata.pipeline.refresh`) and the plugin test kit (:func:`opendata.testing.
run_source`) both call :func:`run_stages`, so a plugin's tests see the very failures — the same
error kind, the same message, the same report — that a refresh would record. Only what happens
to a built package afterwards differs: a refresh compares it with the current version, guards
against shrinking and publishes; the test kit hands it to the test.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from opendata.pipeline import extract
from opendata.pipeline.build import PackageBuilder, PolicyAbort, StagedPackage
from opendata.plugin import Source, SourceError, TransientSourceError
from opendata.run_summary import CRASH_MARK
from opendata.validation import ValidationReport


class ErrorKind(StrEnum):
    SOURCE = "source"  # the source raised (bad origin, plugin bug)
    TRANSIENT = "transient"  # may pass on retry (connection, time-out at the origin, 5xx)
    TIMEOUT = "timeout"  # the source exceeded its time limit
    VALIDATION = "validation"  # rows failed the Table Schema
    POLICY = "policy"  # personal data in a published field
    SHRINK = "shrink"  # a resource emptied or lost more rows than allowed; nothing published
    RESOURCES = "resources"  # the refresh process ran out of memory or was killed by a signal
    UNKNOWN = "unknown"  # no such source, or it was refused


@dataclass(frozen=True)
class StageFailure:
    """Why a run failed, as the run record keeps it."""

    kind: ErrorKind
    message: str
    report: ValidationReport | None = None
    exception: BaseException | None = None


@dataclass(frozen=True)
class StageOutcome:
    """What the stages produced: a built package (valid or not), or a failure before one."""

    staged: StagedPackage | None
    report: ValidationReport
    failure: StageFailure | None
    #: ``time.perf_counter()`` when the last row was in (None if extraction did not finish).
    streamed: float | None = None


#: Called with the number of rows taken in so far.
RowCount = Callable[[int], None]


def new_builder(source_cls: type[Source], directory: Path, **options: Any) -> PackageBuilder:
    """The builder :func:`run_stages` fills: the test kit makes its own here, so that it reaches
    the build stage only through the runner."""
    return PackageBuilder(source_cls, directory, **options)


def run_stages(
    make_source: Callable[[], Source],
    builder: PackageBuilder,
    config: Mapping[str, Any],
    *,
    version: str,
    created: datetime,
    progress: RowCount | None = None,
) -> StageOutcome:
    """Run a source into ``builder`` and validate the result; never raises for a failing source.

    ``config`` is the source's loaded configuration (its ``timeout`` and ``memory_limit`` are
    read here). The caller owns ``builder``: it closes it, and a refresh hooks the preloader to
    it. Building the source inside the runner classifies a failing constructor like any other
    failure of the source.
    """
    streamed: float | None = None
    try:
        _extract_into(make_source, builder, float(config.get("timeout", 600)), progress)
        streamed = time.perf_counter()
        staged, report = builder.finish(version=version, created=created)
    except Exception as exc:  # MemoryError included: it is an Exception
        failure = classify(exc, builder.source_cls.name, config)
        return StageOutcome(None, failure.report or ValidationReport([], {}), failure, streamed)
    return StageOutcome(staged, report, _invalid(staged, report), streamed)


def _extract_into(
    make_source: Callable[[], Source],
    builder: PackageBuilder,
    timeout: float,
    progress: RowCount | None,
) -> None:
    """Stream the source's rows into ``builder``; the source is closed however it ends (it
    removes what :meth:`~opendata.plugin.Source.origin` extracted from a zipped install)."""
    source = make_source()
    try:
        count = 0
        for batch in extract.stream(source, timeout):
            builder.add(batch)
            count += len(batch)
            if progress is not None:
                progress(count)
    finally:
        source.close()


def _invalid(staged: StagedPackage, report: ValidationReport) -> StageFailure | None:
    if report.valid:
        return None
    kind = ErrorKind.POLICY if staged.violations else ErrorKind.VALIDATION
    return StageFailure(kind, report_error(report), report)


def classify(exc: Exception, name: str, config: Mapping[str, Any]) -> StageFailure:
    """The failure an exception raised while running source ``name`` stands for.

    Called inside the ``except`` block that caught ``exc`` (a crash keeps its traceback).
    """
    if isinstance(exc, PolicyAbort):
        report = ValidationReport([v.to_error() for v in exc.violations])
        return StageFailure(ErrorKind.POLICY, str(exc), report, exc)
    if isinstance(exc, SourceError):
        return StageFailure(_source_error_kind(exc), str(exc), None, exc)
    if isinstance(exc, MemoryError):
        # The address-space limit of the refresh process (the source's memory_limit) was hit;
        # the stack is unwound by now, so recording the failure has memory again.
        limit = config.get("memory_limit")
        message = f"the refresh ran out of memory (limit {limit} MiB)"
        return StageFailure(ErrorKind.RESOURCES, message, None, exc)
    detail = "".join(traceback.format_exception_only(exc)).strip()
    tb = traceback.format_exc(limit=-3)
    return StageFailure(ErrorKind.SOURCE, f"source {name!r}{CRASH_MARK}{detail}\n{tb}", None, exc)


def _source_error_kind(exc: SourceError) -> ErrorKind:
    if isinstance(exc, extract.SourceTimeout):
        return ErrorKind.TIMEOUT
    if isinstance(exc, TransientSourceError):
        return ErrorKind.TRANSIENT
    return ErrorKind.SOURCE


def report_error(report: ValidationReport) -> str:
    """The run's one-line error for an invalid package: the first few findings."""
    first = report.errors[:3]
    more = len(report.errors) - len(first)
    text = "; ".join(e.message for e in first)
    return f"validation failed with {len(report.errors)} error(s): {text}" + (
        f" (and {more} more in the report)" if more > 0 else ""
    )
