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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from opendata import codec
from opendata.read.fixedzip import FixedTimeZip, version_time
from opendata.store import datastore

BOM = "\ufeff".encode()
MIMETYPES = {
    "csv": "text/csv",  # Flask adds charset=utf-8 to text/*
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


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
