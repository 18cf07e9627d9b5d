"""Build: stream a source's rows into a staging folder as UTF-8 CSV plus a Data Package descriptor.

Each row passes the publication policy (withheld rows are counted, private fields dropped,
personal data flagged), is serialised to CSV text exactly once, written, and handed — as that
same text — to the validator, so that what is validated is byte for byte what is published.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from opendata import codec, csvtext
from opendata.chartspec import chart_views
from opendata.licenses import LICENSES
from opendata.limits import DEFAULT as DEFAULT_LIMITS
from opendata.pipeline.cellsize import oversized_cells
from opendata.pipeline.validate import StreamValidator
from opendata.plugin import Row, Source, SourceError
from opendata.policy import (
    ResourcePolicy,
    Violation,
    may_hold_personal_data,
    public_schema,
    scan_descriptor,
)

DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
MAX_VIOLATIONS = 100
_ONLY_STR = frozenset({str})


def serialise(value: Any) -> str:
    """One cell as Table Schema text when no schema is at hand (a ``string`` field's text).

    Build itself writes each field with its own writer from :mod:`opendata.codec`, which knows
    the field's ``trueValues``, ``decimalChar`` and ``format``.
    """
    return _PLAIN_WRITER(value)


_PLAIN_WRITER = codec.value_writer({"type": "string"})


@dataclass
class ResourceBuild:
    """The state of one resource while it is written."""

    name: str
    title: str
    description: str
    schema: dict[str, Any]  # as published: private fields removed
    policy: ResourcePolicy
    path: Path
    handle: BinaryIO
    rows: int = 0
    size: int = 0
    keys_checked: bool = False
    cells: Callable[[Sequence[Row]], list[list[str]]] = field(init=False)
    digest: Any = field(default_factory=hashlib.sha256)

    def write(self, rows: Sequence[Sequence[str]]) -> bytes:
        """Append rows as UTF-8 CSV; returns the bytes written (hashed on the way)."""
        # "\n" line ends keep the files diff-friendly; cells are quoted only where needed.
        data = csvtext.dumps(rows, len(self.policy.published_fields)).encode("utf-8")
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        return data

    def __post_init__(self) -> None:
        names = self.policy.published_fields
        getter = operator.itemgetter(*names)
        single = len(names) == 1
        # Python values (True, Decimal, date …) become the text the field's schema describes.
        writers = codec.writers(self.schema, names)

        def cells(rows: Sequence[Row]) -> list[list[str]]:
            """The published cells of a batch of rows, as text."""
            try:
                values = list(map(getter, rows))
                if single:
                    values = [(v,) for v in values]
            except KeyError:  # a row may leave fields out: they are empty
                values = [tuple(row.get(name) for name in names) for row in rows]
            # Most sources hand over text already (CSV, spreadsheets): one type check over the
            # whole batch, in C, and the cells are kept as they are.
            if _ONLY_STR.issuperset(map(type, chain.from_iterable(values))):
                return list(map(list, values))
            return [
                [v if type(v) is str else w(v) for v, w in zip(vals, writers, strict=True)]
                for vals in values
            ]

        self.cells = cells


@dataclass
class StagedPackage:
    """What build produced: a staging folder that validated (or not), with its bookkeeping."""

    directory: Path
    descriptor: dict[str, Any]
    content_hash: str
    rows: dict[str, int]
    size: int
    withheld: dict[str, dict[str, int]]
    dropped_fields: dict[str, list[str]]
    violations: list[Violation] = field(default_factory=list)


class PackageBuilder:
    """Writes one source's resources into ``directory`` while validating them."""

    def __init__(
        self,
        source_cls: type[Source],
        directory: Path,
        *,
        max_cell_bytes: int = DEFAULT_LIMITS.max_cell_bytes,
    ) -> None:
        self.source_cls = source_cls
        self.max_cell_bytes = max_cell_bytes
        #: Cells over ``max_cell_bytes`` (capped): they fail the run's validation.
        self.oversized: list[Any] = []
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=False)
        self.resources: dict[str, ResourceBuild] = {}
        schemas: dict[str, dict[str, Any]] = {}
        for spec in source_cls.resources:
            raw = source_cls.load_schema(spec)
            schema = public_schema(raw)
            schemas[spec.name] = schema
            path = directory / f"{spec.name}.csv"
            policy = ResourcePolicy.from_schema(spec.name, raw, spec.disclosure_field)
            build = ResourceBuild(
                spec.name, spec.title, spec.description, schema, policy, path, path.open("wb")
            )
            build.write([policy.published_fields])
            self.resources[spec.name] = build
        self.validator = StreamValidator(schemas)
        for build in self.resources.values():
            self.validator.header(build.name, build.policy.published_fields)
        self.violations: list[Violation] = []
        #: Called after each batch is written: (resource, rows so far, path, bytes so far).
        self.on_written: Callable[[str, int, Path, int], None] | None = None

    @property
    def schemas(self) -> dict[str, dict[str, Any]]:
        """The published Table Schema of each resource."""
        return {name: build.schema for name, build in self.resources.items()}

    @property
    def sizes(self) -> dict[str, int]:
        return {name: build.size for name, build in self.resources.items()}

    def add(self, batch: Iterable[tuple[str, Row]]) -> None:
        """Policy, serialise, write and validate a batch of ``(resource, row)``.

        Rows are grouped per resource so that writing, the privacy pre-filter and validation
        each run once per batch (column by column in the validator) rather than once per row.
        """
        grouped: dict[str, list[list[str]]] = {}
        for resource, source_rows in self._by_resource(list(batch)).items():
            build = self.resources[resource]
            if not build.keys_checked:
                self._check_keys(build, source_rows[0])
            policy = build.policy
            if policy.disclosure_field is not None:
                source_rows = [row for row in source_rows if policy.admit(row)]
            if source_rows:
                grouped[resource] = build.cells(source_rows)
        for resource, rows in grouped.items():
            self._write(self.resources[resource], rows)

    def _by_resource(self, batch: list[tuple[str, Row]]) -> dict[str, list[Row]]:
        """The batch's rows per resource, in order; a resource the source does not declare
        fails the run."""
        names = {resource for resource, _ in batch}
        unknown = names - self.resources.keys()
        if unknown:
            raise SourceError(
                f"source yielded a row for resource {sorted(unknown)[0]!r}, which it does "
                "not declare"
            )
        # Most batches hold one resource: no per-row grouping then.
        if len(names) == 1:
            return {next(iter(names)): [row for _, row in batch]}
        by_resource: dict[str, list[Row]] = {}
        for resource, row in batch:
            by_resource.setdefault(resource, []).append(row)
        return by_resource

    def _write(self, build: ResourceBuild, rows: list[list[str]]) -> None:
        """Write one resource's cells of a batch, then scan and validate those very bytes."""
        resource = build.name
        first = build.rows + 2  # CSV row number of the first row: the header is row 1
        build.rows += len(rows)
        written = build.write(rows)
        if len(written) > self.max_cell_bytes and len(self.oversized) < MAX_VIOLATIONS:
            self.oversized += oversized_cells(
                resource,
                build.policy.published_fields,
                rows,
                first,
                len(written),
                self.max_cell_bytes,
            )
        if self.on_written is not None:
            build.handle.flush()  # the preloader reads up to this size from the file
            self.on_written(resource, build.rows, build.path, build.size)
        # The pre-filter reads the bytes just written, in C; rows are scanned one by one only
        # when something in the batch looks like personal data.
        if may_hold_personal_data(written):
            self.violations.extend(build.policy.scan_batch(rows, first))
            if len(self.violations) >= MAX_VIOLATIONS:
                raise PolicyAbort(self.violations)
        self.validator.rows(resource, rows)

    def _check_keys(self, build: ResourceBuild, row: Mapping[str, Any]) -> None:
        # A typo in a field name would otherwise publish an empty column: check the first row.
        known = set(build.policy.published_fields) | set(build.policy.dropped_fields)
        unknown = sorted(set(row) - known)
        if unknown:
            raise SourceError(
                f"resource {build.name!r}: rows have fields {unknown} that its schema does not "
                f"declare (declared: {sorted(known)})"
            )
        build.keys_checked = True

    def close(self) -> None:
        for build in self.resources.values():
            if not build.handle.closed:
                build.handle.close()

    def finish(self, *, version: str, created: datetime) -> tuple[StagedPackage, Any]:
        """Close the files, run the package-level checks, write the descriptor."""
        self.close()
        report = self.validator.finish(self.violations)
        report.errors.extend(self.oversized[:MAX_VIOLATIONS])
        resources = []
        digest = hashlib.sha256()
        rows: dict[str, int] = {}
        size = 0
        for build in self.resources.values():
            file_hash, nbytes = build.digest.hexdigest(), build.size
            rows[build.name] = build.rows
            size += nbytes
            digest.update(build.name.encode() + b"\0" + file_hash.encode() + b"\0")
            digest.update(orjson.dumps(build.schema, option=orjson.OPT_SORT_KEYS))
            resources.append(
                {
                    "name": build.name,
                    "type": "table",
                    "title": build.title,
                    "description": build.description,
                    "path": build.path.name,
                    "scheme": "file",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    # Declared, so that no reader (frictionless included) guesses the dialect.
                    "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n"},
                    "bytes": nbytes,
                    "hash": f"sha256:{file_hash}",
                    "rows": build.rows,
                    "schema": build.schema,
                }
            )
        for built in resources:  # the charts a source declares (portal views), hashed:
            built.update(chart_views(self.source_cls, built))  # new charts, new version
            digest.update(orjson.dumps(built["views"]) if "views" in built else b"")
        descriptor = package_descriptor(self.source_cls, version, created, resources)
        # Titles, descriptions and keywords are published as much as the cells are.
        in_texts = scan_descriptor(descriptor)
        self.violations.extend(in_texts)
        report.errors.extend(v.to_error() for v in in_texts)
        # The metadata a reader sees is part of the content: a new title is a new version.
        digest.update(orjson.dumps(_hashed_metadata(descriptor), option=orjson.OPT_SORT_KEYS))
        staged = StagedPackage(
            directory=self.directory,
            descriptor=descriptor,
            content_hash=digest.hexdigest(),
            rows=rows,
            size=size,
            withheld={
                b.name: dict(b.policy.withheld)
                for b in self.resources.values()
                if b.policy.withheld
            },
            dropped_fields={
                b.name: b.policy.dropped_fields
                for b in self.resources.values()
                if b.policy.dropped_fields
            },
            violations=list(self.violations),
        )
        write_json(self.directory / "datapackage.json", descriptor)
        return staged, report


class PolicyAbort(SourceError):
    """Too many personal-data violations to go on reading the source."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(f"stopped after {len(violations)} personal-data violations")
        self.violations = violations


def _hashed_metadata(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    skip = {"version", "created", "resources"}
    return {k: v for k, v in descriptor.items() if k not in skip}


def package_descriptor(
    cls: type[Source], version: str, created: datetime, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    """A Data Package v2 descriptor for one version of ``cls``'s dataset."""
    lic = LICENSES[cls.license]
    english = {"title_en": cls.title_en} if cls.title_en else {}  # only when declared
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": cls.name,
        "title": cls.title,
        **english,
        "description": cls.description,
        "version": version,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": list(cls.keywords),
        "licenses": [{"name": lic["name"], "path": lic["path"], "title": lic["title"]}],
        "sources": [{"title": cls.origin_title or cls.title}],
        "contributors": [{"title": cls.publisher, "roles": ["publisher"]}],
        "resources": resources,
    }


def write_json(path: Path, data: Any) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
