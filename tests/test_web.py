"""The portal through Flask's test client, over packages the real pipeline published."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from example_sources import DerivedSummary, ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.services import Services

# -- a small HTML reader (the standard library's parser; no extra dependency) ---------------


@dataclass
class Table:
    classes: list[str]
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    """Tables (with captions and cell text), links, and the JSON-LD scripts of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.links: list[dict[str, str]] = []
        self.jsonld: list[Any] = []
        self.html_lang = ""
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._link: dict[str, str] | None = None
        self._script: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        elif tag == "table":
            self.tables.append(Table(a.get("class", "").split()))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")
        elif tag == "a":
            self._link = {**a, "text": ""}
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1].caption = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1].rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "a" and self._link is not None:
            self._link["text"] = self._link["text"].strip()
            self.links.append(self._link)
            self._link = None
        elif tag == "script" and self._script is not None:
            self.jsonld.append(json.loads("".join(self._script)))
            self._script = None

    def handle_data(self, data: str) -> None:
        for sink in (self._cell, self._caption, self._script):
            if sink is not None:
                sink.append(data)
        if self._link is not None:
            self._link["text"] += data

    def table(self, cls: str, caption_has: str = "") -> Table:
        return next(t for t in self.tables if cls in t.classes and caption_has in t.caption)

    def hrefs(self, text: str) -> list[str]:
        return [link.get("href", "") for link in self.links if link["text"] == text]


def page(client: FlaskClient, url: str, status: int = 200, **kwargs: Any) -> tuple[Page, str]:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    assert response.mimetype_params.get("charset") == "utf-8"
    html = response.get_data(as_text=True)
    return Page(html), html


# -- fixtures -----------------------------------------------------------------------------


def with_options(services: Services, **options: Any) -> None:
    from conftest import make_registry

    services.registry = make_registry(
        ExampleCatalog, DerivedSummary, options={"example_catalog": options}
    )


@pytest.fixture
def services(make_services: Any) -> Services:
    """Both example datasets published by the real pipeline (30 entries: more than a preview)."""
    svc: Services = make_services(
        ExampleCatalog, DerivedSummary, options={"example_catalog": {"rows": 30}}
    )
    for name in ("example_catalog", "derived_summary"):
        result = refresh(svc, name)
        assert result.status is RunStatus.PUBLISHED, result.error
    return svc


@pytest.fixture
def app(services: Services, config: dict[str, Any]) -> Flask:
    return create_app({**config, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def published_csv(services: Services, dataset: str, resource: str) -> list[list[str]]:
    current = services.catalog.current_version(dataset)
    assert current is not None
    path: Path = services.version_dir(dataset, current["id"]) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# -- the catalogue ------------------------------------------------------------------------


def test_catalogue_lists_every_dataset_with_its_metadata(client: FlaskClient) -> None:
    doc, html = page(client, "/")
    assert doc.html_lang == "zh-CN"
    assert '<meta charset="utf-8">' in html
    assert "数据目录" in html and "共 2 个数据集" in html
    for text in (
        "示例公开目录",
        "核心测试使用的示例数据源",
        "测试机关",
        "公开目录条目",
        "发布渠道",
        "示例统计",
        "按主题分类统计",
        "按时更新",
    ):
        assert text in html, text
    assert "/datasets/example_catalog" in doc.hrefs("示例公开目录")
    assert "/datasets/derived_summary" in doc.hrefs("示例统计")
    # keywords and publisher are facet links
    assert "/?keyword=%E6%B5%8B%E8%AF%95" in doc.hrefs("测试")
    assert any(h.startswith("/?publisher=") for h in doc.hrefs("测试机关"))


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("示例", {"example_catalog", "derived_summary"}),  # both titles
        ("派生", {"derived_summary"}),  # a description only
        ("公开目录", {"example_catalog", "derived_summary"}),  # a keyword; derived's description
        ("渠道", {"example_catalog"}),  # a field title (公开渠道) and resource title (发布渠道)
        ("信息名称", {"example_catalog"}),  # a field title only
        ("条目数", {"derived_summary"}),  # a field title; 条目 alone is in both datasets
        ("示例 渠道", {"example_catalog"}),  # every term must match
        ("档案馆", set()),  # a two-character overlap (档案) is not enough for a longer word
        ("统计 渠道", set()),
    ],
)
def test_search_finds_chinese_words_in_titles_descriptions_keywords_fields(
    client: FlaskClient, q: str, found: set[str]
) -> None:
    doc, html = page(client, "/", query_string={"q": q})
    listed = {
        link["href"].rsplit("/", 1)[-1]
        for link in doc.links
        if link.get("href", "").startswith("/datasets/")
    }
    assert listed == found
    assert f"“{q}”的搜索结果：{len(found)} 个数据集" in html
    if not found:
        assert "没有找到匹配的数据集" in html


