"""Validate: every row of every resource against its Table Schema, keys across the package, and
the publication policy's findings, gathered into one report that is kept beside every attempt.

The row checks run while build writes (one pass over the data); the package-level checks (foreign
keys) run when the last row is in. ``validate_path`` applies the same rules to a package on disk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from opendata.policy import Violation
from opendata.validation import PackageChecker, ValidationError, ValidationReport, validate_package_dir

ERROR_LIMIT = 1000


class StreamValidator:
    """Row-by-row validation of a package being built."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.checker = PackageChecker({k: dict(v) for k, v in schemas.items()}, error_limit=ERROR_LIMIT)
        self._resources = {name: self.checker.resource(name) for name in schemas}

    def header(self, resource: str, labels: list[str]) -> None:
        self._resources[resource].check_header(labels)

    def row(self, resource: str, cells: list[str]) -> None:
        self._resources[resource].check_row(cells)

    def finish(self, violations: Sequence[Violation] = ()) -> ValidationReport:
        report = self.checker.finish()
        for v in violations:
            report.errors.append(
                ValidationError(
                    type="personal-data",
                    resource=v.resource,
                    message=v.message,
                    row=v.row,
                    field=v.field,
                    note=v.kind,
                )
            )
        return report


def validate_path(path: Path) -> ValidationReport:
    """Validate a data package on disk (a folder or its datapackage.json) with the core's rules."""
    folder = path.parent if path.name.endswith(".json") else path
    return validate_package_dir(folder)
