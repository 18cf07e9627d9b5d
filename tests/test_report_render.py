"""The annual report rendered: HTML (in Chromium, with a screenshot kept), DOCX read back with
python-docx, PDF text extracted with pdftotext, each compared figure by figure with the model it
was drawn from; building twice gives the same bytes; the portal's page, downloads and deadlines.

The models are made here with a distinct value in every cell (so a cell drawn in the wrong place
cannot pass); the portal tests build the report from the built-in sources' published samples.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from opendata.report.formats import SHEET, TABLE2, TABLE3, TABLE4
from opendata.report.layout import MISSING
from opendata.report.model import Cell, Report, SourceRef
from opendata.report.render import render, render_html
from opendata.sources.sync import registry_of

REPO = Path(__file__).resolve().parent.parent
#: Screenshots are kept here (git-ignored ``build/``), or where OPENDATA_TEST_ARTEFACTS says.
ARTEFACTS = Path(os.environ.get("OPENDATA_TEST_ARTEFACTS", REPO / "build" / "test-artefacts"))
CHROMIUM = os.environ.get("OPENDATA_CHROMIUM", "/usr/bin/chromium")
BODY = "吉林经开区管委会"


def report_2021(year: int = 2022) -> Report:
    """A 2021-format report with a different figure in every cell and a source for each."""
    report = Report(
        year,
        "2021",
        date(year + 1, 1, 20),
        body=BODY,
        sections={
            "1": "# （一）主动公开\n本年度主动公开政府信息工作平稳推进。\n\n- 完善了公开目录。",
            "5": "存在的主要问题是解读不够及时。",
        },
        built_from={
            "disclosure_requests": "20260101T000000Z",
            "disclosure_catalog": "20260102T000000Z",
        },
    )
    n = 0
    for code in (TABLE2, TABLE3, TABLE4):
        spec = report.spec(code)
        for row in spec.rows:
            for col in spec.columns_of(row.code):
                n += 1
                value: int | Decimal = Decimal(f"{n}.25") if col == "amount" else n
                ref = SourceRef(
                    "disclosure_requests", "20260101T000000Z", code, f"year={year} AND cell={n}"
                )
                report.set(code, row.code, col, Cell(value, ref))
    return report


def report_pre2019() -> Report:
    """The founding report's figures, in the pre-2019 format (prose + provincial sheet)."""
    report = Report(
        2018, "pre-2019", date(2019, 1, 2), body=BODY, sections={"1": "本报告由概述等部分组成。"}
    )
    figures = {
        "proactive.total": 2790,
        "proactive.gov_open_site": 302,
        "proactive.portal": 521,
        "proactive.wechat": 963,
        "proactive.other": 1004,
        "response.total": 37,
        "response.press_conference": 1,
        "response.online_interview": 1,
        "response.policy_reading": 10,
        "response.weibo_wechat": 17,
        "response.other": 8,
        "application.received": 2,
        "application.completed": 2,
    }
    for row, value in figures.items():
        report.set(SHEET, row, "value", value)
    return report


def expected_cells(report: Report, table: str) -> dict[str, str]:
    """``row|column`` → the figure as printed, for every cell the model has."""
    return {
        f"{row}|{col}": str(cell.value)
        for row, cols in report.tables.get(table, {}).items()
        for col, cell in cols.items()
    }


