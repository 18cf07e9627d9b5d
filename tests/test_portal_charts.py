"""The table view, charts and change view in a real browser (Debian's chromium) on a real server.

A source declaring a chart is published by the real pipeline; every check compares the page
with the row API, and no request may leave the server (ECharts is served by the app itself).
Screenshots are kept in build/test-artefacts (or OPENDATA_TEST_ARTEFACTS) to be looked at.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from example_sources import CHANNELS, ENTRIES, ExampleCatalog
from werkzeug.serving import make_server

from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.plugin import ResourceSpec
from opendata.services import Services

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
ARTEFACTS = Path(os.environ.get("OPENDATA_TEST_ARTEFACTS", REPO / "build" / "test-artefacts"))
CHROMIUM = os.environ.get("OPENDATA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"chromium not found at {CHROMIUM}: install Debian's (apt-get install -y chromium) "
        "or set OPENDATA_CHROMIUM",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

BY_CATEGORY = {
    "name": "amount_by_year",
    "title": "各类条目金额（按年）",
    "title_en": "Amount per year and category",
    "kind": "bar",
    "x": "published:year",
    "y": "amount",
    "series": "category",
}


class ChartedCatalog(ExampleCatalog):
    """The example catalogue with a chart declared on its entries."""

    name = "charted_catalog"
    resources = (
        ResourceSpec(
            "entries", "公开目录条目", ENTRIES, disclosure_field="disclosure", charts=(BY_CATEGORY,)
        ),
        ResourceSpec("channels", "发布渠道", CHANNELS),
    )


ROWS = 1000
PAGE = "/datasets/charted_catalog/entries"
API = "/api/v1/datasets/charted_catalog/resources/entries"


@pytest.fixture
def published(make_services: Any) -> Services:
    services: Services = make_services(ChartedCatalog, options={"charted_catalog": {"rows": ROWS}})
    assert refresh(services, "charted_catalog").status is RunStatus.PUBLISHED
    return services


@pytest.fixture
def base_url(published: Services, config: dict[str, Any]) -> Iterator[str]:
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def offline_guard(page: Any, base_url: str) -> list[str]:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else outside.append(r.url),
    )
    return outside


def shot(page: Any, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def api_rows(page: Any, base_url: str, query: str) -> list[dict[str, Any]]:
    """Every row the API gives for ``query``, following its next links."""
    rows: list[dict[str, Any]] = []
    url: str | None = f"{base_url}{API}/rows?{query}&_size=1000"
    while url:
        body = page.request.get(url).json()
        rows += body["rows"]
        url = body["next_url"]
    return rows


def shown_ids(page: Any) -> list[int]:
    hrefs = page.eval_on_selector_all(
        "table.data tbody tr td:first-child a", "links => links.map(a => a.getAttribute('href'))"
    )
    return [int(urlsplit(h).path.rsplit("/", 1)[1]) for h in hrefs]


def test_filter_sort_page_to_the_end_share_and_download(
    browser: Any, base_url: str, tmp_path: Path
) -> None:
    context = browser.new_context(
        accept_downloads=True, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside = offline_guard(page, base_url)

    page.goto(f"{base_url}/datasets/charted_catalog")
    page.locator('#resource-entries a[data-format="table"]').click()
    page.wait_for_url(f"**{PAGE}")
    total = page.request.get(f"{base_url}{API}/rows").json()["total"]
    assert total == ROWS - ROWS // 10  # every tenth entry is withheld (不予公开)
    assert page.locator("#row-total").inner_text() == f"共 {total:,} 行"
    # the widest column is inside the table's own scroll box, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # filter from the dictionary's enum, then sort by clicking a header
    page.select_option("select[name=category]", "档案")
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_url("**category=*")
    page.locator("th[data-field=published] a.sort").click()
    page.wait_for_url("**_sort=published*")
    assert page.locator("th[data-field=published]").get_attribute("aria-sort") == "ascending"
    expected = api_rows(page, base_url, "category=档案&_sort=published")
    assert page.locator("#row-total").inner_text() == f"共 {len(expected)} 行"
    shot(page, "portal-table.png")
    shared = page.url

    seen = shown_ids(page)
    while page.locator("a[rel=next]").count():
        page.locator("a[rel=next]").click()
        page.wait_for_load_state()
        seen += shown_ids(page)
    assert seen == [r["_id"] for r in expected]
    assert page.get_by_text("已是最后一页").count() == 1

    # the shared URL shows the same first page to someone else
    other = context.new_page()
    other.goto(shared)
    assert shown_ids(other)[:5] == seen[:5]
    params = dict(parse_qsl(urlsplit(shared).query))
    assert params["category"] == "档案" and params["_sort"] == "published"

    with other.expect_download() as info:
        other.locator('ul.view-downloads a[data-format="csv-excel"]').click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    got = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in got] == [r["id"] for r in expected]
    assert errors == [] and outside == []
    context.close()


def test_phone_width_shows_rows_as_cards(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    outside = offline_guard(page, base_url)
    page.goto(f"{base_url}{PAGE}?fields=id,title,amount,published&_size=25")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = page.locator("table.data tbody tr").first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    label = (
        page.locator("table.data tbody tr td")
        .nth(3)
        .evaluate("td => getComputedStyle(td, '::before').content")
    )
    assert label == '"金额（万元）"'
    shot(page, "portal-table-mobile.png")
    assert outside == []
    context.close()


def test_chart_renders_from_the_apps_own_echarts(browser: Any, base_url: str) -> None:
    context = browser.new_context(
        accept_downloads=True, locale="en-US", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    outside = offline_guard(page, base_url)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base_url}{PAGE}")
    figure = page.locator("figure.chart#chart-amount_by_year")
    page.wait_for_selector("figure.chart.drawn", timeout=30_000)
    assert figure.locator("figcaption").inner_text() == "Amount per year and category"
    assert any(s.endswith("/portal-static/vendor/echarts.common.min.js") for s in scripts)
    # not blank: the canvas holds thousands of coloured (not white, not transparent) pixels
    coloured = figure.locator("canvas").first.evaluate(
        """canvas => {
            const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
            }
            return n;
        }"""
    )
    assert coloured > 2000
    # the data table beside it sums the API's rows per year and category
    rows = api_rows(page, base_url, "fields=published,category,amount")
    sums: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (r["published"][:4], r["category"])
        sums[key] = sums.get(key, 0) + r["amount"]
    header = figure.locator("table.chart-data thead th").all_inner_texts()
    body = figure.locator("table.chart-data tbody tr")
    assert body.count() == len({y for y, _ in sums})
    for i in range(body.count()):
        cells = body.nth(i).locator("th, td").all_inner_texts()
        for category, text in zip(header[1:], cells[1:], strict=True):
            want = sums.get((cells[0], category))
            assert (
                (text == "")
                if want is None
                else float(text.replace(",", "")) == pytest.approx(want, abs=0.01)
            )
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
        with page.expect_download() as info:
            figure.locator(f"button[data-format={fmt}]").click()
        content = Path(info.value.path()).read_bytes()
        assert magic in content[:200], fmt
    shot(page, "portal-chart.png")
    assert errors == [] and outside == []
    context.close()


def test_change_view(browser: Any, base_url: str, published: Services, make_services: Any) -> None:
    first = published.catalog.current_version("charted_catalog")
    again = make_services(
        ChartedCatalog, options={"charted_catalog": {"rows": ROWS + 3, "revision": 1}}
    )
    assert refresh(again, "charted_catalog").status is RunStatus.PUBLISHED
    assert first is not None
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    outside = offline_guard(page, base_url)
    page.goto(f"{base_url}/datasets/charted_catalog")
    page.locator(f"table.versions a[href$='/versions/{first['id']}']").count()
    current = page.locator("table.versions tr.current th a").first
    current.click()
    page.wait_for_url("**/versions/*")
    page.locator("#resource-entries").get_by_role("link", name="查看变化").click()
    page.wait_for_url("**/changes?*")
    assert page.locator("table.changes tr.added").count() == 3
    changed = page.locator("table.changes tr.changed").first
    assert "（修订）" in changed.locator("td.new").first.inner_text()
    assert "（修订）" not in changed.locator("td.old").first.inner_text()
    shot(page, "portal-changes.png")
    assert outside == []
    context.close()


@pytest.mark.slow
def test_page_to_the_end_of_100000_rows(
    browser: Any, make_services: Any, config: dict[str, Any]
) -> None:
    """Every row of a 100,000-row resource is reached by clicking 下一页 (keyset pages)."""
    rows = 100_000
    services = make_services(ExampleCatalog, options={"example_catalog": {"rows": rows}})
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        outside = offline_guard(page, base)
        page.goto(f"{base}/datasets/example_catalog/entries?_size=1000&fields=id,title")
        total = page.request.get(
            f"{base}/api/v1/datasets/example_catalog/resources/entries/rows"
        ).json()["total"]
        assert page.locator("#row-total").inner_text() == f"共 {total:,} 行"
        seen: list[int] = []
        pages = 0
        while True:
            seen += shown_ids(page)
            pages += 1
            following = page.locator("a[rel=next]")
            if not following.count():
                break
            following.click()
            page.wait_for_load_state()
        assert pages == -(-total // 1000)
        assert seen == sorted(set(seen)) and len(seen) == total
        shot(page, "portal-table-last-page.png")
        assert outside == []
        context.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
