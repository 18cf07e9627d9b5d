"""Package-level validation: every resource, foreign keys across resources, reading from disk."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path, PurePosixPath
from typing import Any

from .checker import ResourceChecker
from .encoding import detect as detect_encoding
from .encoding import read_buffer
from .encoding import suggest as suggest_encoding
from .report import ValidationError, ValidationReport

# Errors of a referenced resource that its referencing resources fail with too (frictionless
# cannot build the lookup: undecodable, missing, or a header it cannot pair with the fields by
# name); after any other, the lookup holds the keys read before it.
INHERITED = frozenset({"encoding-error", "scheme-error", "error", "metadata-error"})
EMPTY = "the source is empty"  # frictionless's note for a file without a header or a row


class PackageChecker:
    """Validates every resource of a package, including foreign keys across resources.

    Create it with every resource's Table Schema (so referenced resources know, before their rows
    arrive, which key sets to remember), feed each ``resource(name)`` checker, then ``finish``.
    """

    def __init__(
        self,
        resources: dict[str, dict[str, Any]],
        *,
        error_limit: int = 1000,
        no_header: Collection[str] = (),
    ) -> None:
        self.error_limit = error_limit
        self._checkers = {
            name: ResourceChecker(
                name, schema, error_limit=error_limit, header=name not in no_header
            )
            for name, schema in resources.items()
        }
        for name, checker in self._checkers.items():
            for fk in checker.foreign_keys:
                target = self._checkers.get(fk.resource)
                if target is None:
                    # frictionless fails the resource with a resource-error before reading it
                    checker.schema_ok = False
                    checker.errors.append(
                        ValidationError(
                            "resource-error",
                            name,
                            f'Resource "{name}": its foreign key ({", ".join(fk.fields)}) refers '
                            f'to resource "{fk.resource}", which is not in the package. Add the '
                            "resource or fix the reference.",
                            note=f'failed to handle a foreign key for resource "{name}" as '
                            f'resource "{fk.resource}" does not exist',
                        )
                    )
                    continue
                target.collect_keys(fk.ref_fields)

    def resource(self, name: str) -> ResourceChecker:
        """The checker to feed with resource ``name``'s header and rows."""
        return self._checkers[name]

    def finish(self) -> ValidationReport:
        """Flush every resource, run the foreign-key checks, and build the report."""
        for checker in self._checkers.values():
            checker.finish()
        for checker in self._checkers.values():
            self._inherit_read_errors(checker)
        for checker in self._checkers.values():
            if checker.aborted or not checker.schema_ok:
                continue
            fk_errors = self._check_foreign_keys(checker)
            if fk_errors:
                # keep each resource's errors in row order: header first, then rows
                merged = checker.errors + fk_errors
                merged.sort(key=lambda e: -1 if e.row is None else e.row)
                if len(merged) > self.error_limit:
                    checker.error_limit_reached = True
                checker.errors = merged[: self.error_limit]
        errors: list[ValidationError] = []
        stats: dict[str, dict[str, int]] = {}
        limited = False
        for name, checker in self._checkers.items():
            stats[name] = {"rows": checker.rows, "errors": len(checker.errors)}
            errors.extend(checker.errors)
            limited = limited or checker.error_limit_reached
        if len(errors) > self.error_limit:
            errors = errors[: self.error_limit]
            limited = True
        return ValidationReport(errors=errors, stats=stats, error_limit_reached=limited)

    def _inherit_read_errors(self, checker: ResourceChecker) -> None:
        """A resource whose foreign key refers to a resource that cannot be opened or decoded
        fails with that error: frictionless reads the referenced resource before the rows. (An
        empty referenced file is read as an empty lookup instead, so its keys are checked.)"""
        # frictionless finds a source empty only after building the lookup, so the lookup's
        # error wins over that one; its own read errors come first
        if not checker.schema_ok or (checker.aborted and checker.abort_note != EMPTY):
            return
        for fk in checker.foreign_keys:
            target = self._checkers.get(fk.resource)
            if target is None or target is checker or target.abort_type not in INHERITED:
                continue
            checker.abort(
                target.abort_type,
                f'Resource "{checker.resource}": its foreign key refers to resource '
                f'"{fk.resource}", whose file cannot be read; fix that resource first.',
                note=f'resource "{fk.resource}" cannot be read',
            )
            return

    def _check_foreign_keys(self, checker: ResourceChecker) -> list[ValidationError]:
        found: list[ValidationError] = []
        for fk, refs in zip(checker.foreign_keys, checker.references, strict=True):
            target = self._checkers.get(fk.resource)
            if target is None or target.abort_type in INHERITED:
                continue
            keys = target.key_set(fk.ref_fields)
            fields = ", ".join(fk.fields)
            ref_fields = ", ".join(fk.ref_fields)
            for row, key in refs:
                try:
                    ok = key in keys
                except TypeError:  # an unhashable (JSON) value can never be looked up
                    ok = False
                if ok:
                    continue
                if len(found) >= self.error_limit:
                    checker.error_limit_reached = True
                    break
                shown = ", ".join(str(v) for v in key)
                found.append(
                    ValidationError(
                        "foreign-key",
                        checker.resource,
                        f'resource "{checker.resource}", row {row}: ({fields}) = ({shown}) is '
                        f'not found in resource "{fk.resource}" ({ref_fields}). Add the '
                        "referenced row or correct the value.",
                        row,
                        None,
                        f'for "{fields}": values "{shown}" not found in the lookup table '
                        f'"{fk.resource}" as "{ref_fields}"',
                    )
                )
        return found


