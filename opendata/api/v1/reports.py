"""The annual report (政府信息公开工作年度报告) as JSON: per year, and the publication status.

``/reports/annual/<year>`` computes the report from the current published versions (the same
builder as ``opendata report annual``) with the findings of every rule; ``/reports/annual`` says
per year whether the report is published (held by the ``annual_reports`` dataset) and when it is
due. A transport only: the report is built by :mod:`opendata.report`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import Response, current_app

from opendata.api.v1.base import ApiBlueprint, reject_extra
from opendata.api.v1.errors import ApiError
from opendata.api.v1.http import CACHE_NONE
from opendata.report.compute import available_years, build, to_json_bytes
from opendata.report.published import CatalogData, RowCache
from opendata.report.status import report_status
from opendata.site import services

blp = ApiBlueprint(
    "api_reports",
    __name__,
    url_prefix="/api/v1",
    description="The annual report on information disclosure, computed from the published data",
)


class YearStatusSchema(ma.Schema):
    year = ma.fields.Integer()
    due_date = ma.fields.Date()
    published = ma.fields.Boolean()
    overdue = ma.fields.Boolean()
    published_version = ma.fields.String(allow_none=True)
    report_date = ma.fields.String(allow_none=True)
    url = ma.fields.String()


class StatusList(ma.Schema):
    today = ma.fields.Date()
    years = ma.fields.List(ma.fields.Nested(YearStatusSchema))


class AnnualReport(ma.Schema):
    report = ma.fields.Dict()
    findings = ma.fields.List(ma.fields.Dict())
    unsourced = ma.fields.List(ma.fields.String())
    paragraph_files = ma.fields.Dict()
    publishable = ma.fields.Boolean()
    status = ma.fields.Nested(YearStatusSchema, allow_none=True)


def _today() -> date:
    zone = current_app.config.get("SCHEDULER", {}).get("timezone", "Asia/Shanghai")
    return datetime.now(ZoneInfo(zone)).date()


def _data() -> CatalogData:
    svc = services()
    # Published files never change: their rows are kept across requests, per version.
    cache = current_app.extensions.setdefault("opendata_report_rows", RowCache())
    return CatalogData(svc.catalog, svc.datasets_root, cache)


def _json(body: bytes) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = CACHE_NONE
    return response


def _url(year: int) -> str:
    return f"/api/v1/reports/annual/{year}"


@blp.route("/reports/annual")
@blp.response(200, StatusList)
@blp.errors(400)
def annual_status() -> Response:
    """Per year: published or not, due date (31 January of the next year), overdue."""
    reject_extra(set())
    today = _today()
    years = [{**s.as_dict(), "url": _url(s.year)} for s in report_status(_data(), today)]
    return _json(to_json_bytes({"today": today.isoformat(), "years": years}))


@blp.route("/reports/annual/<int(min=1000, max=9999):year>")
@blp.response(200, AnnualReport)
@blp.errors(400, 404)
def annual_report(year: int) -> Response:
    """The report of ``year`` from the current published versions, with every rule's findings.

    Each cell names the dataset, version, resource and filter it was computed from; the same
    versions give the same bytes (its ETag changes only when a version it reads does).
    """
    reject_extra(set())
    svc = services()
    data = _data()
    if year not in available_years(data):
        raise ApiError(
            404,
            "unknown_report_year",
            f"no published data for an annual report on {year}",
            year=year,
        )
    paragraphs = svc.config.get("REPORTS", {}).get("paragraphs_path")
    built = build(data, year, paragraphs_root=paragraphs, body=_body(data))
    status = next((s for s in report_status(data, _today()) if s.year == year), None)
    body = built.as_json()
    body["status"] = {**status.as_dict(), "url": _url(year)} if status else None
    # The body's own ETag (added for every JSON response) changes only with what it says.
    return _json(to_json_bytes(body))


def _body(data: CatalogData) -> str:
    """The reporting body: the publisher of the application register's dataset."""
    meta = data.catalog.dataset("disclosure_requests")
    return str(meta.get("publisher") or "") if meta else ""
