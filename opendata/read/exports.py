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
import itertools
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from opendata import codec
from opendata.read import fieldinfo
from opendata.store import datastore

if TYPE_CHECKING:  # at run time _openpyxl() binds these names on the first XLSX written
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

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
        # No name and no time in the gzip header (the build writes a temporary file): the same
        # file gives the same bytes on every node.
        with (
            src.open("rb") as fin,
            dst.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as fout,
        ):
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


#: Rows read ahead to size the columns (write-only sheets take widths before the first row).
WIDTH_SAMPLE = 200
_SHEET_UNSAFE = re.compile(r"[\\\[\]:*?/]+")
DICTIONARY_SHEET = "数据字典"
ABOUT_SHEET = "说明"
DICTIONARY_HEADER = ("字段", "中文标题", "类型", "单位", "说明")
ABOUT_HEADER = ("项目", "内容")
_BOLD: Any = None  # openpyxl's bold Font, made by _openpyxl()


class FixedTimeZip(zipfile.ZipFile):
    """A zip whose every member carries one time (the version's), so that every node, and a
    node after a restore, builds the same bytes for the same version: strong ETags and range
    requests hold across nodes. openpyxl writes through ``writestr`` and ``write``."""

    def __init__(self, file: Any, when: datetime, **kwargs: Any) -> None:
        super().__init__(file, "w", compression=zipfile.ZIP_DEFLATED, **kwargs)
        self.when = _zip_time(when)

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=self.when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        name = str(arcname if arcname is not None else Path(filename).name)
        with Path(filename).open("rb") as src, self.open(self._info(name), "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    # Zip times start in 1980; the version's time in UTC, to the second.
    when = when.astimezone(UTC) if when.tzinfo else when
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def version_time(descriptor: Mapping[str, Any]) -> datetime:
    """The version's publication time from its descriptor (``created``), else the zip epoch."""
    try:
        return datetime.fromisoformat(str(descriptor.get("created", "")).replace("Z", "+00:00"))
    except ValueError:
        return datetime(1980, 1, 1, tzinfo=UTC)


def _openpyxl() -> None:
    """Import openpyxl on the first XLSX written, not in every web worker at start: it pulls
    numpy and PIL, ~24 MB of each worker's memory (issue 17). Its names become globals here."""
    if _BOLD is not None:
        return
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    globals().update(
        Workbook=Workbook,
        Cell=Cell,
        WriteOnlyCell=WriteOnlyCell,
        ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE,
        get_column_letter=get_column_letter,
    )
    globals()["_BOLD"] = Font(bold=True)  # last: it marks the names as bound


def sheet_title(title: str, fallback: str = "数据") -> str:
    """An Excel sheet name from a resource title: at most 31 characters, none of ``[]:*?/\\``,
    not empty, and not one of the two sheets the workbook adds itself."""
    name = _SHEET_UNSAFE.sub(" ", title).strip().strip("'")[:31].strip()
    if not name or name in (DICTIONARY_SHEET, ABOUT_SHEET):
        return fallback
    return name


def _text_width(value: Any) -> int:
    """Columns an Excel cell needs for ``value``: CJK and full-width characters count two."""
    text = value if isinstance(value, str) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text[:200])


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[Any]], low: int = 6, high: int = 60
) -> list[int]:
    """A width per column from the header and the sampled rows, within ``low``..``high``."""
    widths = [_text_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            if value is not None:
                widths[i] = max(widths[i], _text_width(value))
    return [min(max(w + 2, low), high) for w in widths]


def _header_cells(ws: Any, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(ws, title)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _table_sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """A small sheet with a bold, frozen header and sized columns (the dictionary, the notes)."""
    ws = book.create_sheet(title)
    for i, width in enumerate(column_widths(header, rows, high=80), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, header))
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])


