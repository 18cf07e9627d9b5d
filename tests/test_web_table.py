"""The portal's table view, row detail, version page and change view, read as HTML.

Every check compares the page with what the API (or the published file) says for the same
parameters: the table view is the row API drawn as a page, so the two must agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.web.cells import column, show

PAGE = "/datasets/example_catalog/entries"
API = "/api/v1/datasets/example_catalog/resources/entries"
ROWS = 130


@pytest.fixture
def app(config: dict[str, Any], make_services: Any, database_url: str) -> Iterator[Flask]:
    """The example catalogue published on SQLite and on PostgreSQL (the datastore differs)."""
    svc = make_services(
        ExampleCatalog, options={"example_catalog": {"rows": ROWS}}, DATABASE_URL=database_url
    )
    assert refresh(svc, "example_catalog").ok
    flask_app = create_app({**config, "DATABASE_URL": database_url, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def html(client: FlaskClient, url: str, status: int = 200) -> Any:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.data[:500])
    return lxml.html.fromstring(resp.data.decode("utf-8"))


def api(client: FlaskClient, url: str) -> dict[str, Any]:
    resp = client.get(url)
    assert resp.status_code == 200, resp.data
    body: dict[str, Any] = resp.json or {}
    return body


def row_ids(doc: Any) -> list[int]:
    """The ``_id`` of each row, from the first cell's link to the row detail."""
    links = doc.xpath("//table[@class='data']/tbody/tr/td[1]/a/@href")
    return [int(urlsplit(h).path.rsplit("/", 1)[1]) for h in links]


def next_link(doc: Any) -> str | None:
    found = doc.xpath("//a[@rel='next']/@href")
    return str(found[0]) if found else None


