"""The portal's pages: the catalogue, a dataset, the refresh log, and the not-found page.

Everything is rendered server-side from the catalog and the published files, so the portal works
without JavaScript and does not wait on the API; the API is only linked (downloads, row queries).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound

from opendata.licenses import LICENSES
from opendata.plugin import NAME_PATTERN
from opendata.read.freshness import dataset_freshness
from opendata.run_summary import public_runs
from opendata.services import Services
from opendata.site import services
from opendata.web import charts, jsonld, search
from opendata.web.formatting import constraints_text, duration
from opendata.web.i18n import HTML_LANG, LANGS, negotiate, translate
from opendata.web.preview import PREVIEW_ROWS, Preview, read_preview
from opendata.web.report_data import deadlines

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/portal-static",
)


RUN_STATUSES = ("published", "unchanged", "failed", "busy", "running")
RUNS_PER_PAGE = 50
#: Run ids are 32-bit serials (as in the API's /api/v1/runs/<id>).
MAX_RUN_ID = 2**31 - 1


@bp.before_request
def _choose_language() -> None:
    g.lang, g.lang_explicit = negotiate(request)


@bp.after_request
def _language_headers(response: Any) -> Any:
    # Only the portal's pages vary with Accept-Language (a blueprint hook: the API's do not).
    if response.mimetype == "text/html":
        response.headers["Content-Language"] = HTML_LANG[g.get("lang", "zh")]
        response.vary.add("Accept-Language")
    return response


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    lang: str = g.get("lang", "zh")

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    def link(endpoint: str, **values: Any) -> str:
        """``url_for`` that keeps an explicit ``?lang=`` choice on the portal's own links."""
        if g.get("lang_explicit") and "lang" not in values:
            values["lang"] = lang
        return url_for(endpoint, **values)

    def switch_lang(target: str) -> str:
        """This page's URL in another UI language (other query parameters kept)."""
        values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
        values["lang"] = target
        return url_for(request.endpoint or "web.index", **values)

    return {
        "t": t,
        "link": link,
        "switch_lang": switch_lang,
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "langs": LANGS,
        "site_title": current_app.config.get("SITE_TITLE", "opendata"),
        "site_description": current_app.config.get("SITE_DESCRIPTION", ""),
        "constraints_text": lambda c, example="": constraints_text(c, lang, example),
        "duration": duration,
    }


def _freshness(dataset: dict[str, Any], now: datetime) -> dict[str, Any]:
    return dataset_freshness(services(), dataset["name"], dataset.get("schedule") or "", now)


@bp.get("/")
def index() -> str:
    q = request.args.get("q", "").strip()
    publisher = request.args.get("publisher", "").strip()
    keyword = request.args.get("keyword", "").strip()
    found = search.find(services(), q, publisher, keyword)
    now = datetime.now(UTC)
    return render_template(
        "index.html",
        entries=found.items,
        facets=found.facets,
        fresh={item["name"]: _freshness(item, now) for item in found.items},
        q=q,
        publisher=publisher,
        keyword=keyword,
        filtered=bool(q or publisher or keyword),
        report_years=deadlines(services()),
    )


def _dataset_or_404(name: str) -> dict[str, Any]:
    # Checked before any lookup: a name is also a folder name under datasets/.
    if not NAME_PATTERN.match(name) or len(name) > 64:
        abort(404)
    dataset = services().catalog.dataset(name)
    if dataset is None:
        abort(404)
    return dataset


def _previews(
    name: str, version: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Preview | None]]:
    """Previews of every resource of the current version.

    A refresh may publish and prune while this runs; if the files went away, the current
    version is read again once, so the page shows one version throughout.
    """
    svc = services()
    for _attempt in range(2):
        if version is None:
            return None, {}
        out: dict[str, Preview | None] = {}
        try:
            for res in version["descriptor"].get("resources", []):
                path = svc.version_dir(name, version["id"]) / res["path"]
                out[res["name"]] = read_preview(path)
            return version, out
        except FileNotFoundError:
            version = svc.catalog.current_version(name)
    return version, {}


@bp.get("/datasets/<name>")
def dataset(name: str) -> str:
    svc = services()
    row = _dataset_or_404(name)
    version, previews = _previews(name, svc.catalog.current_version(name))
    descriptor = (version or {}).get("descriptor") or {}
    licence = next(iter(descriptor.get("licenses") or []), None) or LICENSES.get(row["license"])
    last_run = _public_runs(svc, [svc.catalog.last_run(name)])[0]
    return render_template(
        "dataset.html",
        ds=row,
        version=version,
        descriptor=descriptor,
        licence=licence,
        previews=previews,
        preview_rows=PREVIEW_ROWS,
        versions=svc.catalog.versions(name),
        last_run=last_run,
        fresh=_freshness(row, datetime.now(UTC)),
        jsonld=jsonld.dataset_jsonld(svc, name),
        api=f"/api/v1/datasets/{name}",
        figures=lambda res: charts.figures(res, g.get("lang", "zh")),
        has_charts=any(r.get("views") for r in descriptor.get("resources", [])),
    )


def _public_runs(svc: Services, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs as every reader may see them: ``error`` is the core's summary, never the exception
    text (which may hold origin paths, hosts and credentials); an empty row stays empty."""
    found = [r for r in rows if r]
    reports = svc.catalog.failure_reports([r["id"] for r in found])
    shown = iter(public_runs(found, reports))
    return [next(shown) if r else {} for r in rows]


@bp.get("/runs")
def runs() -> str:
    svc = services()
    dataset_name = request.args.get("dataset", "").strip()
    status = request.args.get("status", "").strip()
    if dataset_name and not NAME_PATTERN.match(dataset_name):
        dataset_name = ""
    if status not in RUN_STATUSES:
        status = ""
    before = request.args.get("before", type=int)
    if before is not None and not 1 <= before <= MAX_RUN_ID:
        abort(404)  # no page of runs before an id that cannot exist (and SQL cannot hold)
    rows = svc.catalog.runs(
        dataset=dataset_name or None,
        status=status or None,
        limit=RUNS_PER_PAGE,
        before_id=before,
    )
    titles = {d["name"]: d["title"] for d in svc.catalog.datasets()}
    return render_template(
        "runs.html",
        runs=_public_runs(svc, rows),
        titles=titles,
        dataset_name=dataset_name,
        status=status,
        statuses=RUN_STATUSES,
        older=rows[-1]["id"] if len(rows) == RUNS_PER_PAGE else None,
    )


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    name = (request.view_args or {}).get("name")
    return render_template("not_found.html", name=name), 404
