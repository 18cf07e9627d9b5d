"""A researcher's visit in a real browser (Debian's chromium) against a real server.

The example sources are published by the real pipeline; the app is served by werkzeug on
127.0.0.1 with an ephemeral port, and every check compares the page with the published files.
"""

from __future__ import annotations

import csv
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_sources import DerivedSummary, ExampleCatalog
from werkzeug.serving import make_server

from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.services import Services

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("OPENDATA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"chromium not found at {CHROMIUM}: install Debian's (apt-get install -y chromium) "
        "or set OPENDATA_CHROMIUM",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def published(make_services: Any) -> Services:
    services: Services = make_services(
        ExampleCatalog, DerivedSummary, options={"example_catalog": {"rows": 30}}
    )
    for name in ("example_catalog", "derived_summary"):
        assert refresh(services, name).status is RunStatus.PUBLISHED
    return services


@pytest.fixture
def base_url(published: Services, config: dict[str, Any]) -> Iterator[str]:
    """The app over the same instance and datasets folders, on a free local port."""
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


def published_file(services: Services, dataset: str, name: str) -> Path:
    current = services.catalog.current_version(dataset)
    assert current is not None
    return services.version_dir(dataset, current["id"]) / name


def table_text(page: Any, selector: str) -> list[list[str]]:
    """Cell texts of each body row of the table at ``selector``."""
    return [
        [cell.strip() for cell in row]
        for row in page.eval_on_selector_all(
            f"{selector} tbody tr",
            "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))",
        )
    ]


def offline_guard(page: Any, base_url: str) -> list[str]:
    """Collect every request that leaves the server under test (there must be none)."""
    outside: list[str] = []

    def note(request: Any) -> None:
        if not request.url.startswith((base_url, "data:")):
            outside.append(request.url)

    page.on("request", note)
    return outside


def test_search_open_dataset_read_dictionary_preview_and_download(
    browser: Any, base_url: str, published: Services, tmp_path: Path
) -> None:
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside = offline_guard(page, base_url)

    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "数据目录"
    # 核心 is a two-character word of example_catalog's description only
    page.get_by_label("搜索数据集").fill("核心")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/?q=*")
    results = page.locator("li.dataset h2 a")
    assert results.all_inner_texts() == ["示例公开目录"]
    page.screenshot(path=str(tmp_path / "portal-search.png"), full_page=True)

    results.first.click()
    page.wait_for_url("**/datasets/example_catalog")
    assert page.locator("h1").inner_text() == "示例公开目录"

    descriptor = json.loads(
        published_file(published, "example_catalog", "datapackage.json").read_text("utf-8")
    )
    entries = next(r for r in descriptor["resources"] if r["name"] == "entries")
    dictionary = table_text(page, "#resource-entries table.dictionary")
    assert [(row[0], row[1], row[2]) for row in dictionary] == [
        (f["name"], f["title"], f["type"]) for f in entries["schema"]["fields"]
    ]

    csv_path = published_file(published, "example_catalog", "entries.csv")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        published_rows = list(csv.reader(fh))
    assert table_text(page, "#resource-entries table.preview") == published_rows[1:21]

    with page.expect_download() as info:
        page.locator('#resource-entries a[data-format="csv"]').click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".csv")
    assert Path(download.path()).read_bytes() == csv_path.read_bytes()

    shot = tmp_path / "portal-dataset.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == [] and outside == []
    context.close()


def test_language_switch_refresh_log_and_narrow_screen(
    browser: Any, base_url: str, published: Services, tmp_path: Path
) -> None:
    with_crash = published
    from conftest import make_registry

    with_crash.registry = make_registry(
        ExampleCatalog, options={"example_catalog": {"rows": 30, "mode": "crash"}}
    )
    assert refresh(with_crash, "example_catalog").status is RunStatus.FAILED

    # a phone-sized screen: the catalogue must not need sideways scrolling
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    outside = offline_guard(page, base_url)
    page.goto(base_url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(tmp_path / "portal-mobile.png"), full_page=True)

    page.get_by_role("link", name="更新记录").click()
    page.wait_for_url("**/runs")
    failed = page.locator("tr.run.failed")
    assert failed.count() == 1
    # Anonymous readers see the core's summary of the failure, never the source's own text.
    assert "source failed: the origin could not be read" in failed.inner_text()
    assert "origin file broken at record 15" not in failed.inner_text()
    assert "失败" in failed.inner_text()

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/runs?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Refresh log"
    # the choice follows the visitor to other pages
    page.get_by_role("link", name="示例公开目录").first.click()
    page.wait_for_url("**/datasets/example_catalog?lang=en")
    assert page.get_by_text("The last refresh failed").count() == 1
    assert page.locator("h1").inner_text() == "示例公开目录"  # data stays as published
    shot = tmp_path / "portal-dataset-en.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert outside == []
    context.close()


#: Screenshots kept to be looked at (git-ignored build/), or where OPENDATA_TEST_ARTEFACTS says.
ARTEFACTS = Path(
    os.environ.get(
        "OPENDATA_TEST_ARTEFACTS",
        Path(__file__).resolve().parent.parent / "build" / "test-artefacts",
    )
)


def test_dataset_page_at_phone_width(browser: Any, base_url: str, published: Services) -> None:
    """At 390 px the dataset page needs no sideways scrolling and its dictionary is one card per
    field (the 中文标题 column was squeezed to a character or two a line)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    outside = offline_guard(page, base_url)
    page.goto(base_url + "/datasets/example_catalog")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator("#resource-entries table.dictionary tbody tr").nth(1)
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    box = card.bounding_box()
    assert box is not None and box["width"] > 300  # a card across the screen, not a column
    title = card.locator("td").first
    assert title.inner_text() == "信息名称"
    # name, title and type share the card's first line
    tops = [card.locator(s).first.bounding_box()["y"] for s in ("th", "td >> nth=0", "td >> nth=1")]
    assert max(tops) - min(tops) < 5
    buttons = page.locator("#resource-entries ul.downloads a[data-format^=csv]")
    assert buttons.first.get_attribute("data-format") == "csv-excel"
    assert buttons.first.inner_text() == "CSV（适用于 Excel）"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "portal-dataset-mobile.png"), full_page=True)
    assert outside == []
    context.close()
