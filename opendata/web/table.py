"""The table view of a resource: ``/datasets/<name>/<resource>`` and one row of it.

The page's whole state is in its query string, with the row API's own parameters (``q``,
``<field>=v``, ``<field>__gte=v``, ``_sort``, ``_sort_desc``, ``fields``, ``_next``, ``version``),
so a filtered view is shared by its URL and "download this view" is the same query string on
the export URLs. Pages are keyset pages from the datastore (never an offset), read by
:mod:`opendata.read.table`; the HTML is complete without JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, g, render_template, request

from opendata.limits import Limits
from opendata.messages import Lang, message
from opendata.read import table as rt
from opendata.read.errors import ReadError
from opendata.read.snapshot import Snapshot, read
from opendata.site import services
from opendata.store import query as rq
from opendata.web import charts
from opendata.web.cells import Column, column, show
from opendata.web.views import bp

#: Parameters of the page itself; every other one is a filter ``<field>[__op]``.
RESERVED = ("q", "_sort", "_sort_desc", "_next", "_size", "fields", "version", "lang")
#: What the export URLs take of the page's state (no paging, no UI language).
EXPORT_DROP = ("_next", "_size", "lang")
PAGE_SIZES = (25, 50, 100, 200, 500, 1000)
DEFAULT_SIZE = 50


class BadView(ValueError):
    """A parameter the page cannot use; shown above the table with a 400."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass
class ViewState:
    """The page's state, read from its query string."""

    filters: list[tuple[str, str, str]] = field(default_factory=list)
    q: str = ""
    sort: str | None = None
    sort_desc: bool = False
    after: str | None = None
    size: int = DEFAULT_SIZE
    fields: list[str] | None = None
    version: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.filters or self.q)


def _filters(args: Any) -> list[tuple[str, str, str]]:
    """Every non-reserved, non-empty parameter as a ``(field, op, value)`` filter."""
    filters = []
    for key, value in args.items(multi=True):
        if key in RESERVED or not value.strip():
            continue
        if key.startswith("_"):
            raise BadView("unknown_parameter", parameter=key)
        name, sep, op = key.rpartition("__")
        if not sep or op not in rq.OPS:
            name, op = key, "eq"
        filters.append((name, op, value.strip()))
    return filters


def read_state() -> ViewState:
    """The state from ``request.args``; empty form inputs are no filter."""
    args = request.args
    state = ViewState(q=args.get("q", "").strip(), filters=_filters(args))
    sort, sort_desc = args.get("_sort", "").strip(), args.get("_sort_desc", "").strip()
    state.sort, state.sort_desc = (sort_desc, True) if sort_desc else ((sort or None), False)
    state.after = args.get("_next") or None
    size = args.get("_size", type=int)
    state.size = size if size in PAGE_SIZES else DEFAULT_SIZE
    chosen = [n.strip() for v in args.getlist("fields") for n in v.split(",") if n.strip()]
    state.fields = list(dict.fromkeys(chosen)) or None
    state.version = args.get("version") or None
    return state


def _query(state: ViewState, fields: Sequence[str] | None, size: int) -> rq.RowQuery:
    return rq.RowQuery(
        filters=list(state.filters),
        q=state.q or None,
        sort=state.sort,
        sort_desc=state.sort_desc,
        fields=fields,
        limit=size,
        after=state.after,
        limits=Limits.from_config(current_app.config),
    )


def url_with(pairs: Iterable[tuple[str, Any]], path: str | None = None) -> str:
    kept = [(k, v) for k, v in pairs if v not in (None, "")]
    return (path or request.path) + ("?" + urlencode(kept) if kept else "")