@pytest.mark.parametrize("q", ["示例", "公开", "渠道 示例", "主题", "档案馆", "测试机关"])
def test_portal_and_api_search_agree(client: FlaskClient, q: str) -> None:
    doc, _ = page(client, "/", query_string={"q": q})
    on_page = [
        link["href"].rsplit("/", 1)[-1]
        for link in doc.links
        if link.get("href", "").startswith("/datasets/")
    ]
    api = client.get("/api/v1/datasets", query_string={"q": q}).get_json()
    assert on_page == [item["name"] for item in api["items"]]


def test_search_matches_a_two_character_word_inside_a_longer_one(client: FlaskClient) -> None:
    # 主题 occurs only inside the field title 主题分类 (both datasets have such a field)
    doc, _ = page(client, "/?q=主题")
    assert {h for link in doc.links if (h := link.get("href", "")).startswith("/datasets/")} == {
        "/datasets/example_catalog",
        "/datasets/derived_summary",
    }


def test_facets_filter_by_keyword_and_publisher(client: FlaskClient) -> None:
    _, html = page(client, "/?keyword=测试")
    assert "共 1 个数据集" in html and "示例统计" not in html
    _, html = page(client, "/?publisher=测试机关")
    assert "共 2 个数据集" in html
    _, html = page(client, "/?publisher=别的机关")
    assert "共 0 个数据集" in html and "清除筛选" in html


# -- a dataset ----------------------------------------------------------------------------


def test_dataset_page_shows_metadata_licence_version(
    client: FlaskClient, services: Services
) -> None:
    doc, html = page(client, "/datasets/example_catalog")
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    assert "<h1>示例公开目录</h1>" in html and "核心测试使用的示例数据源" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in doc.hrefs(
        "Creative Commons Attribution 4.0"
    )
    assert f"<code>{current['id']}</code>" in html
    versions = doc.table("versions")
    assert versions.rows[1][0].startswith(current["id"]) and "当前版本" in versions.rows[1][0]


def test_data_dictionary_lists_published_fields(client: FlaskClient) -> None:
    doc, html = page(client, "/datasets/example_catalog")
    table = doc.table("dictionary", "公开目录条目")
    assert table.rows[0] == ["字段名", "中文标题", "类型", "约束", "说明"]
    by_name = {row[0]: row for row in table.rows[1:]}
    # the private field the pipeline dropped is not described either
    assert list(by_name) == [
        "id",
        "title",
        "category",
        "published",
        "amount",
        "disclosure",
        "contact",
    ]
    assert by_name["id"][1:4] == ["编号", "integer", "必填；主键"]
    assert by_name["category"][1] == "主题分类"
    assert by_name["category"][3] == "取值：财政、档案、许可、服务"
    assert by_name["published"][2] == "date"
    assert "申请人" not in html and "王秘密" not in html
    channels = doc.table("dictionary", "发布渠道")
    assert [r[0] for r in channels.rows[1:]] == ["entry_id", "channel"]
    assert "外键" in html and 'href="#resource-entries"' in html