def test_every_row_is_reached_by_keyset_pages(client: FlaskClient, app: Flask) -> None:
    url: str | None = PAGE + "?_size=25"
    seen: list[int] = []
    pages = 0
    while url:
        doc = html(client, url)
        seen += row_ids(doc)
        url = next_link(doc)
        pages += 1
        if url:
            params = dict(parse_qsl(urlsplit(url).query))
            assert "_next" in params and "offset" not in params and "version" in params
    total = api(client, API + "/rows")["total"]
    assert pages == -(-total // 25)
    assert seen == list(range(1, total + 1))
    assert doc.xpath("string(//*[@id='row-total'])").strip() == f"共 {total} 行"


def test_filters_sort_and_facets_agree_with_the_api(client: FlaskClient) -> None:
    query = "category=档案&published__gte=2018-02-01&_sort_desc=published&_size=100"
    doc = html(client, f"{PAGE}?{query}")
    body = api(client, f"{API}/rows?{query}")
    assert row_ids(doc) == [r["_id"] for r in body["rows"]] and body["rows"]
    assert f"共 {body['total']} 行" in doc.xpath("string(//*[@id='row-total'])")
    header = doc.xpath("//table[@class='data']/thead//th[@aria-sort]")
    assert [h.get("data-field") for h in header] == ["published"]
    assert header[0].get("aria-sort") == "descending"
    # facet counts: each category under the other filters, as the API counts it
    facet = doc.xpath("//section[@class='facet'][h3='主题分类']//li")
    assert len(facet) == 4
    for item in facet:
        name = item.xpath("string(a)").strip()
        count = int(item.xpath("string(span[@class='count'])").replace(",", ""))
        others = api(client, f"{API}/rows?category={name}&published__gte=2018-02-01")
        assert count == others["total"], name
        assert (item.xpath("a/@aria-current") == ["true"]) == (name == "档案")
    # the enum filter is a choice with the chosen value selected
    chosen = doc.xpath("//select[@name='category']/option[@selected]/@value")
    assert chosen == ["档案"]


def test_empty_form_inputs_are_no_filter_and_the_url_is_the_state(client: FlaskClient) -> None:
    doc = html(client, f"{PAGE}?q=&title__contains=&amount__gte=&amount__lte=50&_size=100")
    body = api(client, f"{API}/rows?amount__lte=50&_size=100")
    assert row_ids(doc) == [r["_id"] for r in body["rows"]]
    # sorting keeps the filters and starts again from the first page
    sort = doc.xpath("//th[@data-field='published']/a/@href")[0]
    params = parse_qsl(urlsplit(sort).query)
    assert ("amount__lte", "50") in params and ("_sort", "published") in params
    assert not any(k == "_next" for k, _ in params)


def test_numbers_units_and_columns(client: FlaskClient) -> None:
    doc = html(client, f"{PAGE}?fields=id,amount,title&_size=100")
    heads = doc.xpath("//table[@class='data']/thead//th")
    assert [h.get("data-field") for h in heads] == ["id", "title", "amount"]
    amount = heads[2]
    assert "num" in amount.get("class") and "（万元）" in amount.text_content()
    body = api(client, f"{API}/rows?fields=id,amount,title&_size=100")
    cells = doc.xpath("//table[@class='data']/tbody/tr/td[3]")
    assert [c.text_content() for c in cells] == [f"{r['amount']:,.2f}" for r in body["rows"]]
    assert all("num" in c.get("class") for c in cells)
    # the column chooser keeps the choice
    checked = doc.xpath("//details[@class='columns']//input[@checked]/@value")
    assert checked == ["id", "title", "amount"]


def test_download_this_view_is_exactly_the_rows_shown(client: FlaskClient) -> None:
    doc = html(client, f"{PAGE}?category=财政&fields=id,title,amount&_sort=published")
    links = {
        a.get("data-format"): a.get("href")
        for a in doc.xpath("//ul[contains(@class, 'view-downloads')]//a")
    }
    assert list(links)[:4] == ["csv-excel", "csv", "json", "xlsx"]
    expected = api(
        client, f"{API}/rows?category=财政&fields=id,title,amount&_sort=published&_size=1000"
    )
    rows = [{k: r[k] for k in ("id", "title", "amount")} for r in expected["rows"]]
    excel = client.get(links["csv-excel"]).data
    assert excel.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(excel.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in table] == [r["id"] for r in rows]
    assert client.get(links["csv"]).data == excel[3:]
    assert client.get(links["json"]).json == rows


def test_row_detail(client: FlaskClient) -> None:
    doc = html(client, f"{PAGE}/rows/7")
    body = api(client, f"{API}/rows?id=7")["rows"][0]
    cells = {
        tr.xpath("string(td[2])"): tr.xpath("string(td[1])")
        for tr in doc.xpath("//table[@class='record']/tbody/tr")
    }
    assert cells["title"] == body["title"] and cells["published"] == body["published"]
    html(client, f"{PAGE}/rows/{ROWS * 10}", status=404)
    html(client, f"{PAGE}/rows/0", status=404)


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        (f"{PAGE}?amount__gte=lots", 400, "amount"),
        (f"{PAGE}?nosuch=1", 400, "nosuch"),
        (f"{PAGE}?_secret=1", 400, "_secret"),
        (f"{PAGE}?_sort=nosuch", 400, "nosuch"),
        (f"{PAGE}?_next=notatoken", 400, ""),
        (f"{PAGE}?version=20000101T000000000000Z", 404, ""),
        (f"{PAGE}?version=bad!", 404, ""),
        ("/datasets/example_catalog/nosuch", 404, ""),
        ("/datasets/nosuch/entries", 404, ""),
    ],
)
def test_bad_input_is_a_clear_4xx(client: FlaskClient, url: str, status: int, text: str) -> None:
    resp = client.get(url)
    assert resp.status_code == status
    page = resp.data.decode("utf-8")
    assert "Traceback" not in page
    if text:
        alert = lxml.html.fromstring(page).xpath("string(//*[@role='alert'])")
        assert text in alert


