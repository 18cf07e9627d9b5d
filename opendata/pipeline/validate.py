"""Validate: every row of every resource against its Table Schema, keys across the package, and
the publication policy's findings, gathered into one report that is kept beside every attempt.

The row checks run while build writes (one pass over the data); the package-level checks (foreign
keys) run when the last row is in. ``validate_path`` applies the same rules to a package on disk.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from opendata.policy import ResourcePolicy, Violation, may_hold_personal_data, scan_descriptor
from opendata.validation import (
    PackageChecker,
    ValidationError,
    ValidationReport,
    validate_package_dir,
)
from opendata.validation.encoding import detect as detect_encoding
from opendata.validation.encoding import read_buffer
from opendata.validation.package import csv_options, safe_path

ERROR_LIMIT = 1000


class StreamValidator:
    """Row-by-row validation of a package being built."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.checker = PackageChecker(
            {k: dict(v) for k, v in schemas.items()}, error_limit=ERROR_LIMIT
        )
        self._resources = {name: self.checker.resource(name) for name in schemas}

    def header(self, resource: str, labels: list[str]) -> None:
        self._resources[resource].check_header(labels)

    def rows(self, resource: str, rows: list[list[str]]) -> None:
        self._resources[resource].check_rows(rows)

    def finish(self, violations: Sequence[Violation] = ()) -> ValidationReport:
        report = self.checker.finish()
        # A type or constraint error quotes its cell; when that cell holds personal data, the
        # quote would publish it in the run report. Keep the finding, drop the quote.
        flagged = {(v.resource, v.row, v.field) for v in violations}
        if flagged:
            report.errors[:] = [
                ValidationError(e.type, e.resource, _redacted(e), e.row, e.field, "")
                if (e.resource, e.row, e.field) in flagged
                else e
                for e in report.errors
            ]
        report.errors.extend(v.to_error() for v in violations)
        return report


def _redacted(error: ValidationError) -> str:
    return (
        f"resource {error.resource!r}, row {error.row}, field {error.field!r}: {error.type} "
        "(the value is not shown because it holds personal data)"
    )


def validate_path(path: Path) -> ValidationReport:
    """Validate a data package on disk (a folder or its datapackage.json) with the core's rules."""
    folder = path.parent if path.name.endswith(".json") else path
    report = validate_package_dir(folder)
    report.errors.extend(_scan_personal_data(folder))
    return report


def _scan_personal_data(folder: Path) -> list[ValidationError]:
    """The publication policy's personal-data check over the package's CSV files, read with
    each resource's declared dialect and path rules, as the validator reads them."""
    try:
        descriptor = orjson.loads((folder / "datapackage.json").read_bytes())
    except (OSError, ValueError):
        return []  # the validator has already reported an unreadable descriptor
    if not isinstance(descriptor, dict):
        return []
    found = [v.to_error() for v in scan_descriptor(descriptor)]
    for resource in descriptor.get("resources", []):
        schema = resource.get("schema")
        full, _ = safe_path(folder, resource.get("path"))
        if full is None or not isinstance(schema, dict):
            continue  # reported by the validator
        try:
            found.extend(v.to_error() for v in _scan_resource(full, resource, schema))
        except (OSError, UnicodeDecodeError, LookupError, csv.Error):
            continue  # reported by the validator as a source or encoding error
    return found


def _scan_resource(
    full: Path, resource: Mapping[str, Any], schema: dict[str, Any]
) -> list[Violation]:
    """The policy's findings in one resource's CSV file."""
    raw_dialect = resource.get("dialect")
    dialect = raw_dialect if isinstance(raw_dialect, dict) else {}
    fmt = str(resource.get("format") or full.suffix.lstrip(".").lower())
    policy = ResourcePolicy.from_schema(resource.get("name", full.name), schema, None)
    # The encoding the validator reads with (a BOM, an undeclared GB18030 file): with a plain
    # "utf-8" the BOM would hide the first column from the scan, and an undetected GB18030 file
    # would not be scanned at all.
    encoding = detect_encoding(read_buffer(full), resource.get("encoding") or None)
    with full.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, **csv_options(dialect, fmt))
        fields = policy.published_fields
        has_header = dialect.get("header", True)
        header = next(reader, []) if has_header else fields
        positions = [header.index(n) for n in fields if n in header]
        policy.published_fields = [header[i] for i in positions]
        rows = ([c[i] if i < len(c) else "" for i in positions] for c in reader)
        return _scan_rows(policy, rows, 2 if has_header else 1)


def _scan_rows(policy: ResourcePolicy, rows: Iterator[list[str]], first: int) -> list[Violation]:
    """The policy's findings in ``rows`` (``first`` being the CSV row number of the first), in
    batches of 2,000 behind the byte pre-filter, as build scans them."""
    found: list[Violation] = []
    while batch := list(islice(rows, 2000)):
        text = "\x1e".join("\x1f".join(cells) for cells in batch)
        if may_hold_personal_data(text.encode("utf-8")):
            found.extend(policy.scan_batch(batch, first))
        first += len(batch)
    return found