# ---------------------------------------------------------------- reading a package from disk


def _error(type_: str, resource: str, message: str, note: str = "") -> ValidationReport:
    return ValidationReport(errors=[ValidationError(type_, resource, message, note=note)])


def safe_path(root: Path, value: object) -> tuple[Path | None, str]:
    """Resolve a descriptor path inside ``root``; (None, reason) when it is not safe."""
    if not isinstance(value, str) or not value:
        return None, "the resource has no single local path"
    if "://" in value:
        return None, f'remote path "{value}" is not allowed; publish local files only'
    pure = PurePosixPath(value)
    if pure.is_absolute() or value.startswith(("\\", "~")) or ":" in value.split("/")[0]:
        return None, f'path "{value}" is absolute; use a path relative to datapackage.json'
    if ".." in pure.parts or ".." in value.split("\\"):
        return None, f'path "{value}" leaves the package folder ("..")'
    full = (root / value).resolve()
    if not full.is_relative_to(root.resolve()):
        return None, f'path "{value}" leaves the package folder (symbolic link)'
    return full, ""


def csv_options(dialect: dict[str, Any], fmt: str) -> dict[str, Any]:
    """``csv.reader`` keyword arguments for a resource's declared dialect."""
    # Data Package v2 nests CSV options under "csv"; v1 put them at the top level.
    nested = dialect.get("csv")
    src: dict[str, Any] = nested if isinstance(nested, dict) else dialect
    opts: dict[str, Any] = {
        "delimiter": src.get("delimiter", "\t" if fmt == "tsv" else ","),
        "quotechar": src.get("quoteChar", '"'),
        "doublequote": bool(src.get("doubleQuote", True)),
        "skipinitialspace": bool(src.get("skipInitialSpace", False)),
        "strict": False,
    }
    if src.get("escapeChar"):
        opts["escapechar"] = src["escapeChar"]
    if src.get("quoteChar") == "":
        opts["quoting"] = csv.QUOTE_NONE
        opts["quotechar"] = None
    return opts