def test_preview_shows_the_first_rows_of_the_published_csv(
    client: FlaskClient, services: Services
) -> None:
    doc, _ = page(client, "/datasets/example_catalog")
    published = published_csv(services, "example_catalog", "entries")
    assert len(published) - 1 == 27  # 30 entries, 3 withheld (不予公开)
    table = doc.table("preview", "公开目录条目")
    assert table.caption == "数据预览：公开目录条目（前 20 行，共 27 行）"
    header = [cell.split("\n") for cell in table.rows[0]]
    assert [h[-1] for h in header] == published[0]  # field names under their Chinese titles
    assert header[1][0] == "信息名称"
    assert table.rows[1:] == published[1:21]


def test_download_and_api_links(client: FlaskClient) -> None:
    doc, _ = page(client, "/datasets/example_catalog")
    api = "/api/v1/datasets/example_catalog"
    csv_links = doc.hrefs("CSV（供程序读取）")
    assert f"{api}/resources/entries.csv" in csv_links
    assert f"{api}/resources/channels.csv" in csv_links
    assert f"{api}/resources/entries.csv?bom=1" in doc.hrefs("CSV（适用于 Excel）")
    assert f"{api}/resources/entries.json" in doc.hrefs("JSON")
    assert f"{api}/resources/entries.xlsx" in doc.hrefs("XLSX")
    assert doc.hrefs("整个数据包（ZIP）") == [f"{api}/download.zip"]
    assert f"{api}/resources/entries/rows?_size=100" in doc.hrefs("按条件查询（API）")


def test_every_api_link_on_the_dataset_page_works(client: FlaskClient, services: Services) -> None:
    doc, _ = page(client, "/datasets/example_catalog")
    links = {link["href"] for link in doc.links if link.get("href", "").startswith("/api/v1/")}
    assert len(links) >= 15
    for href in sorted(links):
        assert client.get(href).status_code == 200, href
    # the CSV link serves the published file itself
    response = client.get("/api/v1/datasets/example_catalog/resources/entries.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    folder = services.version_dir("example_catalog", current["id"])
    assert response.data == (folder / "entries.csv").read_bytes()


def test_schema_org_jsonld_is_embedded(client: FlaskClient, services: Services) -> None:
    doc, html = page(client, "/datasets/example_catalog")
    assert len(doc.jsonld) == 1
    data = doc.jsonld[0]
    assert data["@type"] == "Dataset"
    assert data["name"] == "示例公开目录"
    assert "creativecommons.org/licenses/by/4.0" in json.dumps(data)
    # the same document the API serves for search engines and harvesters
    served = client.get("/dataset/example_catalog.schema.jsonld")
    assert served.status_code == 200 and served.get_json(force=True) == data
    # JSON inside <script> must not be able to close the element
    assert "</script" not in html.split('type="application/ld+json">', 1)[1].split("</script>")[0]


def test_last_failed_run_is_announced_and_previous_version_kept(
    client: FlaskClient, services: Services
) -> None:
    before = services.catalog.current_version("example_catalog")
    with_options(services, rows=30, mode="crash")
    assert refresh(services, "example_catalog").status is RunStatus.FAILED
    _, html = page(client, "/datasets/example_catalog")
    assert "最近一次更新失败" in html and "source failed: the origin could not be read" in html
    assert "origin file broken" not in html  # the exception text is for token holders only
    assert before is not None and f"<code>{before['id']}</code>" in html


def test_a_dataset_never_published_has_a_page_without_data(
    make_services: Any, config: dict[str, Any]
) -> None:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"mode": "crash"}})
    assert refresh(svc, "example_catalog").status is RunStatus.FAILED
    client = create_app({**config, "TESTING": True}).test_client()
    doc, html = page(client, "/datasets/example_catalog")
    assert "尚未发布任何版本" in html and not doc.tables
    assert doc.jsonld == []  # nothing to download yet: not a Dataset for search engines
    _, html = page(client, "/")
    assert "尚未发布" in html


@pytest.mark.parametrize(
    "name", ["no_such_dataset", "Example_Catalog", "bad-name", "1abc", "a" * 65]
)
def test_unknown_or_invalid_dataset_is_a_chinese_404(client: FlaskClient, name: str) -> None:
    doc, html = page(client, f"/datasets/{name}", status=404)
    assert doc.html_lang == "zh-CN"
    assert "未找到" in html and "没有名为" in html and "返回数据目录" in html


