"""The annual report on the portal: the page of a year, its DOCX and PDF, and the deadlines.

``/reports/annual/<year>`` shows the report inside the portal's layout, each figure with its
source on hover, with links to the Word, PDF and JSON forms; ``…/<year>.docx`` and ``.pdf`` are
the files an office submits. The report is built from the current published versions through
``opendata.report`` (no sources, pipeline or plugins are imported: serving reads only what is
published). A year without published data is a 404 page, never an error text.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from flask import Blueprint, Response, abort, render_template, request, url_for
from werkzeug.exceptions import NotFound

from opendata.report import render as report_render
from opendata.report.compute import Built, available_years, build, to_json_bytes
from opendata.report.model import Report
from opendata.site import services
from opendata.web import views
from opendata.web.report_data import published_data, reporting_body, today

bp = Blueprint("reports", __name__, template_folder="templates")
# The portal's own language choice, headers and template helpers, as on every portal page.
bp.before_request(views._choose_language)
bp.after_request(views._language_headers)
bp.context_processor(views._template_helpers)
bp.register_error_handler(NotFound, views.not_found)

#: The first year a report can be asked for (the 2007 regulation's first full year).
FIRST_YEAR = 2008


def _built_or_404(year: int) -> Built:
    """The report of ``year`` from the current versions; 404 for a year no data covers."""
    svc = services()
    if not FIRST_YEAR <= year <= today(svc).year:
        abort(404)
    data = published_data(svc)
    if year not in available_years(data):
        abort(404)
    paragraphs = (svc.config.get("REPORTS") or {}).get("paragraphs_path")
    return build(data, year, paragraphs_root=paragraphs, body=reporting_body(data))


#: The dataset the core's annual_reports source publishes the report's tables in (one cell a
#: row); the portal's table view filters, sorts and downloads them like any resource.
REPORT_DATASET = "annual_reports"


def _table_views(year: int) -> list[tuple[str, str, str]]:
    """(resource, title, table-view URL for ``year``) of the published report tables."""
    version = services().catalog.current_version(REPORT_DATASET)
    if version is None:
        return []
    out = []
    for res in version["descriptor"].get("resources", []):
        fields = [f["name"] for f in (res.get("schema") or {}).get("fields", [])]
        if "year" in fields and "value" in fields:
            url = url_for("web.table", name=REPORT_DATASET, res=res["name"], year=year)
            out.append((res["name"], res.get("title") or res["name"], url))
    return out


@bp.get("/reports/annual/<int:year>")
def annual(year: int) -> str:
    built = _built_or_404(year)
    report = built.report
    return render_template(
        "report_annual.html",
        report=report,
        errors=built.errors,
        year=year,
        article=report_render.html_fragment(report),
        report_css=report_render.stylesheet(),
        table_views=_table_views(year),
    )


#: Rendered files by (format, digest of the report's content). A PDF takes seconds to make and
#: the same versions give the same report, so a worker makes each file once; a handful is kept.
_FILES: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_FILES_KEPT = 8


def _file(report: Report, fmt: str) -> tuple[bytes, str]:
    digest = hashlib.sha256(to_json_bytes(report.as_json())).hexdigest()
    key = (fmt, digest)
    if key not in _FILES:
        _FILES[key] = report_render.render(report, fmt)
        while len(_FILES) > _FILES_KEPT:
            _FILES.popitem(last=False)
    _FILES.move_to_end(key)
    return _FILES[key], digest


def _download(year: int, fmt: str) -> Response:
    data, digest = _file(_built_or_404(year).report, fmt)
    response = Response(data, mimetype=report_render.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="annual-report-{year}.{fmt}"'
    # The ETag is the report's content: a new version of any dataset it reads changes it.
    response.set_etag(f"{fmt}-{digest[:32]}")
    response.make_conditional(request)  # 304 when the client holds this very file
    return response


@bp.get("/reports/annual/<int:year>.docx")
def annual_docx(year: int) -> Response:
    return _download(year, "docx")


@bp.get("/reports/annual/<int:year>.pdf")
def annual_pdf(year: int) -> Response:
    return _download(year, "pdf")
