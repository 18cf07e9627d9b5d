"""Reading the archive room's database through SQLAlchemy Core.

The archive room keeps two tables (names as in its management system):

- ``archive_catalogue``: one row per filed document (档号, 题名, 年度, 保管期限, 开放状态, …);
- ``lookup_log``: one row per look-up (date, requester's name, ID number, phone, kind, purpose,
  pages, fee). Requesters' identities are personal data: this module never selects those
  columns; the log is read only through a ``GROUP BY`` that yields monthly counts.

Every failure to read says which database (password hidden) and which table or column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchTableError, OperationalError, SQLAlchemyError

from opendata.plugin import Row, SourceError, TransientSourceError

CATALOGUE_TABLE = "archive_catalogue"
LOG_TABLE = "lookup_log"

#: Columns this module reads from each table (and checks before reading).
CATALOGUE_COLUMNS = (
    "archive_no",
    "fonds_no",
    "category",
    "year",
    "retention",
    "title",
    "responsible",
    "pages",
    "open_status",
)
LOG_COLUMNS = ("lookup_date", "requester_kind", "purpose", "pages", "fee")

#: The value of ``open_status`` that marks a record open to the public (开放).
OPEN = "开放"

REQUESTER_KINDS = ("企业", "事业单位", "机关", "社会团体", "个人")
PURPOSES = ("工作查考", "编史修志", "项目申报", "法律凭证", "学术研究", "个人取证")
OTHER = "其他"


@dataclass
class CatalogueStats:
    """What a catalogue read saw, for the run log."""

    published: int = 0
    closed: int = 0


def describe(url: URL) -> str:
    """The database URL as it may appear in a report: password hidden."""
    return url.render_as_string(hide_password=True)


def open_engine(database_url: str) -> tuple[Engine, str]:
    """An engine for ``database_url`` and its printable name.

    SQLite files are opened read-only (``mode=ro``): a source never writes, and a mistyped
    path must fail rather than silently create an empty database.
    """
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise SourceError(f"database URL {database_url!r} cannot be parsed: {exc}") from exc
    name = describe(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise SourceError(f"database {name}: give the path of an SQLite file")
        path = Path(database)
        if not path.is_file():
            raise SourceError(f"database {name}: the SQLite file {path} does not exist")
        url = url.set(
            database=f"file:{path.resolve().as_posix()}",
            query={**url.query, "mode": "ro", "uri": "true"},
        )
    try:
        engine = sa.create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise SourceError(f"database {name}: cannot create an engine: {exc}") from exc
    return engine, name


def reflect(engine: Engine, name: str, table: str, columns: tuple[str, ...]) -> sa.Table:
    """Reflect ``table`` and check that it has ``columns``; SourceError naming what is missing."""
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    except NoSuchTableError as exc:
        raise SourceError(f"database {name}: table {table!r} is missing") from exc
    except OperationalError as exc:
        # Cannot connect (server down, network): a retry may help.
        raise TransientSourceError(f"database {name}: cannot read table {table!r}: {exc}") from exc
    missing = [column for column in columns if column not in reflected.c]
    if missing:
        raise SourceError(f"database {name}: table {table!r} lacks column(s) {', '.join(missing)}")
    return reflected


def catalogue_rows(engine: Engine, name: str, stats: CatalogueStats) -> Iterator[Row]:
    """Open records of the catalogue, ordered by 档号; closed ones are counted, not read."""
    table = reflect(engine, name, CATALOGUE_TABLE, CATALOGUE_COLUMNS)
    c = table.c
    query = (
        sa.select(
            c.archive_no,
            c.fonds_no,
            c.category,
            c.year,
            c.retention,
            c.title,
            c.responsible,
            c.pages,
        )
        .where(c.open_status == OPEN)
        .order_by(c.archive_no)
    )
    closed_query = (
        sa.select(sa.func.count())
        .select_from(table)
        .where(sa.or_(c.open_status.is_(None), c.open_status != OPEN))
    )
    try:
        with engine.connect() as conn:
            stats.closed = int(conn.execute(closed_query).scalar_one())
            for record in conn.execute(query):
                stats.published += 1
                yield {
                    "archive_no": record.archive_no,
                    "fonds_no": record.fonds_no,
                    "category": record.category,
                    "year": _int(record.year, name, CATALOGUE_TABLE, "year", record.archive_no),
                    "retention_period": record.retention,
                    "title": record.title,
                    "responsible": record.responsible,
                    "pages": None
                    if record.pages is None
                    else _int(record.pages, name, CATALOGUE_TABLE, "pages", record.archive_no),
                    "open_status": OPEN,
                }
    except SQLAlchemyError as exc:
        raise SourceError(
            f"database {name}: reading table {CATALOGUE_TABLE!r} failed: {exc}"
        ) from exc


def monthly_lookups(engine: Engine, name: str, unknown: dict[str, int]) -> Iterator[Row]:
    """Look-ups per month, requester kind and purpose, aggregated by the database.

    Kinds and purposes outside the published lists are folded into 其他 and counted in
    ``unknown`` (log rows by column) so that the caller can report them.
    """
    table = reflect(engine, name, LOG_TABLE, LOG_COLUMNS)
    c = table.c
    year = sa.extract("year", c.lookup_date).label("year")
    month = sa.extract("month", c.lookup_date).label("month")
    query = (
        sa.select(
            year,
            month,
            c.requester_kind,
            c.purpose,
            sa.func.count().label("lookups"),
            sa.func.coalesce(sa.func.sum(c.pages), 0).label("pages"),
            sa.func.coalesce(sa.func.sum(c.fee), 0).label("fee"),
        )
        .group_by(year, month, c.requester_kind, c.purpose)
        .order_by(year, month, c.requester_kind, c.purpose)
    )
    # Folding unknown labels into 其他 can merge groups, so sum again before yielding.
    merged: dict[tuple[int, int, str, str], list[int | Decimal]] = {}
    try:
        with engine.connect() as conn:
            for record in conn.execute(query):
                if record.year is None or record.month is None:
                    raise SourceError(
                        f"database {name}: table {LOG_TABLE!r} has {record.lookups} row(s) whose "
                        "lookup_date is empty or not a date"
                    )
                count = int(record.lookups)
                kind = _fold(
                    record.requester_kind, REQUESTER_KINDS, "requester_kind", count, unknown
                )
                purpose = _fold(record.purpose, PURPOSES, "purpose", count, unknown)
                key = (int(record.year), int(record.month), kind, purpose)
                sums = merged.setdefault(key, [0, 0, Decimal(0)])
                sums[0] += count
                sums[1] += int(record.pages)
                # Money: go through str so that a float sum from SQLite does not leak binary noise.
                sums[2] += Decimal(str(record.fee)).quantize(Decimal("0.01"))
    except SQLAlchemyError as exc:
        raise SourceError(f"database {name}: reading table {LOG_TABLE!r} failed: {exc}") from exc
    for (y, m, kind, purpose), (lookups, pages, fee) in sorted(merged.items()):
        yield {
            "year": y,
            "month": m,
            "requester_kind": kind,
            "purpose": purpose,
            "lookups": lookups,
            "pages": pages,
            "fee": fee,
        }


def _fold(
    value: object, known: tuple[str, ...], column: str, count: int, unknown: dict[str, int]
) -> str:
    """``value`` if it is a published label, else 其他 (counting ``count`` log rows as unknown)."""
    text = str(value).strip() if value is not None else ""
    if text in known:
        return text
    if text != OTHER:
        unknown[column] = unknown.get(column, 0) + count
    return OTHER


def _int(value: object, name: str, table: str, column: str, key: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise SourceError(
            f"database {name}: table {table!r}, record {key}: column {column!r} "
            f"is not an integer ({value!r})"
        ) from None
