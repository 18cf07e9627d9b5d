"""What the public may read of a refresh run: its status, error kind and a summary the core writes.

A run's recorded ``error`` is the exception text (with a traceback for a plugin that crashed):
useful to an operator, and a leak to anyone else: plugins put origin paths, URLs with credentials,
host names and configuration values in their messages. So anonymous readers (API, portal) get a
summary built only from what the core itself knows about the run: its error kind, the validation
report (resource, row, field and error type; never a personal-data value), the shrink guard's
counts. Token holders and the CLI additionally get the recorded text, redacted
(:func:`opendata.redact.redact`), as ``error_detail``.

The summary is derived when the run is read, not stored, so runs recorded before this existed are
summarised the same way, and no column is needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from opendata.redact import redact, strip_paths

#: The start of the recorded error of a plugin that raised something other than a SourceError
#: (written by the refresh pipeline; see ``opendata.pipeline.refresh``).
CRASH_MARK = " crashed: "

_FIXED = {
    "transient": "transient: the origin could not be reached for now (connection, time-out "
    "or server error at the origin); it is retried",
    "unknown": "unknown: no enabled source of this name, or its plugin was refused",
    "resources": "resources: the refresh went past its memory limit or was stopped by the "
    "system; nothing was published",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _resources(counts: Mapping[str, int], unit: str, what: str) -> str:
    """``3 errors in resource entries, 1 error in resource channels``."""
    parts = []
    for resource, n in counts.items():
        place = f"resource {resource}" if resource else "the package"
        parts.append(f"{_plural(n, unit)} {what}{place}")
    return ", ".join(parts)


def _errors(report: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    found = (report or {}).get("errors") or []
    return [e for e in found if isinstance(e, Mapping)]


def _validation(report: Mapping[str, Any] | None) -> str:
    errors = [e for e in _errors(report) if e.get("type") != "personal-data"]
    if not errors:
        return "validation: the package did not validate"
    counts = Counter(str(e.get("resource") or "") for e in errors)
    more = (
        " (error limit reached: there are more)"
        if (report or {}).get("error_limit_reached")
        else ""
    )
    return f"validation: {_resources(counts, 'error', 'in ')}{more}"


def _policy(report: Mapping[str, Any] | None) -> str:
    findings = [e for e in _errors(report) if e.get("type") == "personal-data"]
    if not findings:
        return "policy: personal data found in a published field"
    rows: dict[str, set[Any]] = {}
    in_metadata = False
    for e in findings:
        if e.get("row") is None:
            in_metadata = True
            continue
        rows.setdefault(str(e.get("resource") or ""), set()).add(e.get("row"))
    parts = [_resources({r: len(n) for r, n in rows.items()}, "row", "of ")] if rows else []
    if in_metadata:
        parts.append("the dataset's descriptive texts")
    return "policy: personal data in " + ", ".join(p for p in parts if p)


def _shrink(report: Mapping[str, Any] | None) -> str:
    found = (report or {}).get("shrink") or []
    described = [
        f"resource {s['resource']} would fall from {int(s['before'])} to {int(s['after'])} rows"
        for s in found
        if isinstance(s, Mapping) and {"resource", "before", "after"} <= s.keys()
    ]
    if not described:
        return "shrink: a resource would lose more rows than the shrink guard allows"
    return "shrink: " + "; ".join(described) + "; nothing was published"


def _source(error: str | None) -> str:
    first = (error or "").split("\n", 1)[0]
    if CRASH_MARK in first:
        return "source failed: the plugin stopped with an unexpected error"
    return "source failed: the origin could not be read"


def _timeout(timings: Mapping[str, Any] | None) -> str:
    total = (timings or {}).get("total")
    after = f" (stopped after {float(total):.0f} s)" if isinstance(total, int | float) else ""
    return f"timeout: the source did not finish within its time limit{after}"


def public_summary(run: Mapping[str, Any]) -> str | None:
    """The short public text of a failed run; None for any other status."""
    if run.get("status") != "failed":
        return None
    kind = run.get("error_kind")
    report = run.get("report")
    if kind == "validation":
        return _validation(report)
    if kind == "policy":
        return _policy(report)
    if kind == "shrink":
        return _shrink(report)
    if kind == "source":
        return _source(run.get("error"))
    if kind == "timeout":
        return _timeout(run.get("timings"))
    if isinstance(kind, str) and kind in _FIXED:
        return _FIXED[kind]
    return "failed: the reason is in the server log"


def _public_warnings(warnings: Iterable[Any] | None) -> list[str]:
    # Warnings are plugin text (layout notes naming files and sheets): shown, minus secrets and
    # server paths.
    return [strip_paths(redact(str(w))) for w in warnings or []]


def public_run(run: Mapping[str, Any]) -> dict[str, Any]:
    """A run as anonymous readers see it: ``error`` is the summary; no exception text."""
    out = dict(run)
    out["error"] = public_summary(run)
    out["warnings"] = _public_warnings(run.get("warnings"))
    out.pop("error_detail", None)
    return out


def detailed_run(run: Mapping[str, Any]) -> dict[str, Any]:
    """A run as a token holder sees it: the public view plus the redacted recorded text."""
    out = public_run(run)
    recorded = run.get("error")
    out["error_detail"] = redact(str(recorded)) if recorded else None
    return out


def public_runs(
    runs: Iterable[Mapping[str, Any]], reports: Mapping[int, Any]
) -> list[dict[str, Any]]:
    """Runs of a list (read without their reports) as the public sees them.

    ``reports`` holds, by run id, the reports that failed runs' summaries are drawn from
    (``Catalog.failure_reports``); the list itself stays without reports.
    """
    out = []
    for run in runs:
        report = reports.get(run["id"])
        shown = public_run({**run, "report": report} if report is not None else run)
        if "report" not in run:
            shown.pop("report", None)
        out.append(shown)
    return out
