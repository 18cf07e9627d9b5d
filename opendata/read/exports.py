"""Download formats built from a published version, and streamed exports of filtered rows.

Published folders are immutable, so derived files (CSV with BOM, gzip, JSON, XLSX, the zipped
package) are built once per version into a cache folder under the instance path
(``cache/downloads/<dataset>/<version>/``), written to a temporary name and renamed, so that a
concurrent request never sees half a file. Folders of versions that are no longer kept are swept
when the next file of that dataset is built.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from opendata import codec
from opendata.store import datastore

BOM = "\ufeff".encode()
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row
MIMETYPES = {
    "csv": "text/csv",  # Flask adds charset=utf-8 to text/*
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


class TooManyRows(ValueError):
    """More rows than an XLSX sheet holds."""


def cache_dir(root: Path, dataset: str, version: str, keep: Iterable[str]) -> Path:
    """The version's cache folder; folders of versions not in ``keep`` are removed."""
    base = root / dataset
    if base.is_dir():
        kept = set(keep)
        for child in base.iterdir():
            if child.is_dir() and child.name not in kept:
                shutil.rmtree(child, ignore_errors=True)
    folder = base / version
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def derived(
    root: Path,
    dataset: str,
    version: str,
    filename: str,
    build: Callable[[Path], None],
    keep: Callable[[], Iterable[str]],
) -> Path:
    """The cached file ``filename`` of a version, built first if missing.

    A file built before is answered with one ``stat``: asking which versions are kept (a catalog
    query) and sweeping the others' folders happen only when something is built.
    """
    path = root / dataset / version / filename
    if path.is_file():
        return path
    return cached(cache_dir(root, dataset, version, keep()) / filename, build)


def cached(path: Path, build: Callable[[Path], None]) -> Path:
    """``path``, built by ``build(tmp)`` first if missing; the rename makes it appear whole."""
    if path.is_file():
        return path
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        build(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def copy_with_bom(src: Path) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        with src.open("rb") as fin, dst.open("wb") as fout:
            fout.write(BOM)
            shutil.copyfileobj(fin, fout, 1 << 20)

    return build


def gzip_of(src: Path) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        with src.open("rb") as fin, gzip.GzipFile(dst, "wb", compresslevel=6, mtime=0) as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)

    return build


def csv_rows(path: Path, schema: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The published CSV's rows as JSON values, read by each field's codec exactly as the
    datastore loads them (so a download and the rows API agree cell for cell)."""
    fields = schema.get("fields", [])
    names = [f["name"] for f in fields]
    convert = [c.to_json for c in codec.codecs(schema)]
    for cells in datastore.read_csv_rows(path):
        yield {n: c(v) for n, c, v in zip(names, convert, cells, strict=True)}


dumps = codec.json_bytes


def json_chunks(rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """A JSON array of row objects, one row per line, produced as it goes."""
    yield b"["
    sep = b"\n"
    for row in rows:
        yield sep + dumps(row)
        sep = b",\n"
    yield b"\n]\n"


def store_writers(
    fields: Sequence[Mapping[str, Any]], names: Sequence[str]
) -> list[Callable[[Any], str]]:
    """Per name, the writer of a datastore value as the field's published text (``_id`` too)."""
    by_name = {f["name"]: f for f in fields}
    return [
        str if name == "_id" else datastore.field_codec(by_name[name]).store_text for name in names
    ]


def csv_chunks(
    rows: Iterable[Mapping[str, Any]],
    names: Sequence[str],
    writers: Sequence[Callable[[Any], str]],
    bom: bool,
    delimiter: str = ",",
) -> Iterator[bytes]:
    """CSV as the published files write it (UTF-8, ``,``, ``\\n``, each cell written by its
    field's codec from the datastore value), in ~64 KB chunks; ``delimiter="\\t"`` for TSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    head = buffer.getvalue().encode()
    yield (BOM + head) if bom else head
    buffer.seek(0)
    buffer.truncate()
    pairs = list(zip(names, writers, strict=True))
    for row in rows:
        writer.writerow([write(row[n]) for n, write in pairs])
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def json_file(csv_path: Path, schema: Mapping[str, Any]) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        with dst.open("wb") as out:
            for chunk in json_chunks(csv_rows(csv_path, schema)):
                out.write(chunk)

    return build


def write_xlsx(
    out: IO[bytes] | Path,
    sheet: str,
    fields: Sequence[Mapping[str, Any]],
    rows: Iterable[Mapping[str, Any]],
) -> None:
    """A write-only workbook (constant memory): Chinese field titles as the header row."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append([f.get("title") or f["name"] for f in fields])
    names = [f["name"] for f in fields]
    dates = {f["name"] for f in fields if f.get("type") == "date"}
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(f"more than {XLSX_MAX_ROWS} rows do not fit an XLSX sheet")
        ws.append([_xlsx_value(row[n], n in dates) for n in names])
    book.save(out)


def _xlsx_value(value: Any, is_date: bool) -> Any:
    if type(value) is int and not -(2**53) <= value <= 2**53:
        return str(value)  # Excel keeps 15 digits of a number: a long integer stays exact as text
    if isinstance(value, list | dict):  # array and object fields: their JSON text
        return ILLEGAL_CHARACTERS_RE.sub("", codec.value_writer({"type": "object"})(value))
    if isinstance(value, str):
        if is_date:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_file(csv_path: Path, schema: Mapping[str, Any], sheet: str) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        write_xlsx(dst, sheet, schema.get("fields", []), csv_rows(csv_path, schema))

    return build


def zip_file(version_dir: Path, names: Sequence[str]) -> Callable[[Path], None]:
    """The package: ``datapackage.json``, the resource CSVs, the validation report."""

    def build(dst: Path) -> None:
        with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name in names:
                path = version_dir / name
                if not path.is_file() and name == "validation-report.json":
                    continue  # optional: versions published before reports were kept
                z.write(path, arcname=name)  # a missing file (pruned) raises: rebuilt later

    return build
