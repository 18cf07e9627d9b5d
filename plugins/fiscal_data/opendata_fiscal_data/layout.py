"""Hold a table's header to the columns its kind declares, so that keys never change silently.

A table's column names become ``column_name``, part of the primary key of every amount row. When
an office rewords a header (本年支出合计 → 本年支出总计) the reader would otherwise publish the
same amounts under new keys. Here every column found is compared with the declaration in
:mod:`.catalogue`: a declared synonym is read as the declared name with a warning naming the
cell; anything else that differs fails the run naming file, sheet and cell.
"""

from __future__ import annotations

from collections.abc import Mapping

from opendata.plugin import SourceError

from .catalogue import TableKind
from .xlsxtable import Column, SheetTable, cell_name, norm


def _where(table: SheetTable, column: Column, level: int) -> str:
    row, col = column.cells[level] if column.cells else (0, column.index)
    return f"{table.file}, sheet {table.sheet}, cell {cell_name(row, col)}"


def _declared_name(
    column: Column, declared: set[str], synonyms: Mapping[str, str]
) -> tuple[str, ...] | None:
    """The column's path with declared synonyms applied, if that makes it a declared column."""
    path = tuple(synonyms.get(part, part) for part in column.path)
    return path if "/".join(path) in declared else None


def _first_difference(path: tuple[str, ...], declared: tuple[str, ...]) -> int:
    """The level of the first header cell no declared column has there (the cell to name)."""
    prefixes = {tuple(name.split("/")[: i + 1]) for name in declared for i in range(len(path))}
    return next((i for i in range(len(path)) if path[: i + 1] not in prefixes), len(path) - 1)


def checked_columns(
    table: SheetTable, kind: TableKind, synonyms: Mapping[str, str], warnings: list[str]
) -> list[Column]:
    """The table's columns under their declared names; raise for any other difference.

    Synonyms are applied per header cell, so a reworded spanning header (本年支出 over three
    columns) is one declaration. Columns are compared as a set: moving a column changes no key.
    """
    if not kind.columns:
        return table.columns
    declared = set(kind.columns)
    normalised = {norm(k): norm(v) for k, v in synonyms.items()}
    out = [
        column
        if column.name in declared
        else _renamed(table, kind, column, _declared_name(column, declared, normalised), warnings)
        for column in table.columns
    ]
    _check_complete(table, kind, [c.name for c in out])
    return out


def _renamed(
    table: SheetTable,
    kind: TableKind,
    column: Column,
    path: tuple[str, ...] | None,
    warnings: list[str],
) -> Column:
    """The column under its declared path (a warning per synonym applied); fail if it has none."""
    if path is None:
        level = _first_difference(column.path, kind.columns)
        raise SourceError(
            f"{_where(table, column, level)}: header {column.name!r} is not a column of "
            f"{kind.name} (declared: {', '.join(kind.columns)}); column names are part of "
            "the published keys, so a reworded header fails the run. If it means the same "
            "column, declare it in the source option header_synonyms, e.g. "
            f'{{"{column.path[level]}": "…"}}'
        )
    for level, (old, new) in enumerate(zip(column.path, path, strict=True)):
        if old != new:
            warnings.append(
                f"{_where(table, column, level)}: header {old!r} read as {new!r} "
                "(a declared synonym; published keys unchanged)"
            )
    return Column(column.index, path, column.cells)


def _check_complete(table: SheetTable, kind: TableKind, names: list[str]) -> None:
    """Fail naming the header when a declared column is missing or one is there twice."""
    missing = [name for name in kind.columns if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not (missing or repeated):
        return
    first = table.columns[0] if table.columns else None
    where = _where(table, first, 0) if first else f"{table.file}, sheet {table.sheet}"
    problem = f"lacks column(s) {', '.join(missing)}" if missing else ""
    if repeated:
        problem += ("; " if problem else "") + f"has column(s) {', '.join(repeated)} twice"
    raise SourceError(f"{where}: the header of {kind.name} {problem} (found: {', '.join(names)})")
