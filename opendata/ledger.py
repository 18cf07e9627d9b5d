"""A yearly ledger exported as CSV, read strictly: the helper behind the plugins' statistics
exports (fiscal_data's fee income, service_hall's decision statistics).

Such an export has fixed headings, one line per key (year × item …), and blank lines now and
then. :func:`read_ledger` refuses what would be misread — a missing file, headings renamed or
moved, a key on two lines, bytes not in the declared encoding — with the file, line and, through
the plugin's ``parse``, the column; the plugin says what each line means.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

from opendata.plugin_errors import SourceError

Row = dict[str, Any]


def read_ledger(
    path: Path,
    encoding: str,
    *,
    what: str,
    columns: Sequence[str],
    parse: Callable[[int, dict[str, str | None]], Row],
    key: Callable[[Row], Hashable],
    describe: Callable[[Any], str] = str,
    encoding_option: str = "encoding",
) -> Iterator[Row]:
    """The ledger's rows, each from ``parse(line, record)``; errors name ``what``, the file and
    the line. Two lines with the same ``key(row)`` are refused (``describe`` words the key)."""
    if not path.is_file():
        raise SourceError(f"{what} {path}: file not found")
    try:
        with path.open(encoding=encoding, newline="") as handle:
            yield from _rows(path, csv.DictReader(handle), what, columns, parse, key, describe)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{what} {path}: not readable as {encoding} at byte {exc.start}; "
            f"set the source's {encoding_option}"
        ) from exc


def _rows(
    path: Path,
    reader: csv.DictReader[str],
    what: str,
    columns: Sequence[str],
    parse: Callable[[int, dict[str, str | None]], Row],
    key: Callable[[Row], Hashable],
    describe: Callable[[Any], str],
) -> Iterator[Row]:
    header = [name.strip().lstrip("\ufeff") for name in reader.fieldnames or []]
    if header != list(columns):
        raise SourceError(
            f"{what} {path}, line 1: headings {header} are not the export's {list(columns)}; "
            "a renamed or moved column would be misread"
        )
    reader.fieldnames = header
    seen: dict[Hashable, int] = {}
    for record in reader:
        if not any((value or "").strip() for value in record.values()):
            continue
        row = parse(reader.line_num, record)
        found = key(row)
        if found in seen:
            raise SourceError(
                f"{what} {path}, line {reader.line_num}: {describe(found)} repeats "
                f"line {seen[found]}"
            )
        seen[found] = reader.line_num
        yield row