@dataclass
class _HeaderPlan:
    """Where a CSV file's header and comments are, as its dialect declares them."""

    header: bool
    rows: list[int]
    guess: bool  # neither header nor headerRows declared: frictionless guesses
    join: str
    ignore_case: bool
    comment_char: str | None
    comment_rows: set[int]

    @classmethod
    def of(cls, dialect: dict[str, Any]) -> _HeaderPlan:
        header = bool(dialect.get("header", True))
        return cls(
            header=header,
            rows=[int(r) for r in dialect.get("headerRows", [1])] if header else [],
            guess="header" not in dialect and "headerRows" not in dialect,
            join=str(dialect.get("headerJoin", " ")),
            ignore_case=dialect.get("headerCase", True) is False,
            comment_char=dialect.get("commentChar"),
            comment_rows=set(dialect.get("commentRows", [])),
        )

    @property
    def first_content(self) -> int:
        return self.rows[-1] + 1 if self.rows else 1


def _read_resource(
    checker: ResourceChecker, path: Path, declared: str | None, dialect: dict[str, Any], fmt: str
) -> None:
    plan = _HeaderPlan.of(dialect)
    name = checker.resource
    encoding = _encoding_or_abort(checker, path, declared)
    if encoding is None:
        return
    try:
        with open(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            reader: Iterator[list[str]] = csv.reader(text, **csv_options(dialect, fmt))
            if plan.guess:
                sample = list(islice(reader, SAMPLE_SIZE))
                plan.rows = _guess_header_rows(sample, plan.comment_char, plan.comment_rows)
                reader = chain(sample, reader)
            labels, content_seen = _read_rows(checker, reader, plan)
            if not labels and not content_seen:
                checker.abort(
                    "source-error",
                    f'Resource "{name}": the file "{path.name}" is empty. Publish at least the '
                    "header row.",
                    note=EMPTY,
                )
    except UnicodeDecodeError as exc:
        checker.abort(
            "encoding-error", _encoding_message(name, path, declared, encoding, exc), str(exc)
        )
    except (OSError, csv.Error) as exc:
        checker.abort(
            "source-error",
            f'Resource "{name}": the file "{path.name}" cannot be read ({exc}).',
            note=str(exc),
        )


def _encoding_or_abort(checker: ResourceChecker, path: Path, declared: str | None) -> str | None:
    """The file's encoding; None (the resource aborted with the reason) if it has none."""
    name = checker.resource
    try:
        return detect_encoding(read_buffer(path), declared)
    except LookupError:
        checker.abort(
            "encoding-error",
            f'Resource "{name}": encoding "{declared}" is unknown. Declare a valid encoding '
            "(e.g. utf-8, gb18030) in datapackage.json.",
            note=f'unknown encoding "{declared}"',
        )
    except OSError as exc:
        checker.abort(
            "source-error",
            f'Resource "{name}": the file "{path.name}" cannot be read ({exc.strerror}).',
            note=str(exc.strerror),
        )
    return None


def _read_rows(
    checker: ResourceChecker, reader: Iterator[list[str]], plan: _HeaderPlan
) -> tuple[list[str], bool]:
    """Check the header and every row; returns the joined labels and whether a row was read."""
    first_content = plan.first_content
    comment_char, comment_rows = plan.comment_char, plan.comment_rows
    label_lists: list[list[str]] = []
    number = 0
    content_seen = False
    simple = not comment_char and not comment_rows
    for cells in reader:
        number += 1
        if (comment_char and cells and cells[0].startswith(comment_char)) or (
            number in comment_rows
        ):
            checker.skip_row() if number >= first_content else None
            continue
        if number < first_content:
            if number in plan.rows:
                label_lists.append([c.strip() for c in cells])
            if number == first_content - 1:
                checker.check_header(
                    _join_labels(label_lists, plan.join), ignore_case=plan.ignore_case
                )
            continue
        content_seen = True
        checker.check_row(cells, number)
        if simple:
            # the hot path: hand the rest of the reader to the checker in bulk
            checker.check_rows(reader)
            break
    if plan.header and number < first_content - 1:
        # the file ended inside the header
        checker.check_header(_join_labels(label_lists, plan.join), ignore_case=plan.ignore_case)
    return _join_labels(label_lists, plan.join), content_seen


def _encoding_message(
    name: str, path: Path, declared: str | None, encoding: str, exc: UnicodeDecodeError
) -> str:
    """What went wrong, and the declaration that fixes it when one encoding fits the file."""
    how = "declared" if declared else "detected from the first 100,000 bytes"
    better = suggest_encoding(path, encoding)
    fix = (
        f'The file decodes as {better}: declare "encoding": "{better}" for this resource in '
        "datapackage.json (or re-save the file as UTF-8)."
        if better
        else "Re-save the file as UTF-8, or declare its real encoding in datapackage.json."
    )
    return (
        f'Resource "{name}": the file "{path.name}" is not valid {encoding} ({how}): byte '
        f"{exc.object[exc.start : exc.start + 1]!r} at position {exc.start} cannot be decoded. "
        + fix
    )


SAMPLE_SIZE = 100  # frictionless's default detector sample, in records


def _guess_header_rows(
    sample: list[list[str]], comment_char: object, comment_rows: Collection[int]
) -> list[int]:
    """frictionless's header detection when the dialect declares neither ``header`` nor
    ``headerRows``: the header is the first sampled record whose width is within 10% of the
    average width. Odd (a short first line is skipped as if it were a title), but matched so the
    verdicts agree; our own packages declare ``"header": true`` and are unaffected.
    """
    if not sample:
        return [1]
    widths = [len(cells) for cells in sample]
    width = round(sum(widths) / len(widths))
    drift = max(round(width * 0.1), 1)
    for number, cells in enumerate(sample, start=1):
        if comment_char and cells and cells[0].startswith(str(comment_char)):
            continue
        if number in comment_rows:
            continue
        if abs(len(cells) - width) <= drift:
            return [number]
    return [1]


def _join_labels(lists: list[list[str]], joiner: str) -> list[str]:
    """Multi-row headers, joined like frictionless's ``Dialect.read_labels``."""
    if len(lists) == 1:
        return lists[0]
    labels: list[str] = []
    prev: dict[int, str] = {}
    for cells in lists:
        for index, cell in enumerate(cells):
            if prev.get(index) == cell:
                continue
            prev[index] = cell
            if len(labels) <= index:
                labels.append(cell)
            else:
                labels[index] = joiner.join([labels[index], cell])
    return labels


def _declared(value: object) -> str | None:
    """The declared encoding; None (detect it, as frictionless does) when there is none."""
    return str(value) if value else None


def datapackage_version(profile: object) -> str:
    """ "v1", "v2" or "unknown" (a custom profile), as frictionless resolves ``$schema``."""
    if not profile:
        return "v1"  # the standard: no $schema means v1
    match = re.fullmatch(r"https?://datapackage\.org/profiles/(\d+)\.\d+/.*", str(profile))
    if not match:
        return "unknown"
    return {"1": "v1", "2": "v2"}.get(match.group(1), "unknown")


def _v2_only(schema: dict[str, Any]) -> str:
    """Why a v1 package cannot use this schema: frictionless refuses Data Package v2 features
    (object-form missing values, exclusive bounds) unless ``$schema`` declares v2."""
    fix = (
        'declare "$schema": "https://datapackage.org/profiles/2.0/datapackage.json" in '
        "datapackage.json"
    )
    fields = schema.get("fields")
    places: list[tuple[str, Any]] = [("schema", schema)]
    if isinstance(fields, list):
        places += [(f'schema field "{f.get("name")}"', f) for f in fields if isinstance(f, dict)]
    for place, desc in places:
        missing = desc.get("missingValues")
        if isinstance(missing, list) and any(isinstance(m, dict) for m in missing):
            return f"{place}: missing values in object form require Data Package v2; {fix}"
        constraints = desc.get("constraints")
        if isinstance(constraints, dict):
            for name in ("exclusiveMinimum", "exclusiveMaximum"):
                if name in constraints:
                    return f'{place}: constraint "{name}" requires Data Package v2; {fix}'
    return ""


def _load_schema(root: Path, value: object) -> tuple[dict[str, Any] | None, str]:
    if isinstance(value, dict):
        return value, ""
    full, why = safe_path(root, value)
    if full is None:
        return None, f"schema {why}"
    try:
        loaded = json.loads(full.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f'schema file "{value}" cannot be read: {exc}'
    if not isinstance(loaded, dict):
        return None, f'schema file "{value}" is not a JSON object'
    return loaded, ""


@dataclass(frozen=True)
class _ResourcePlan:
    """One resource as the descriptor declares it, and the first problem found before reading."""

    name: str
    path: Path | None
    encoding: str | None
    dialect: dict[str, Any]
    format: str
    problem: str  # "schema …" (a schema problem), another text (a source problem) or ""
    schema: dict[str, Any] | None


def validate_package_dir(path: Path, *, error_limit: int = 1000) -> ValidationReport:
    """Read datapackage.json in ``path`` and its CSV resources, validate, return the report.

    Never raises for bad input: a missing or unreadable descriptor, an unsafe path (absolute,
    ``..``, remote) or an unreadable file becomes an error in the report that says what to fix.
    """
    root = Path(path)
    loaded = _load_descriptor(root)
    if isinstance(loaded, ValidationReport):
        return loaded
    descriptor, resources = loaded
    version = datapackage_version(descriptor.get("$schema"))
    plans = [
        _plan_resource(root, res if isinstance(res, dict) else {}, position, version)
        for position, res in enumerate(resources, start=1)
    ]
    schemas = {p.name: p.schema if p.schema is not None else {"fields": []} for p in plans}
    no_header = {p.name for p in plans if p.dialect.get("header") is False}
    checker = PackageChecker(schemas, error_limit=error_limit, no_header=no_header)
    for plan in plans:
        _check_resource(checker.resource(plan.name), plan)
    return checker.finish()


def _load_descriptor(root: Path) -> tuple[dict[str, Any], list[Any]] | ValidationReport:
    """The descriptor and its resources, or the report of why there are none to validate."""
    descriptor_path = root / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _error(
            "source-error",
            "",
            f'No datapackage.json in "{root}". Build the package before validating it.',
            note="descriptor not found",
        )
    except (OSError, ValueError) as exc:
        return _error(
            "source-error",
            "",
            f'"{descriptor_path}" cannot be read as JSON ({exc}). Rebuild the descriptor.',
            note=str(exc),
        )
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        return _error(
            "schema-error",
            "",
            f'"{descriptor_path}" lists no resources. A data package needs at least one.',
            note='"resources" must be a non-empty list',
        )
    return descriptor, resources


def _plan_resource(root: Path, res: dict[str, Any], position: int, version: str) -> _ResourcePlan:
    name = str(res.get("name") or f"resource{position}")
    schema, why = _load_schema(root, res.get("schema", {}))
    if schema is not None and not why and version == "v1":
        why = _v2_only(schema)
    raw_dialect = res.get("dialect")
    dialect: dict[str, Any] = raw_dialect if isinstance(raw_dialect, dict) else {}
    full, why_path = safe_path(root, res.get("path"))
    fmt = str(res.get("format") or (full.suffix.lstrip(".").lower() if full else "csv"))
    problem = why_path or (
        f'format "{fmt}" is not supported; publish CSV' if fmt not in ("csv", "tsv") else ""
    )
    encoding = _declared(res.get("encoding"))
    return _ResourcePlan(name, full, encoding, dialect, fmt, why or problem, schema)


def _check_resource(rc: ResourceChecker, plan: _ResourcePlan) -> None:
    name, problem, full = plan.name, plan.problem, plan.path
    if problem.startswith("schema"):
        rc.schema_ok = False
        rc.abort("schema-error", f'Resource "{name}": {problem}.', note=problem)
        return
    if problem or full is None:
        rc.abort("source-error", f'Resource "{name}": {problem}.', note=problem)
        return
    if not full.is_file():
        rc.abort(
            "scheme-error",  # frictionless's type for a local file that is not there
            f'Resource "{name}": the file "{full.name}" does not exist. Build it or fix '
            '"path" in datapackage.json.',
            note="file not found",
        )
        return
    _read_resource(rc, full, plan.encoding, plan.dialect, plan.format)