class CellReader(HTMLParser):
    """Collects ``data-cell`` figures (and their ``title``) per table id from an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.table = ""
        self.cells: dict[str, dict[str, tuple[str, str]]] = {}
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("data-table") or ""
            self.cells.setdefault(self.table, {})
        if tag == "td" and a.get("data-cell"):
            self._open = (a["data-cell"] or "", a.get("title") or "")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open:
            key, title = self._open
            self.cells[self.table][key] = ("".join(self._text), title)
            self._open = None


def html_cells(html: str) -> dict[str, dict[str, tuple[str, str]]]:
    reader = CellReader()
    reader.feed(html)
    return reader.cells


# ------------------------------------------------------------------------------------- HTML


def test_html_shows_every_figure_with_its_source_and_is_deterministic() -> None:
    report = report_2021()
    first = render(report, "html")
    assert render(report_2021(), "html") == first  # same model, same bytes
    html = first.decode("utf-8")
    cells = html_cells(html)
    for table in (TABLE2, TABLE3, TABLE4):
        shown = {key: text for key, (text, _title) in cells[table].items()}
        assert shown == expected_cells(report, table), table
        for key, (_text, title) in cells[table].items():
            row, col = key.split("|")
            ref = report.cell(table, row, col).source  # type: ignore[union-attr]
            assert ref is not None and title.endswith(ref.filter) and ref.version in title
    # The layout of such reports: title, the six sections in order, the format and versions.
    assert "<h1>吉林经开区管委会2022年政府信息公开工作年度报告</h1>" in html
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == [s.label for s in report.format.sections]
    assert "国办公开办函〔2021〕30号" in html
    assert "disclosure_catalog 20260102T000000Z；disclosure_requests 20260101T000000Z" in html
    assert "<h3>（一）主动公开</h3>" in html and "<p>完善了公开目录。</p>" in html
    # Sections the office has not written are marked, never filled with invented text.
    assert html.count(MISSING) == 4
    assert "2023年1月20日" in html
    assert "@page" in html and "size: A4" in html and "border-collapse: collapse" in html


def test_html_escapes_the_offices_paragraphs() -> None:
    report = report_2021()
    report.sections["6"] = '<script>alert("x")</script> 其他事项'
    html = render_html(report).decode("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_pre2019_report_prints_its_provincial_sheet() -> None:
    report = report_pre2019()
    html = render_html(report).decode("utf-8")
    shown = {k: text for k, (text, _t) in html_cells(html)[SHEET].items()}
    assert shown["proactive.total|value"] == "2790"
    assert shown["response.total|value"] == "37"
    assert shown["proactive.weibo|value"] == "—"  # absent, not an invented zero
    assert {k: v for k, v in shown.items() if v != "—"} == expected_cells(report, SHEET)
    assert re.findall(r"<h2>([^<]+)</h2>", html) == [s.label for s in report.format.sections]
    assert "2019年1月2日" in html


# ------------------------------------------------------------------------------------- DOCX


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    out = []
    for table in document.tables:
        rows = []
        for row in table.rows:
            texts: list[str] = []
            for cell in row.cells:  # a merged cell repeats: keep it once
                if not texts or cell._tc is not row.cells[len(texts) - 1]._tc:
                    texts.append(cell.text)
                else:
                    texts.append(None)  # type: ignore[arg-type]
            rows.append([t for t in texts if t is not None])
        out.append(rows)
    return out


def test_docx_reads_back_with_the_models_figures_fonts_and_ruled_tables() -> None:
    report = report_2021()
    data = render(report, "docx")
    document = Document(io.BytesIO(data))
    assert [t.style.name for t in document.tables] == ["Table Grid"] * 3
    table2, table3, table4 = docx_tables(data)

    spec3 = report.spec(TABLE3)
    by_label = {row[0]: row[1:] for row in table3 if len(row) == 8}
    for row in spec3.rows:
        want = [str(report.value(TABLE3, row.code, c.code)) for c in spec3.columns]
        assert by_label[row.label] == want, row.code

    spec2 = report.spec(TABLE2)
    rows2 = {row[0]: row[1:] for row in table2}
    for row in spec2.rows:
        want = [str(report.value(TABLE2, row.code, c)) for c in spec2.columns_of(row.code)]
        assert rows2[row.label] == want, row.code
    assert rows2["行政事业性收费"] == [str(report.value(TABLE2, "20.8.fees", "amount"))]

    spec4 = report.spec(TABLE4)
    assert table4[-1] == [str(report.value(TABLE4, "all", c.code)) for c in spec4.columns]
    assert table4[0] == ["行政复议", "行政诉讼"]
    # 行政复议 spans two heading rows (python-docx gives a vertically merged cell on each row)
    assert table4[1] == ["行政复议", "未经复议直接起诉", "复议后起诉"]

    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "吉林经开区管委会2022年政府信息公开工作年度报告"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.label for s in report.format.sections]
    assert paragraphs.count(MISSING) == 4
    # Chinese text in 仿宋 (body) and 黑体 (title, headings, table heads), set where Word looks.
    east_asian = {
        run._r.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for run in p.runs
    }
    assert east_asian == {"仿宋", "黑体"}
    title_font = document.paragraphs[0].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia"))
    assert title_font == "黑体"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # No clock: dated by the report, and the same bytes when built again.
    assert document.core_properties.created.date() == date(2023, 1, 20)
    assert document.core_properties.modified.date() == date(2023, 1, 20)
    assert render(report_2021(), "docx") == data


# -------------------------------------------------------------------------------------- PDF


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found: apt-get install -y poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


def test_pdf_text_holds_the_title_sections_and_figures(tmp_path: Path) -> None:
    report = report_2021()
    data = render(report, "pdf")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "吉林经开区管委会2022年政府信息公开工作" in flat
    for section in report.format.sections:
        assert section.label in flat
    # Table 三 row by row: the label's last characters, then the seven figures in order.
    spec3 = report.spec(TABLE3)
    lines = text.splitlines()
    for code in ("1", "2", "3.1", "3.7", "4"):
        row = spec3.row(code)
        want = [str(report.value(TABLE3, code, c.code)) for c in spec3.columns]
        line = next(line for line in lines if line.strip().startswith(row.label[:8]))
        assert re.findall(r"\d+", line.split(row.label[-4:])[-1])[-7:] == want, code
    assert str(report.value(TABLE2, "20.8.fees", "amount")) in text
    # The first page as an image, kept beside the screenshots: an A4 page (210 × 297 mm).
    if shutil.which("pdftoppm"):
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        (tmp_path / "report.pdf").write_bytes(data)
        prefix = ARTEFACTS / "report-annual-2022-pdf"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(tmp_path / "report.pdf"),
                str(prefix),
            ],
            check=True,
        )
        png = prefix.with_suffix(".png").read_bytes()
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert abs(height / width - 297 / 210) < 0.01
    # No clock: a second build has the same bytes (the same content a fortiori).
    assert render(report_2021(), "pdf") == data


# ---------------------------------------------------------------------------------- Chromium


@pytest.mark.browser
def test_html_in_chromium_is_an_a4_report_with_chinese_fonts_and_ruled_tables(
    tmp_path: Path,
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_bytes(render_html(report_2021()))
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            # A4 at 96 dpi: 794 px wide.
            page = browser.new_page(viewport={"width": 794, "height": 1123}, locale="zh-CN")
            page.emulate_media(media="print")
            page.goto(page_file.as_uri())
            style = page.evaluate(
                """() => {
                  const s = (sel) => getComputedStyle(document.querySelector(sel));
                  return {
                    body: s('.report p').fontFamily, h1: s('.report h1').fontFamily,
                    h2: s('.report h2').fontFamily, align: s('.report h1').textAlign,
                    collapse: s('.report table').borderCollapse,
                    border: s('.report td.num').borderTopStyle,
                    width: s('.report td.num').borderTopWidth,
                  };
                }"""
            )
            assert style["body"].startswith("FangSong")
            assert style["h1"].startswith("SimHei") and style["h2"].startswith("SimHei")
            assert style["align"] == "center"
            assert (style["collapse"], style["border"]) == ("collapse", "solid")
            assert style["width"] != "0px"
            # The source of a figure is on the cell, for the hover.
            title = page.get_attribute('td[data-cell="1|total"]', "title")
            assert title is not None and "disclosure_requests 20260101T000000Z" in title
            # The Chinese text is drawn with a CJK font: the title is wider than 20 ASCII boxes.
            assert page.evaluate("document.querySelector('.report h1').offsetWidth") > 400
            shot = ARTEFACTS / "report-annual-2022-print.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            assert pdf.startswith(b"%PDF-")
        finally:
            browser.close()


# ------------------------------------------------------------------------------------ portal

BUILT_IN = [
    "disclosure_catalog",
    "service_hall",
    "archive_room",
    "fiscal_data",
    "disclosure_requests",
    "annual_reports",
]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The portal over the built-in sources' samples, refreshed by the real pipeline."""
    from opendata.app import create_app
    from opendata.config import load_config
    from opendata.pipeline.refresh import RunStatus, refresh
    from opendata.services import Services
    from opendata.sources.discovery import refresh_order
    from opendata.testing import prepare_database

    root = tmp_path_factory.mktemp("report-portal")
    config = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
            "SOURCES_ENABLED": BUILT_IN,
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    assert not registry_of(services).refused, {
        k: str(v) for k, v in registry_of(services).refused.items()
    }
    for name in refresh_order(registry_of(services).sources):
        result = refresh(services, name)
        assert result.status is RunStatus.PUBLISHED, f"{name}: {result.error}"
    app = create_app(config)
    yield app.test_client(), services
    services.close()


