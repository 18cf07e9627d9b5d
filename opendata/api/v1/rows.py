"""Row queries: ``GET /api/v1/datasets/<name>/resources/<res>/rows`` over the datastore.

The query string is turned into a :class:`~opendata.store.query.RowQuery`: reserved parameters
(``q``, ``_sort``, ``_sort_desc``, ``_size``, ``_next``, ``fields``, ``version``) and, for every
other parameter, a filter ``<field>=v`` or ``<field>__<op>=v``. The store checks the fields and
values and answers with a page and the opaque token of the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request

from opendata.api.v1 import schemas
from opendata.api.v1.base import ApiBlueprint, absolute, config_int
from opendata.api.v1.datasets import with_version
from opendata.api.v1.errors import ApiError
from opendata.api.v1.http import json_response
from opendata.limits import Limits
from opendata.read.snapshot import Snapshot, read
from opendata.site import services
from opendata.store import query as rq

blp = ApiBlueprint(
    "rows", __name__, url_prefix="/api/v1", description="Row queries over the datastore"
)

RESERVED = {"q", "_sort", "_sort_desc", "_size", "_next", "fields", "version"}


def parse_filters(reserved: set[str]) -> list[tuple[str, str, Any]]:
    """Every non-reserved query parameter as a ``(field, op, value)`` filter."""
    filters: list[tuple[str, str, Any]] = []
    for key, value in request.args.items(multi=True):
        if key in reserved:
            continue
        if key.startswith("_"):
            raise ApiError(
                400,
                "unknown_parameter",
                f"unknown query parameter {key!r}; reserved parameters are: "
                + ", ".join(sorted(reserved)),
                parameter=key,
            )
        field, sep, op = key.rpartition("__")
        if not sep or op not in rq.OPS:
            field, op = key, "eq"
        filters.append((field, op, value))
    return filters


def _enum_allows(spec: Mapping[str, Any], enum: list[Any], value: Any) -> bool:
    """Whether a filter value is one of the field's enum values (compared as the field's type:
    ``1`` and ``01`` are the same integer). A value of the wrong type passes here: the store
    names it with its own ``invalid_value`` message."""
    if spec.get("type", "string") == "string":
        return str(value) in {str(e) for e in enum}
    try:
        typed = rq.coerce(spec, value)
        return typed in {rq.coerce(spec, e) for e in enum}
    except rq.QueryError:
        return True


def check_filters(query: rq.RowQuery, resource: Mapping[str, Any]) -> None:
    """Name what is wrong with the filters before the store reads anything.

    ``published__between`` is an unknown operator on a known field (not an unknown field named
    ``published__between``), and a value outside an enum field's list is a 400 ``invalid_value``
    listing the allowed values: an equality on it could only ever match nothing.
    """
    fields = {f["name"]: f for f in resource.get("schema", {}).get("fields", [])}
    for name, op, value in query.filters:
        parameter = name if op == "eq" else f"{name}__{op}"
        spec = fields.get(name)
        if spec is None:
            _unknown(name, parameter, list(fields))
            continue
        enum = (spec.get("constraints") or {}).get("enum")
        if not enum or op not in ("eq", "in"):
            continue
        values = value.split(",") if op == "in" and isinstance(value, str) else [value]
        for item in values:
            if not _enum_allows(spec, enum, item):
                raise ApiError(
                    400,
                    "invalid_value",
                    f"value {item!r} is not allowed for field {name!r} in parameter "
                    f"{parameter!r}; allowed values: " + ", ".join(map(str, enum)),
                    parameter=parameter,
                    field=name,
                    value=item,
                    allowed=list(enum),
                )


def _unknown(name: str, parameter: str, fields: list[str]) -> None:
    """An unknown field, or a known field with an unknown operator (``published__between``)."""
    base, sep, operator = name.rpartition("__")
    if sep and base in fields:
        raise ApiError(
            400,
            "unknown_operator",
            f"unknown operator {operator!r} in parameter {name!r}; operators are: "
            + ", ".join(rq.OPS),
            parameter=name,
            field=base,
            operator=operator,
            allowed=list(rq.OPS),
        )
    raise ApiError(
        400,
        "unknown_field",
        f"unknown field {name!r} in parameter {parameter!r}; fields are: " + ", ".join(fields),
        parameter=parameter,
        field=name,
        allowed=fields,
    )


def row_query(
    args: dict[str, Any], *, limit: int, reserved: set[str], include_id: bool = True
) -> rq.RowQuery:
    if args.get("sort") and args.get("sort_desc"):
        raise ApiError(
            400,
            "invalid_parameter",
            "give either _sort or _sort_desc, not both",
            parameter="_sort_desc",
        )
    fields_arg = args.get("fields_")
    fields = None
    if fields_arg is not None:
        fields = [f.strip() for f in fields_arg.split(",") if f.strip()]
        if not fields:
            raise ApiError(400, "invalid_parameter", "fields names no field", parameter="fields")
    return rq.RowQuery(
        filters=parse_filters(reserved),
        q=args.get("q"),
        sort=args.get("sort_desc") or args.get("sort"),
        sort_desc=bool(args.get("sort_desc")),
        fields=fields,
        limit=limit,
        after=args.get("next"),
        include_id=include_id,
        limits=Limits.from_config(current_app.config),
    )


@blp.route("/datasets/<name>/resources/<res>/rows")
# An instance, not the class: webargs would build the schema (deep-copying its fields) per request.
@blp.arguments(schemas.RowsArgs(), location="query", as_kwargs=True)
@blp.response(200, schemas.RowsPage)
@blp.errors(400, 404)
def get_rows(name: str, res: str, **args: Any) -> Response:
    """Rows of a resource: filters per field, ``q``, sorting, ``fields``, keyset pages.

    Filters: ``<field>=v``, ``<field>__gt|__gte|__lt|__lte=v``, ``<field>__in=a,b``,
    ``<field>__contains=text``, ``<field>__isnull=true|false``. The response carries the version
    it was read from (``X-Opendata-Version``) and a ``Link: rel="next"`` header.
    """
    svc = services()
    limit = args.get("size") or config_int("API", "default_page_size", 100)
    limit = min(limit, config_int("API", "max_page_size", 1000))

    def work(snapshot: Snapshot) -> Response:
        # A missing dataset or resource is named first (404), before what the query asks of it.
        table = snapshot.table(res)
        query = row_query(args, limit=limit, reserved=RESERVED)
        check_filters(query, snapshot.resource(res))
        try:
            page = rq.page(svc.engine, table, query)
        except rq.QueryError as exc:
            raise ApiError.from_query(exc) from None
        next_url = None
        if page.next:
            params = [
                (k, v) for k, v in request.args.items(multi=True) if k not in ("_next", "version")
            ]
            # Pin the next page to this version: a traversal never mixes two versions.
            params += [("version", snapshot.id), ("_next", page.next)]
            next_url = absolute(request.path + "?" + urlencode(params))
        body = {
            "dataset": snapshot.name,
            "resource": res,
            "version": snapshot.id,
            "fields": page.fields,
            "rows": page.rows,
            "total": page.total,
            "total_exact": page.total_exact,
            "next": page.next,
            "next_url": next_url,
        }
        return with_version(json_response(body, next_url=next_url), snapshot)

    return read(svc, name, args.get("version"), work)
