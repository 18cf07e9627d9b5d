"""Chart views: declarations are checked, published as Data Package Views, and the built-in
plugins' charts find rows in their own published data (through the row API, as the browser)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from opendata_archive_room import ArchiveRoom
from opendata_disclosure_catalog import DisclosureCatalog
from opendata_disclosure_requests import DisclosureRequests
from opendata_fiscal_data import FiscalData

from opendata.app import create_app, services_of
from opendata.chartspec import ChartSpecError, check, descriptor_views
from opendata.pipeline.refresh import refresh
from opendata.sources.discovery import LoadedSource, Registry
from opendata.sources.discovery import load_config as load_source_config

BUILT_IN = {
    "fiscal_data": FiscalData,
    "disclosure_requests": DisclosureRequests,
    "archive_room": ArchiveRoom,
    "disclosure_catalog": DisclosureCatalog,
}
FIELDS = ["year", "month", "amount", "kind", "published"]


@pytest.mark.parametrize(
    ("chart", "problem"),
    [
        ({"name": "a", "title": "t", "x": "year", "y": "nosuch"}, "nosuch"),
        ({"name": "a", "title": "t", "x": "year", "y": "amount", "kind": "pie"}, "kind"),
        ({"name": "a", "title": "t", "x": "year"}, "required"),
        ({"name": "a", "title": "t", "x": "published:week", "y": "amount"}, "part"),
        ({"name": "a", "title": "t", "x": "year", "y": "amount", "colour": "red"}, "colour"),
        ({"name": "a", "title": "t", "x": "year", "y": "amount", "filter": {"zz": 1}}, "zz"),
    ],
)
def test_a_chart_naming_what_is_not_there_is_refused(chart: dict[str, Any], problem: str) -> None:
    with pytest.raises(ChartSpecError, match=problem):
        check("r", chart, FIELDS)


def test_views_are_data_package_views_with_the_declaration() -> None:
    chart = {
        "name": "by_month",
        "title": "每月",
        "x": ["year", "month"],
        "y": "_count",
        "series": "kind",
        "layers": [{"resource": "other", "label": "乙"}],
    }
    check("r", chart, FIELDS)
    (view,) = descriptor_views("r", [chart])
    assert view["specType"] == "simple" and view["resources"] == ["r", "other"]
    assert view["spec"] == {"type": "bar", "group": ["year", "month"], "series": ["_count"]}
    assert view["opendata:chart"]["resource"] == "r"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from opendata.config import load_config
    from opendata.services import Services
    from opendata.testing import prepare_database

    root = tmp_path_factory.mktemp("charts")
    config = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    from opendata.report.source import AnnualReports

    services.registry = Registry()
    for cls in [*BUILT_IN.values(), AnnualReports]:
        services.registry.sources[cls.name] = LoadedSource(cls, load_source_config(cls, {}), "t")
    for name in [*BUILT_IN, "annual_reports"]:
        assert refresh(services, name).ok, name
    services.close()
    flask_app = create_app({**config, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.mark.parametrize("dataset", sorted(BUILT_IN))
def test_built_in_charts_find_their_rows(app: Flask, dataset: str) -> None:
    client = app.test_client()
    descriptor = client.get(f"/api/v1/datasets/{dataset}/datapackage.json").get_json()
    charted = [r for r in descriptor["resources"] if r.get("views")]
    assert charted, f"{dataset} declares no chart"
    for resource in charted:
        for view in resource["views"]:
            chart = view["opendata:chart"]
            for layer in chart["layers"] or [{}]:
                res = layer.get("resource", resource["name"])
                query = urlencode(
                    {**(layer.get("filter") or chart.get("filter") or {}), "_size": 1}
                )
                body = client.get(
                    f"/api/v1/datasets/{dataset}/resources/{res}/rows?{query}"
                ).get_json()
                assert body["total"] > 0, (dataset, view["name"], res, query)
        page = client.get(f"/datasets/{dataset}/{resource['name']}")
        assert page.status_code == 200
        assert b"vendor/echarts.common.min.js" in page.data and b'class="chart"' in page.data


def test_the_annual_report_links_its_tables_to_table_views(app: Flask) -> None:
    import lxml.html

    client = app.test_client()
    page = client.get("/reports/annual/2022")
    assert page.status_code == 200
    links = lxml.html.fromstring(page.data).xpath("//p[@class='report-tables']/a/@href")
    assert "/datasets/annual_reports/table3?year=2022" in links
    for href in links:
        view = lxml.html.fromstring(client.get(href).data)
        years = view.xpath("//table[@class='data']/tbody/tr/td[@data-label='报告年度']//text()")
        assert years and set(years) == {"2022"}, href