def published_rows(services: Any, dataset: str, resource: str) -> list[dict[str, str]]:
    current = services.catalog.current_version(dataset)
    path = services.version_dir(dataset, current["id"]) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_portal_report_page_shows_the_computed_report_with_downloads(portal: Any) -> None:
    client, services = portal
    api = client.get("/api/v1/reports/annual/2018").get_json()
    page = client.get("/reports/annual/2018")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    # The founding report's year: its provincial sheet, each figure as the API computes it.
    shown = {k: text for k, (text, _t) in html_cells(html)[SHEET].items()}
    for cell in api["report"]["tables"]["sheet"]:
        assert shown[f"{cell['row']}|{cell['column']}"] == str(cell["value"])
    assert shown["proactive.total|value"] == "2790"
    # Every computed figure names its source on hover: dataset and version.
    titles = [t for _text, t in html_cells(html)[SHEET].values() if t]
    assert titles and all(
        "disclosure_" in t or "service_hall" in t or "fiscal_data" in t for t in titles
    )
    version = services.catalog.current_version("disclosure_catalog")["id"]
    assert f"disclosure_catalog {version}" in html
    assert 'href="/reports/annual/2018.docx"' in html and 'href="/reports/annual/2018.pdf"' in html
    assert 'href="/api/v1/reports/annual/2018"' in html
    assert "report-print.css" in html and "size: A4" in html

    docx = client.get("/reports/annual/2018.docx")
    assert docx.status_code == 200
    assert docx.headers["Content-Disposition"] == 'attachment; filename="annual-report-2018.docx"'
    document = Document(io.BytesIO(docx.get_data()))
    sheet = {row.cells[0].text: row.cells[1].text for row in document.tables[-1].rows}
    assert sheet["主动公开政府信息（条）"] == "2790"
    assert docx.get_data() == client.get("/reports/annual/2018.docx").get_data()
    etag = docx.headers["ETag"]
    again = client.get("/reports/annual/2018.docx", headers={"If-None-Match": etag})
    assert again.status_code == 304

    pdf = client.get("/reports/annual/2018.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF-")

    english = client.get("/reports/annual/2018?lang=en").get_data(as_text=True)
    assert (
        "Word (DOCX)" in english and "主动公开政府信息（条）" in english
    )  # the report stays Chinese