def state_pairs(drop: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The page's query string as pairs, without the keys in ``drop``."""
    return [(k, v) for k, v in request.args.items(multi=True) if k not in drop and v.strip()]


def sort_url(col: Column, state: ViewState) -> str:
    """Ascending first; descending when already ascending on this column."""
    pairs = state_pairs(("_sort", "_sort_desc", "_next"))
    key = "_sort_desc" if state.sort == col.name and not state.sort_desc else "_sort"
    return url_with([*pairs, (key, col.name)])


def facet_url(name: str, value: Any, selected: bool) -> str:
    """Toggle the filter ``name=value`` (other filters kept, paging restarted)."""
    pairs = [(k, v) for k, v in state_pairs(("_next",)) if k != name]
    if not selected:
        pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return url_with(pairs)


def export_links(snapshot: Snapshot, res: str, pinned: bool) -> list[tuple[str, str, str]]:
    """(format key, UI label key, URL) of "download this view": the page's query on the
    export URLs, the Excel CSV first."""
    pairs = state_pairs(EXPORT_DROP)
    if pinned and not any(k == "version" for k, _ in pairs):
        pairs.append(("version", snapshot.id))
    base = f"/api/v1/datasets/{snapshot.name}/resources/{res}"
    return [
        ("csv-excel", "dl_csv_excel", url_with([*pairs, ("bom", "1")], base + ".csv")),
        ("csv", "dl_csv", url_with(pairs, base + ".csv")),
        ("json", "dl_json", url_with(pairs, base + ".json")),
        ("xlsx", "dl_xlsx", url_with(pairs, base + ".xlsx")),
    ]


@dataclass
class TableView:
    snapshot: Snapshot
    resource: dict[str, Any]
    columns: list[Column]
    shown: list[Column]
    page: rq.Page | None
    facets: list[rt.Facet]
    error: str | None = None
    facets_skipped: bool = False


def _columns(resource: dict[str, Any]) -> list[Column]:
    return [column(f) for f in (resource.get("schema") or {}).get("fields", [])]


def _error_text(code: str, details: dict[str, Any], fallback: str) -> str:
    lang: Lang = "zh-CN" if g.get("lang", "zh") == "zh" else "en"
    try:
        return message(code, lang, **details)
    except (KeyError, ValueError):
        return fallback


def _facets(snapshot: Snapshot, res: str, query: rq.RowQuery) -> list[rt.Facet]:
    engine = snapshot.services.engine
    ref = snapshot.table(res)
    found = []
    for f in rt.facet_fields(ref.fields):
        one = rt.facet(engine, ref, query, f)
        if one is not None and one.values:
            found.append(one)
    return found


def build_view(snapshot: Snapshot, res: str, state: ViewState) -> TableView:
    resource = snapshot.resource(res)
    columns = _columns(resource)
    names = [c.name for c in columns]
    shown_names = [n for n in (state.fields or names) if n in names] or names
    shown = [c for c in columns if c.name in shown_names]
    view = TableView(snapshot, resource, columns, shown, None, [])
    ref = snapshot.table(res)
    query = _query(state, shown_names if state.fields else None, state.size)
    try:
        view.page = rt.page(snapshot.services.engine, ref, query)
        # Each facet value re-runs the search: over a broad full-text match (an inexact total)
        # that costs a second or more, so facets wait until the search is narrowed.
        view.facets_skipped = bool(state.q) and not view.page.total_exact
        if not view.facets_skipped:
            view.facets = _facets(snapshot, res, query)
    except rq.QueryError as exc:
        view.error = _error_text(exc.code, dict(exc.details), exc.message)
    return view


@bp.get("/datasets/<name>/<res>")
def table(name: str, res: str) -> tuple[str, int]:
    try:
        state = read_state()
    except BadView as exc:
        state = ViewState()
        problem: str | None = _error_text(exc.code, exc.details, exc.code)
    else:
        problem = None
    try:
        view = read(services(), name, state.version, lambda s: build_view(s, res, state))
    except ReadError as exc:
        # an invalid or unknown name or version is a page that does not exist
        abort(404 if exc.status in (400, 404) else 503)
    view.error = problem or view.error
    next_url = None
    if view.page is not None and view.page.next:
        pairs = state_pairs(("_next", "version"))
        next_url = url_with([*pairs, ("version", view.snapshot.id), ("_next", view.page.next)])
    status = 400 if view.error else 200
    return (
        render_template(
            "table.html",
            view=view,
            ds=view.snapshot.dataset,
            res=res,
            state=state,
            next_url=next_url,
            first_url=url_with(state_pairs(("_next", "version")))
            if state.after or state.version
            else None,
            exports=export_links(view.snapshot, res, state.version is not None),
            api_rows=url_with(
                state_pairs(("_next", "lang")),
                f"/api/v1/datasets/{name}/resources/{res}/rows",
            ),
            sort_url=sort_url,
            facet_url=facet_url,
            show=lambda value, col: show(value, col, g.get("lang", "zh")),
            filter_value=lambda key: request.args.get(key, ""),
            state_pairs=state_pairs,
            page_sizes=PAGE_SIZES,
            views=charts.figures(view.resource, g.get("lang", "zh")),
        ),
        status,
    )


@bp.get("/datasets/<name>/<res>/rows/<int:row_id>")
def row(name: str, res: str, row_id: int) -> str:
    version = request.args.get("version") or None

    def work(snapshot: Snapshot) -> tuple[Snapshot, dict[str, Any], dict[str, Any] | None]:
        resource = snapshot.resource(res)
        found = rt.row(snapshot.services.engine, snapshot.table(res), row_id)
        return snapshot, resource, found

    try:
        snapshot, resource, found = read(services(), name, version, work)
    except ReadError as exc:
        # an invalid or unknown name or version is a page that does not exist
        abort(404 if exc.status in (400, 404) else 503)
    if found is None:
        abort(404)
    return render_template(
        "row.html",
        ds=snapshot.dataset,
        snapshot=snapshot,
        resource=resource,
        res=res,
        row=found,
        columns=_columns(resource),
        show=lambda value, col: show(value, col, g.get("lang", "zh")),
    )
