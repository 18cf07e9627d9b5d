"""Validation report dataclasses: the data a run keeps, serves and shows to people.

Error types and row numbering follow frictionless 5.21 so that a report from opendata and one from
``frictionless validate`` can be compared line by line: the header is row 1, the first data row is
row 2, and header (label) errors carry no row number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ValidationError:
    """One problem found in a package, with enough context for a person to fix it."""

    type: str
    resource: str
    message: str
    row: int | None = None
    field: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; keys are always present so consumers need no defaults."""
        return {
            "type": self.type,
            "resource": self.resource,
            "row": self.row,
            "field": self.field,
            "message": self.message,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ValidationError:
        """Inverse of :meth:`to_dict`."""
        row = d.get("row")
        fld = d.get("field")
        return cls(
            type=str(d["type"]),
            resource=str(d.get("resource", "")),
            message=str(d.get("message", "")),
            row=int(row) if row is not None else None,
            field=str(fld) if fld is not None else None,
            note=str(d.get("note", "")),
        )


@dataclass
class ValidationReport:
    """The outcome of validating a package: every error found (up to the limit) and row counts."""

    errors: list[ValidationError]
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    error_limit_reached: bool = False

    @property
    def valid(self) -> bool:
        """True when no error was found (a truncated report is never valid)."""
        return not self.errors and not self.error_limit_reached

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: ``valid``, ``errors``, ``stats`` and ``error_limit_reached``."""
        return {
            "valid": self.valid,
            "errors": [e.to_dict() for e in self.errors],
            "stats": {name: dict(s) for name, s in self.stats.items()},
            "error_limit_reached": self.error_limit_reached,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ValidationReport:
        """Rebuild a report stored with :meth:`to_dict` (e.g. read back from a run record)."""
        stats_in = d.get("stats") or {}
        stats = {str(name): {str(k): int(v) for k, v in s.items()} for name, s in stats_in.items()}
        return cls(
            errors=[ValidationError.from_dict(e) for e in d.get("errors") or []],
            stats=stats,
            error_limit_reached=bool(d.get("error_limit_reached", False)),
        )

    def summary(self, max_errors: int = 20) -> str:
        """Multi-line text for logs and the CLI; plain ``str`` so Chinese names print as is."""
        total_rows = sum(s.get("rows", 0) for s in self.stats.values())
        head = "valid" if self.valid else "INVALID"
        lines = [
            f"Validation {head}: {len(self.stats)} resource(s), {total_rows} row(s), "
            f"{len(self.errors)} error(s)"
            + (" (error limit reached; more errors not listed)" if self.error_limit_reached else "")
        ]
        for name, s in self.stats.items():
            lines.append(f"  {name}: {s.get('rows', 0)} row(s), {s.get('errors', 0)} error(s)")
        counts: dict[str, int] = {}
        for e in self.errors:
            counts[e.type] = counts.get(e.type, 0) + 1
        if counts:
            lines.append("  by type: " + ", ".join(f"{t} ×{n}" for t, n in sorted(counts.items())))
        for e in self.errors[:max_errors]:
            lines.append(f"  - [{e.type}] {e.message}")
        if len(self.errors) > max_errors:
            lines.append(f"  … and {len(self.errors) - max_errors} more")
        return "\n".join(lines)