def dictionary_rows(fields: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    """One row per field: name, Chinese title, type, unit (from the title), description."""
    return [
        (
            f["name"],
            f.get("title") or "",
            f.get("type") or "string",
            fieldinfo.unit(f),
            f.get("description") or "",
        )
        for f in fields
    ]


def write_xlsx(
    out: IO[bytes] | Path,
    sheet: str,
    fields: Sequence[Mapping[str, Any]],
    rows: Iterable[Mapping[str, Any]],
    about: Sequence[tuple[str, str]] = (),
    when: datetime | None = None,
) -> None:
    """A write-only workbook (constant memory) ready for Excel.

    The data sheet is named from the resource title, has the Chinese field titles as a bold,
    frozen header with an autofilter, columns sized from the header and the first rows, and
    number formats from the schema (percent, money with two decimals, dates). A 数据字典 sheet
    lists the fields and a 说明 sheet holds ``about`` (dataset, version, publisher, licence…).
    """
    _openpyxl()
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet_title(sheet))
    names = [f["name"] for f in fields]
    iterator = iter(rows)
    ahead = list(itertools.islice(iterator, WIDTH_SAMPLE))
    header = [f.get("title") or f["name"] for f in fields]
    sample = [[row[n] for n in names] for row in ahead]
    for i, width in enumerate(column_widths(header, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws._values_to_row = _rows_of(ws)
    ws.append(_header_cells(ws, header))
    pairs = list(zip(names, _converters(ws, fields), strict=True))
    count = 0
    for count, row in enumerate(itertools.chain(ahead, iterator), start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(f"more than {XLSX_MAX_ROWS} rows do not fit an XLSX sheet")
        ws.append([convert(row[n]) for n, convert in pairs])
    if names:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    _table_sheet(book, DICTIONARY_SHEET, DICTIONARY_HEADER, dictionary_rows(fields))
    _table_sheet(book, ABOUT_SHEET, ABOUT_HEADER, list(about))
    _save(book, out, when or datetime(1980, 1, 1, tzinfo=UTC))


def _save(book: Any, out: IO[bytes] | Path, when: datetime) -> None:
    """``book.save`` with the version's time in the document properties and on every member,
    where openpyxl would stamp the time of writing: the same version gives the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    naive = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    book.properties.created = book.properties.modified = naive
    ExcelWriter(book, FixedTimeZip(out, when, allowZip64=True)).save()


def _converters(ws: Any, fields: Sequence[Mapping[str, Any]]) -> list[Callable[[Any], Any]]:
    """Per field, the cell value of a JSON value: a styled cell where a number format applies."""
    formats = dict(_formats(fields))
    out: list[Callable[[Any], Any]] = []
    for i, f in enumerate(fields):
        plain = _plain(f)
        out.append(
            partial(_cell, ws, plain, _number_style(ws, formats[i])) if i in formats else plain
        )
    return out


def _rows_of(ws: Any) -> Callable[[Sequence[Any], int], Iterator[Any]]:
    """openpyxl's write-only ``_values_to_row`` without its cost for a cell given as value.

    openpyxl first tries ``cell.value = value``, and a Cell as value raises a ValueError whose
    message formats the cell's repr: that doubled the time of a sheet with formatted columns.
    Here a Cell is checked first; the rest is openpyxl's logic (a fresh reusable cell after
    a styled one, so no style leaks to the next value).
    """

    def values_to_row(values: Sequence[Any], row_idx: int) -> Iterator[Any]:
        reusable = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = reusable
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell is reusable and cell.has_style:
                reusable = WriteOnlyCell(ws)  # a date value gave it a number format

    return values_to_row


def _formats(fields: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Columns that need a number format; dates get theirs from openpyxl with the value."""
    found = [(i, fieldinfo.xlsx_format(f)) for i, f in enumerate(fields)]
    return [(i, fmt) for i, fmt in found if fmt and not fmt.startswith("yyyy")]


def _number_style(ws: Any, fmt: str) -> Any:
    """The style array of a cell formatted ``fmt``, made once per column: setting
    ``number_format`` on each of 100,000 cells costs a style lookup per cell."""
    prototype = WriteOnlyCell(ws, 0)
    prototype.number_format = fmt
    return prototype._style


def _cell(ws: Any, plain: Callable[[Any], Any], style: Any, value: Any) -> Any:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value  # a long integer kept as text: no number format
    cell = Cell(ws, row=1, column=1, value=value)
    cell._style = style  # shared and never changed; openpyxl reads it when writing the row
    return cell


def _plain(field: Mapping[str, Any]) -> Callable[[Any], Any]:
    """The converter of a field's values; numbers and booleans pass as they are."""
    ftype = field.get("type")
    if ftype == "boolean":
        return _same
    return partial(_xlsx_value, is_date=ftype == "date")


def _same(value: Any) -> Any:
    return value


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


def xlsx_file(
    csv_path: Path,
    schema: Mapping[str, Any],
    sheet: str,
    about: Sequence[tuple[str, str]] = (),
    when: datetime | None = None,
) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        rows = csv_rows(csv_path, schema)
        write_xlsx(dst, sheet, schema.get("fields", []), rows, about, when)

    return build


ZIP_README = """\
{title}（{name}），版本 {version}

本压缩包是一个 Frictionless 数据包（Data Package）：
  datapackage.json          数据包描述：字段、类型、约束、许可协议
{plain}
  validation-report.json    发布前的校验报告
  excel/                    同样的 CSV，带 UTF-8 BOM，适用于 Excel（中文不会乱码）

用 Excel 打开请使用 excel/ 文件夹中的文件；程序读取（Python、R、数据库导入）请使用
顶层的 CSV（UTF-8，无 BOM，与 datapackage.json 中的路径一致）。

This archive is a Frictionless Data Package. The CSV files at the top level are UTF-8
without a byte-order mark, as datapackage.json names them: use them in scripts. The
copies in excel/ carry a UTF-8 BOM so that Excel shows Chinese text correctly: open those
in Excel.
"""


def zip_readme(descriptor: Mapping[str, Any], csv_names: Sequence[str]) -> str:
    """The archive's README.txt: which CSV is for Excel and which for scripts."""
    width = max([len(n) for n in csv_names] + [24])
    plain = "\n".join(f"  {n.ljust(width)}  数据（UTF-8，无 BOM）" for n in csv_names)
    return ZIP_README.format(
        title=descriptor.get("title") or descriptor.get("name", ""),
        name=descriptor.get("name", ""),
        version=descriptor.get("version", ""),
        plain=plain,
    )


def zip_file(
    version_dir: Path, names: Sequence[str], descriptor: Mapping[str, Any] | None = None
) -> Callable[[Path], None]:
    """The package: ``datapackage.json``, the resource CSVs, the validation report; with the
    ``descriptor``, also each CSV with a BOM under ``excel/`` and a README.txt saying which is
    which."""

    when = version_time(descriptor or {})

    def build(dst: Path) -> None:
        with FixedTimeZip(dst, when, compresslevel=6) as z:
            for name in names:
                path = version_dir / name
                if not path.is_file() and name == "validation-report.json":
                    continue  # optional: versions published before reports were kept
                z.write(path, arcname=name)  # a missing file (pruned) raises: rebuilt later
            if descriptor is None:
                return
            csvs = [n for n in names if n.endswith(".csv")]
            z.writestr("README.txt", zip_readme(descriptor, csvs).encode("utf-8"))
            for name in csvs:
                member = z.open(z._info(f"excel/{name}"), "w")
                with (version_dir / name).open("rb") as fin, member as out:
                    out.write(BOM)
                    shutil.copyfileobj(fin, out, 1 << 20)

    return build