def test_portal_report_of_a_year_without_data_is_a_404_page(portal: Any) -> None:
    client, _services = portal
    for url in ("/reports/annual/2008", "/reports/annual/2999", "/reports/annual/2008.pdf"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "您访问的页面不存在" in response.get_data(as_text=True)


def test_home_page_lists_each_years_report_and_its_due_date(portal: Any) -> None:
    client, services = portal
    published = {int(r["year"]) for r in published_rows(services, "annual_reports", "reports")}
    assert published  # the samples give reports that pass the rules
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    block = html[html.index('id="annual-reports"') :]
    rows = re.findall(
        r'<tr data-year="(\d+)" class="(\w+)">.*?<time datetime="([\d-]+)">.*?<td class="state">([^<]+)</td>',
        block,
        re.S,
    )
    years = {int(y): (cls, due, state) for y, cls, due, state in rows}
    assert published <= set(years)
    for year, (cls, due, state) in years.items():
        assert due == f"{year + 1}-01-31"  # 31 January of the next year
        if year in published:
            assert (cls, state) == ("published", "已发布")
        else:
            assert cls in ("overdue", "pending") and state.startswith("未发布")
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Annual disclosure reports" in english and "Due" in english


@pytest.mark.browser
def test_portal_report_page_in_chromium_prints_as_the_report_alone(portal: Any) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    import threading

    from werkzeug.serving import make_server

    client, _services = portal
    server = make_server("127.0.0.1", 0, client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
                outside: list[str] = []
                page.on(
                    "request",
                    lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url),
                )
                page.goto(base + "/")
                link = page.locator('#annual-reports tr[data-year="2018"] a')
                link.click()
                page.wait_for_url("**/reports/annual/2018")
                assert "2018年政府信息公开工作年度报告" in page.locator(".report h1").inner_text()
                total = page.locator('td[data-cell="proactive.total|value"]')
                assert total.inner_text() == "2790"
                assert "disclosure_catalog" in (total.get_attribute("title") or "")
                page.screenshot(path=str(ARTEFACTS / "portal-report-2018.png"), full_page=True)
                page.emulate_media(media="print")
                assert page.locator("header.site").is_hidden()
                assert page.locator(".report-actions").first.is_hidden()
                page.screenshot(
                    path=str(ARTEFACTS / "portal-report-2018-print.png"), full_page=True
                )
                assert outside == []
            finally:
                browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
