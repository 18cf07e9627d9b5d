"""Typed rows of a published resource: what ``context.datasets.rows()`` gives a derived source.

A published CSV holds text; the resource's Table Schema (in the version's ``datapackage.json``)
says what each cell is. The one value codec (:mod:`opendata.codec`) reads every cell as the
validator read it when the version was built — ``int``, ``Decimal``, ``date``, ``bool``, lists
and objects for ``array``/``object``, ``None`` for a missing value — so a derived source
computes on values and never re-parses text with rules of its own.

No Flask and no catalog here: the caller (the core's reader of current versions) resolves which
version folder is current; this module only reads that folder.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from opendata.codec import CodecError, FieldCodec, codecs
from opendata.plugin import Row, SourceError

__all__ = ["published_rows", "resource_schema", "typed_rows"]

DESCRIPTOR = "datapackage.json"


def typed_rows(
    schema: Mapping[str, Any], rows: Iterable[Mapping[str, str]], where: str = ""
) -> Iterator[Row]:
    """``rows`` (published text keyed by field name) with each cell read by its field's codec.

    A column the schema does not declare is passed through as text. A cell that is not a value
    of its type (a file altered after publishing) raises :class:`SourceError` naming ``where``,
    the row and the field.
    """
    by_name: dict[str, FieldCodec] = {c.name: c for c in codecs(schema)}
    for number, row in enumerate(rows, start=1):
        yield {name: _cell(by_name.get(name), text, where, number) for name, text in row.items()}


def _cell(codec: FieldCodec | None, text: str | None, where: str, number: int) -> Any:
    if codec is None or text is None:
        return text
    try:
        return codec.read(text)
    except CodecError as exc:
        raise SourceError(f"{where} row {number}: {exc}") from exc


def resource_schema(package_dir: Path, resource: str) -> tuple[Mapping[str, Any], Path]:
    """The Table Schema and the CSV path of ``resource`` in a published version's folder."""
    try:
        descriptor = json.loads((package_dir / DESCRIPTOR).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{package_dir.name}: no readable {DESCRIPTOR} ({exc})") from exc
    for entry in descriptor.get("resources", []):
        if entry.get("name") == resource:
            schema = entry.get("schema")
            if not isinstance(schema, Mapping):
                raise SourceError(f"resource {resource!r} has no inline Table Schema")
            return schema, package_dir / str(entry.get("path", f"{resource}.csv"))
    raise SourceError(f"dataset {descriptor.get('name')!r} has no resource {resource!r}")


def published_rows(package_dir: Path, resource: str) -> Iterator[Row]:
    """Typed rows of ``resource`` of the published version in ``package_dir``."""
    schema, path = resource_schema(package_dir, resource)
    where = f"{descriptor_name(package_dir)}/{resource}"
    with path.open(encoding="utf-8", newline="") as fh:
        yield from typed_rows(schema, csv.DictReader(fh), where)


def descriptor_name(package_dir: Path) -> str:
    """``dataset@version`` of a version folder laid out as ``<datasets>/<dataset>/<version>``."""
    return f"{package_dir.parent.name}@{package_dir.name}"
