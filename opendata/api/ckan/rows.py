"""From CKAN's datastore parameters to the row-query engine (:mod:`opendata.store.query`).

Shared by ``datastore_search`` and ``/datastore/dump``: resolve a resource id to its current row
table, translate ``filters`` / ``q`` / ``fields`` / ``sort`` into a :class:`RowQuery`, and name
field types as CKAN's datastore does (``ckanapi --datapackages`` maps those back to Table
Schema types: text→string, numeric→number, timestamp→datetime).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from opendata.api.ckan import params as p
from opendata.api.ckan.errors import NotFound, ValidationError, invalid
from opendata.api.ckan.mapping import resource_id
from opendata.limits import Limits
from opendata.read.catalogue import Published, published_datasets
from opendata.services import Services
from opendata.store import query as rq

ROWS_MAX = 32000  # ckan.datastore.search.rows_max
ROWS_DEFAULT = 100

_CKAN_TYPES = {
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "object": "json",
    "array": "json",
}
_RANGE_OPS = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class Target:
    """A resource a datastore call reads: its dataset, name, CKAN id and current table."""

    dataset: Published
    resource: str
    id: str
    table: rq.TableRef


def resolve(services: Services, rid: str) -> Target:
    """The resource with CKAN id ``rid`` (or the alias ``<dataset>.<resource>``).

    Resolved on every call, so a new version is picked up at once.
    """
    for pub in published_datasets(services):
        for res in pub.resources:
            name = str(res["name"])
            if rid in (resource_id(pub.name, name), f"{pub.name}.{name}"):
                row = services.catalog.datastore_table(pub.version, name)
                if row is None:
                    break
                return Target(pub, name, resource_id(pub.name, name), rq.TableRef.from_catalog(row))
    raise NotFound(f'Resource "{rid}" was not found.')


def ckan_fields(table: rq.TableRef, names: list[str]) -> list[dict[str, Any]]:
    """CKAN's ``fields``: id, type and the data dictionary's label and notes."""
    specs = {f["name"]: f for f in table.fields}
    out: list[dict[str, Any]] = []
    for name in names:
        if name == "_id":
            out.append({"id": "_id", "type": "int"})
            continue
        spec = specs[name]
        entry: dict[str, Any] = {"id": name, "type": _CKAN_TYPES.get(spec.get("type", ""), "text")}
        info = {"label": spec.get("title") or "", "notes": spec.get("description") or ""}
        if info["label"] or info["notes"]:
            entry["info"] = info
        out.append(entry)
    return out


def _filter_triples(filters: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """``{"col": v}``, ``{"col": [a, b]}`` (OR) and ``{"col": {"gte": x, "lte": y}}`` (2.12+)."""
    triples: list[tuple[str, str, Any]] = []
    for name, value in filters.items():
        if name.startswith("$"):
            raise invalid("filters", f"{name} is not supported; combine filters with AND only")
        if isinstance(value, list):
            if not value:
                raise invalid("filters", f'field "{name}": an empty list matches nothing')
            triples.append((name, "in", value))
        elif isinstance(value, dict):
            unknown = sorted(set(value) - set(_RANGE_OPS))
            if unknown or not value:
                raise invalid(
                    "filters",
                    f'field "{name}": operators must be among '
                    f"{', '.join(_RANGE_OPS)}, not {unknown or 'none'}",
                )
            triples.extend((name, op, value[op]) for op in _RANGE_OPS if op in value)
        else:
            triples.append((name, "eq", value))
    return triples


def _sort(text: str | None) -> tuple[str | None, bool]:
    """``"field [asc|desc]"``, optionally followed by ``_id`` as tie-break (which is implied)."""
    if not text:
        return None, False
    parts = [part.split() for part in text.split(",") if part.strip()]
    keys: list[tuple[str, bool]] = []
    for words in parts:
        name = words[0].strip('"')
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 and words[2:] not in (["nulls", "first"], ["nulls", "last"]):
            raise invalid("sort", f"cannot read {' '.join(words)!r}: use 'field asc|desc'")
        if direction not in ("asc", "desc"):
            raise invalid("sort", f"direction of {name!r} must be asc or desc")
        keys.append((name, direction == "desc"))
    if len(keys) > 1 and not (len(keys) == 2 and keys[1][0] == "_id" and keys[1][1] == keys[0][1]):
        raise invalid("sort", "sort on one field only (rows with equal values follow _id)")
    name, desc = keys[0]
    return (None if name == "_id" else name), desc


@dataclass(frozen=True)
class Request:
    """A parsed datastore request: the row query and what the caller asked for explicitly."""

    query: rq.RowQuery
    id_after: int | None  # from an ``_id`` filter (next_page), applied as a keyset


def build_query(data: Mapping[str, Any], *, limit: int, offset: int) -> Request:
    """Translate ``filters``, ``q``, ``fields`` and ``sort``; errors name the parameter."""
    filters = p.json_object(data, "filters") or {}
    id_after: int | None = None
    if "_id" in filters:
        id_after = _id_filter(filters.pop("_id"))
    triples = _filter_triples(filters)
    q_text, per_column = _q(data)
    fields = p.string_list(data, "fields")
    sort, desc = _sort(p.text(data, "sort"))
    if id_after is not None and (sort is not None or desc):
        raise invalid("filters", "an _id filter pages by _id and needs sort _id (the default)")
    query = rq.RowQuery(
        filters=tuple(triples + per_column),
        q=q_text,
        sort=sort,
        sort_desc=desc,
        fields=[f for f in fields if f != "_id"] if fields is not None else None,
        limit=limit,
        offset=offset,
        include_id=fields is None or "_id" in fields,
    )
    return Request(query, id_after)


def _q(data: Mapping[str, Any]) -> tuple[str | None, list[tuple[str, str, Any]]]:
    """``q`` (or ``full_text``): one text over every field, or ``{column: text}`` searched per
    column as a case-insensitive substring."""
    q_value = data.get("q") if data.get("q") not in (None, "") else data.get("full_text")
    if isinstance(q_value, str) and q_value.strip().startswith("{"):
        q_value = p.json_object({"q": q_value}, "q")
    if isinstance(q_value, dict):
        return None, [(str(k), "contains", str(v)) for k, v in q_value.items()]
    if q_value is None:
        return None, []
    return p.text({"q": q_value}, "q"), []


def _id_filter(value: Any) -> int:
    """The one ``_id`` filter we support: ``{"gt": n}``, the form ``next_page`` hands out."""
    if isinstance(value, dict) and set(value) == {"gt"}:
        try:
            number = int(value["gt"])
        except (TypeError, ValueError):
            number = -1
        if number >= 0:
            return number
    raise invalid("filters", 'on _id only {"gt": <row id>} is supported (as next_page gives it)')


def run_page(services: Services, target: Target, request: Request, count_bound: int) -> rq.Page:
    """One page, with an ``_id`` keyset turned into the engine's ``after`` token, read under
    the configured ``[limits]`` (q's bounds, the time budget)."""
    query = replace(request.query, limits=Limits.from_config(services.config))
    if request.id_after is not None:
        query = replace(query, after=rq.after_id_token(request.id_after), offset=0)
    try:
        return rq.page(services.engine, target.table, query, count_bound=count_bound)
    except rq.QueryError as exc:
        raise _validation(exc) from None


def _validation(exc: rq.QueryError) -> ValidationError:
    """The engine names its own parameters (``category__gte``, ``_sort``); say CKAN's."""
    key = str(exc.details.get("parameter") or "query")
    if key not in ("fields", "sort", "q"):
        key = "sort" if key in ("_sort", "_sort_desc") else "filters"
    message = exc.message
    if exc.code == "unknown_field":
        message = f'field "{exc.details.get("field")}" not in resource; ' + message.split("; ")[-1]
    return ValidationError({key: [message]})