# -- the refresh log ----------------------------------------------------------------------


def test_runs_page_shows_counts_withheld_and_failures(
    client: FlaskClient, services: Services
) -> None:
    with_options(services, rows=30, mode="invalid")
    failed = refresh(services, "example_catalog")
    assert failed.status is RunStatus.FAILED
    doc, _ = page(client, "/runs")
    runs = doc.table("runs")
    assert runs.rows[0][:3] == ["#", "数据集", "状态"]
    by_id = {row[0]: row for row in runs.rows[1:]}
    assert len(by_id) == 3
    bad = by_id[str(failed.run_id)]
    assert bad[1] == "示例公开目录" and bad[2] == "失败"
    assert bad[8].startswith("validation: 1 error in resource entries")
    assert failed.error and failed.error[:40] not in bad[8]  # the summary, not the text
    first = by_id["1"]
    assert first[2] == "已发布"
    assert "entries: 27" in first[6] and "channels: 27" in first[6]
    assert "entries · 不予公开: 3" in first[7] and "applicant" in first[7]
    # only failures
    doc, _ = page(client, "/runs?status=failed")
    assert [row[0] for row in doc.table("runs").rows[1:]] == [str(failed.run_id)]
    doc, _ = page(client, "/runs?dataset=derived_summary")
    assert {row[1] for row in doc.table("runs").rows[1:]} == {"示例统计"}


# -- languages ----------------------------------------------------------------------------


def test_english_ui_by_query_or_accept_language(client: FlaskClient) -> None:
    doc, html = page(client, "/?lang=en")
    assert doc.html_lang == "en"
    assert "Data catalogue" in html and "数据目录" not in html
    assert "示例公开目录" in html  # data stays as published
    # the explicit choice is carried on the portal's own links
    assert "/datasets/example_catalog?lang=en" in doc.hrefs("示例公开目录")
    response = client.get("/runs", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Refresh log" in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]
    # ?lang wins over the header; Chinese is the default
    _, html = page(client, "/?lang=zh", headers={"Accept-Language": "en"})
    assert "数据目录" in html
    _, html = page(client, "/", headers={"Accept-Language": "fr"})
    assert "数据目录" in html
    doc, html = page(client, "/datasets/nothing_here?lang=en", status=404)
    assert "There is no dataset named" in html


def test_stylesheet_is_served_locally(client: FlaskClient) -> None:
    _, html = page(client, "/")
    head = html.split("</head>")[0]
    assert 'href="http' not in head and "<script src" not in html  # offline: nothing remote
    response = client.get("/portal-static/portal.css")
    assert response.status_code == 200 and b"font-family" in response.data


def test_first_csv_button_is_the_excel_one_and_each_resource_has_a_table_view(
    client: FlaskClient,
) -> None:
    doc, html = page(client, "/datasets/example_catalog")
    formats = [
        link.get("data-format")
        for link in doc.links
        if link.get("data-format", "").startswith("csv")
    ]
    assert formats[:2] == ["csv-excel", "csv"]
    assert "CSV（适用于 Excel）" in html
    for res in ("entries", "channels"):
        assert f"/datasets/example_catalog/{res}" in doc.hrefs("浏览、筛选数据")
        assert client.get(f"/datasets/example_catalog/{res}").status_code == 200


def test_a_pattern_reads_as_an_example_value_when_the_data_give_one() -> None:
    from opendata.web.formatting import constraints_text

    constraints = {"required": True, "pattern": "^[0-9]{4}-[0-9]{3}$"}
    assert constraints_text(constraints, "zh", "2018-001") == ["必填", "格式如：2018-001"]
    assert constraints_text(constraints, "en", "2018-001") == ["required", "looks like: 2018-001"]
    assert constraints_text(constraints, "zh") == ["必填", "格式：^[0-9]{4}-[0-9]{3}$"]
