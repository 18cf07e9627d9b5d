"""``datastore_search``: CKAN's row API over our row tables (``ckanext/datastore`` shapes).

Paging is by ``offset`` (what every CKAN client does) or, when asked with
``include_next_page``, by keyset: ``next_page`` is a filter fragment ``{"_id": {"gt": n}}`` to
merge into ``filters`` for the following page, which stays fast however deep the page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from opendata.api.ckan import params as p
from opendata.api.ckan.actions import ActionContext, action
from opendata.api.ckan.errors import ValidationError, invalid
from opendata.api.ckan.rows import (
    ROWS_DEFAULT,
    ROWS_MAX,
    Request,
    build_query,
    ckan_fields,
    resolve,
    run_page,
)
from opendata.read.exports import store_writers
from opendata.read.snapshot import retry_pruned
from opendata.store import query as rq

KNOWN = frozenset(
    {
        "resource_id",
        "id",
        "filters",
        "q",
        "full_text",
        "plain",
        "language",
        "distinct",
        "limit",
        "offset",
        "fields",
        "sort",
        "include_total",
        "total_estimation_threshold",
        "records_format",
        "include_next_page",
    }
)
#: Request keys echoed back only when the caller sent them (CKAN's schema has no default).
#: ``fields`` is not among them: in the result it is always the field descriptions.
ECHOED = (
    "offset",
    "filters",
    "sort",
    "q",
    "include_next_page",
    "distinct",
    "plain",
    "language",
    "full_text",
    "total_estimation_threshold",
)
FORMATS = ("objects", "lists", "csv", "tsv")
EXACT_COUNT = 2**62  # "no bound": CKAN's totals are exact unless an estimate was asked for


@action
def datastore_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search a DataStore resource.

    :param resource_id: id (or ``<dataset>.<resource>`` alias) of the resource to be searched
    :param filters: ``{"field": value}``, ``{"field": [a, b]}`` (any of), or
        ``{"field": {"gte": x, "lte": y}}``; an object or a JSON string
    :param q: full text query over every text field (Chinese-aware), or ``{"field": text}``
    :param fields: fields to return (list or comma-separated string; default all)
    :param sort: ``"field [asc|desc]"`` (default ``_id``)
    :param limit: maximum number of rows to return (default 100, at most 32000)
    :param offset: offset this number of rows
    :param include_total: include the total number of matching rows (default true)
    :param total_estimation_threshold: count at most this many rows before estimating
    :param records_format: ``objects`` (default), ``lists``, ``csv`` or ``tsv``
    :param include_next_page: return ``next_page``, a filter for the following page (sorting by
        ``_id`` only)
    :rtype: dictionary with ``fields``, ``records``, ``total`` and the request echoed
    """
    args = _Args.parse(data)
    count_bound = args.threshold if args.threshold > 0 else EXACT_COUNT
    target, page = retry_pruned(
        lambda: resolve(ctx.services, args.rid),
        lambda t: (t, run_page(ctx.services, t, args.request, count_bound)),
        f"resource {args.rid!r}",
    )
    names = [n for n in page.fields if not (args.hide_id and n == "_id")]
    result: dict[str, Any] = {
        "include_total": args.include_total,
        "limit": args.limit,
        "records_format": args.records_format,
        "resource_id": target.id,
        "fields": ckan_fields(target.table, names),
        "records": _records(page.rows, names, args.records_format, target.table),
        "_links": _links(ctx, data, target.id, args.limit, args.offset),
    }
    result.update(_echoed(data))
    if args.include_total:
        result["total"] = page.total
        result["total_was_estimated"] = not page.total_exact
    if args.next_page:
        result.update(_next_page(page))
    return result


@dataclass(frozen=True)
class _Args:
    """datastore_search's parameters, checked."""

    rid: str
    limit: int
    offset: int
    include_total: bool
    next_page: bool
    records_format: str
    threshold: int
    request: Request
    hide_id: bool  # _id was added only for next_page: not shown

    @classmethod
    def parse(cls, data: dict[str, Any]) -> _Args:
        unknown = sorted(k for k in data if k not in KNOWN)
        if unknown:
            raise ValidationError({k: [f"The input field {k} was not expected."] for k in unknown})
        rid = p.required_text(data, "resource_id", "id")
        limit = p.natural(data, "limit", ROWS_DEFAULT, cap=ROWS_MAX)
        offset = p.natural(data, "offset", 0)
        include_total = p.boolean(data, "include_total", True)
        next_page = p.boolean(data, "include_next_page", False)
        records_format = p.text(data, "records_format") or "objects"
        if records_format not in FORMATS:
            raise invalid("records_format", f"Value must be one of {', '.join(FORMATS)}")
        if p.boolean(data, "distinct", False):
            raise invalid("distinct", "distinct is not supported by this datastore")
        threshold = p.natural(data, "total_estimation_threshold", 0)
        request = build_query(data, limit=limit, offset=offset)
        if next_page and (request.query.sort is not None or request.query.sort_desc):
            raise invalid("include_next_page", "next_page pages by _id: sort by _id to use it")
        hide_id = next_page and not request.query.include_id
        if hide_id:  # next_page needs the last _id even when the caller did not ask for it
            request = replace(request, query=replace(request.query, include_id=True))
        return cls(
            rid,
            limit,
            offset,
            include_total,
            next_page,
            records_format,
            threshold,
            request,
            hide_id,
        )


def _echoed(data: dict[str, Any]) -> dict[str, Any]:
    """The request keys CKAN echoes back when sent; ``filters`` as the object it was read as."""
    echoed = {key: data[key] for key in ECHOED if key in data}
    if "filters" in data:
        echoed["filters"] = p.json_object(data, "filters")
    return echoed


def _next_page(page: rq.Page) -> dict[str, Any]:
    last_id = page.rows[-1]["_id"] if page.rows and "_id" in page.fields else None
    if page.next is None or last_id is None:
        return {}
    return {"next_page": {"_id": {"gt": last_id}}}


def _records(
    rows: list[dict[str, Any]], names: list[str], records_format: str, table: rq.TableRef
) -> Any:
    if records_format == "objects":
        return (
            rows
            if len(names) == len(rows[0] if rows else names)
            else [{n: row[n] for n in names} for row in rows]
        )
    if records_format == "lists":
        return [[row[n] for n in names] for row in rows]
    # csv / tsv: one string, no header (the fields say the columns), each cell written by its
    # field's codec as the published file writes it.
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="," if records_format == "csv" else "\t", lineterminator="\n"
    )
    pairs = list(zip(names, store_writers(table.fields, names), strict=True))
    for row in rows:
        writer.writerow([write(row[n]) for n, write in pairs])
    return out.getvalue()


def _links(
    ctx: ActionContext, data: dict[str, Any], rid: str, limit: int, offset: int
) -> dict[str, str]:
    """Relative links as CKAN up to 2.11 built them from the request URL, moving ``offset``."""
    args = {k: v for k, v in ctx.query_args.items() if k != "offset"} or {"resource_id": rid}
    start = f"{ctx.request_path}?{urlencode(args, doseq=True)}"
    links = {"start": start, "next": f"{start}&offset={offset + limit}"}
    if offset - limit > 0:
        links["prev"] = f"{start}&offset={offset - limit}"
    return links