def test_cells_show_values_as_readers_expect() -> None:
    flag = column({"name": "ok", "title": "是否公开", "type": "boolean"})
    assert show(True, flag, "zh") == "是" and show(False, flag, "en") == "No"
    year = column({"name": "year", "title": "年度", "type": "integer"})
    count = column({"name": "n", "title": "申请件数", "type": "integer"})
    assert show(2018, year, "zh") == "2018" and show(12345, count, "zh") == "12,345"
    money = column({"name": "a", "title": "金额（万元）", "type": "number"})
    assert (money.label, money.unit) == ("金额", "万元") and show(1234.5, money, "zh") == "1,234.50"
    share = column(
        {"name": "s", "title": "按期办结率", "type": "number", "constraints": {"maximum": 1}}
    )
    assert show(0.9875, share, "zh") == "98.75%"
    plain = column({"name": "x", "title": "数值", "type": "number"})
    assert show(1234567.125, plain, "zh") == "1,234,567.125" and show(None, plain, "zh") == ""


def test_version_page_and_what_changed(client: FlaskClient, app: Flask, make_services: Any) -> None:
    svc = services_of(app)
    first = (svc.catalog.dataset("example_catalog") or {})["current_version"]
    again = make_services(
        ExampleCatalog,
        options={"example_catalog": {"rows": ROWS + 5, "revision": 1}},
        DATABASE_URL=svc.config["DATABASE_URL"],
    )
    assert refresh(again, "example_catalog").ok
    second = (svc.catalog.dataset("example_catalog") or {})["current_version"]
    assert second != first

    doc = html(client, f"/datasets/example_catalog/versions/{first}")
    hrefs = doc.xpath("//section[@id='resource-entries']//a/@href")
    assert f"/api/v1/datasets/example_catalog/resources/entries.csv?bom=1&version={first}" in hrefs
    assert (
        client.get(
            f"/api/v1/datasets/example_catalog/resources/entries.csv?version={first}"
        ).status_code
        == 200
    )
    # the dataset page links each version to its portal page
    listed = html(client, "/datasets/example_catalog").xpath("//table[@class='versions']//a/@href")
    assert f"/datasets/example_catalog/versions/{first}" in listed

    url: str | None = f"/datasets/example_catalog/versions/{second}/changes?resource=entries"
    ops: list[str] = []
    while url:
        doc = html(client, url)
        ops += [tr.get("class") for tr in doc.xpath("//table[@class='changes']/tbody/tr")]
        url = next_link(doc)
    feed: list[dict[str, Any]] = []
    api_url: str | None = (
        f"/api/v1/datasets/example_catalog/versions/{second}/changes?since={first}&resource=entries"
    )
    while api_url:
        body = api(client, api_url)
        feed += body["changes"]
        api_url = body["next_url"]
    assert ops == [c["op"] for c in feed]
    assert ops.count("added") == 5 and "changed" in ops
    changed = next(c for c in feed if c["op"] == "changed")
    old = changed["changed"]["title"]["old"]
    first_page = html(
        client, f"/datasets/example_catalog/versions/{second}/changes?resource=entries"
    )
    assert old in first_page.xpath("string(//table[@class='changes'])")
    html(client, f"/datasets/example_catalog/versions/{second}/changes?resource=nosuch", status=404)
    html(client, "/datasets/example_catalog/versions/20000101T000000000000Z", status=404)


def test_full_text_search_agrees_with_the_api(client: FlaskClient) -> None:
    doc = html(client, f"{PAGE}?q=预算&_size=100")
    body = api(client, f"{API}/rows?q=预算&_size=100")
    assert body["rows"] and row_ids(doc) == [r["_id"] for r in body["rows"]]
    assert doc.xpath("//input[@id='f-q']/@value") == ["预算"]
    # a narrow search (an exact total) still gets its facet counts
    assert body["total_exact"] and doc.xpath("//section[@class='facet']")
