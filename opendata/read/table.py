"""The portal's table view over the datastore: a page of rows, facet counts, one row, changes.

Thin functions over :mod:`opendata.store.query` and :mod:`opendata.store.changes` (the row API's
own keyset paging, filters and bounded counts), so that the portal and ``/api/v1`` read rows the
same way and a view shared by URL shows what the API returns for the same parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from opendata.store import changes as ch
from opendata.store import query as rq

#: A string field with at most this many distinct values gets a facet.
FACET_MAX_VALUES = 20
#: Facets computed per page at most (each value costs a bounded count).
FACET_MAX_FIELDS = 6
#: Counts of facet values stop here and read "at least".
FACET_COUNT_BOUND = 10_000


@dataclass(frozen=True)
class FacetValue:
    value: Any
    count: int
    exact: bool
    selected: bool


@dataclass(frozen=True)
class Facet:
    field: str
    values: list[FacetValue]


def page(engine: Engine, ref: rq.TableRef, query: rq.RowQuery) -> rq.Page:
    """One keyset page, as ``GET …/rows`` answers it."""
    return rq.page(engine, ref, query)


def distinct_values(engine: Engine, ref: rq.TableRef, name: str, limit: int) -> list[Any] | None:
    """The distinct values of a field, or ``None`` when it has more than ``limit``.

    Only for indexed (filterable) fields: on those it reads the index, not the table.
    """
    table = rq.row_table(engine, ref)
    column = table.c[name]
    stmt = select(column).where(column.is_not(None)).distinct().order_by(column).limit(limit + 1)
    try:
        with engine.connect() as conn:
            found = [r[0] for r in conn.execute(stmt)]
    except DBAPIError as exc:
        if rq.table_gone(exc):
            raise rq.TableGone(ref.table_name) from exc
        raise
    return found if len(found) <= limit else None


def facet_fields(fields: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Fields worth a facet: enums and booleans, and indexed strings (checked for few values)."""
    chosen = []
    for f in fields:
        enum = (f.get("constraints") or {}).get("enum")
        if enum or f.get("type") == "boolean" or (f.get("filterable") and _is_text(f)):
            chosen.append(f)
    return chosen[:FACET_MAX_FIELDS]


def _is_text(field: Mapping[str, Any]) -> bool:
    return (field.get("type") or "string") == "string"


#: Facets by (table, field, filters, q): a published table never changes, so the counts of a
#: result set hold for the life of the table, and paging through it counts once.
_FACETS: dict[tuple[str, str, str], Facet | None] = {}
_FACETS_MAX = 1024


def facet(
    engine: Engine,
    ref: rq.TableRef,
    query: rq.RowQuery,
    field: Mapping[str, Any],
) -> Facet | None:
    """Counts per value of ``field`` under the query's other filters (so the alternatives to a
    chosen value stay visible), or ``None`` when the field has too many values."""
    key = (ref.table_name, field["name"], repr((sorted(map(repr, query.filters)), query.q)))
    if key not in _FACETS:
        if len(_FACETS) >= _FACETS_MAX:
            _FACETS.clear()
        _FACETS[key] = _facet(engine, ref, query, field)
    return _FACETS[key]


def _facet(
    engine: Engine,
    ref: rq.TableRef,
    query: rq.RowQuery,
    field: Mapping[str, Any],
) -> Facet | None:
    name = field["name"]
    values = _facet_values(engine, ref, field)
    if values is None:
        return None
    own = [f for f in query.filters if f[0] == name]
    others = [f for f in query.filters if f[0] != name]
    chosen = {str(v).lower() for n, op, v in own if op == "eq"}
    out = []
    for value in values:
        probe = replace(
            query,
            filters=[*others, (name, "eq", value)],
            limit=1,
            after=None,
            offset=0,
            fields=[name],
            sort=None,
            sort_desc=False,
        )
        found = rq.page(engine, ref, probe, count_bound=FACET_COUNT_BOUND)
        out.append(FacetValue(value, found.total, found.total_exact, _text(value) in chosen))
    return Facet(name, out)


def _text(value: Any) -> str:
    return str(value).lower()


def _facet_values(engine: Engine, ref: rq.TableRef, field: Mapping[str, Any]) -> list[Any] | None:
    enum = (field.get("constraints") or {}).get("enum")
    if enum:
        return list(enum)
    if field.get("type") == "boolean":
        return [True, False]
    return distinct_values(engine, ref, field["name"], FACET_MAX_VALUES)


def row(engine: Engine, ref: rq.TableRef, row_id: int) -> dict[str, Any] | None:
    """The row with ``_id`` ``row_id``, read as the first row after ``row_id - 1``."""
    if row_id < 1:
        return None
    query = rq.RowQuery(limit=1, after=rq.after_id_token(row_id - 1))
    found = rq.page(engine, ref, query)
    if not found.rows or found.rows[0]["_id"] != row_id:
        return None
    return found.rows[0]


def changes(
    engine: Engine,
    old: rq.TableRef,
    new: rq.TableRef,
    primary_key: Sequence[str],
    *,
    limit: int,
    after: str | None,
) -> ch.ChangesPage:
    """A page of the change feed between two versions of a resource (as ``…/changes``)."""
    return ch.changes_page(engine, old, new, primary_key, limit=limit, after=after)
