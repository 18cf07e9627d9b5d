"""Every input is bounded (issue 12, item 2): bodies, query strings, ``q`` on every surface,
integers in paths and queries, published cells, Range headers.

Each test here failed before its fix: a long repeated-word ``q`` took seconds per KB on
``datastore_search`` (a 260 KB one killed the worker on SQLite and was a 500 on PostgreSQL), a
``q`` object of 60,000 characters was a 500 on SQLite, a 50 MB body was read and echoed, a
1 MB ``q`` to ``package_search`` took 13.7 s, a 100 MB cell published and broke its downloads,
``Range: bytes=abc`` was 416.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from example_sources import ExampleCatalog
from flask.testing import FlaskClient

from opendata.app import create_app
from opendata.limits import Limits, distinct_terms
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.plugin import Row, fields
from opendata.services import Services
from opendata.store.fts import postgres_tsquery, query_phrases, sqlite_match

ROWS = 45
RES = "example_catalog.entries"
CKAN = "/api/3/action"


@pytest.fixture
def published(make_services: Callable[..., Any], database_url: str) -> Services:
    services: Services = make_services(
        ExampleCatalog, options={"example_catalog": {"rows": ROWS}}, DATABASE_URL=database_url
    )
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    return services


@pytest.fixture
def client(published: Services, config: dict[str, Any]) -> FlaskClient:
    app = create_app({**config, "DATABASE_URL": published.config["DATABASE_URL"]})
    return app.test_client()


def _ckan_validation(response: Any, key: str) -> str:
    assert response.status_code == 409, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["__type"] == "Validation Error"
    assert key in error, error
    return str(error[key][0])


def _native_400(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] and error["message"]
    return error


# -- q: the search texts -----------------------------------------------------------------


def test_repeated_words_are_one_phrase() -> None:
    q = " ".join(["档案"] * 13_000)  # the 26 KB q of the finding
    assert query_phrases(q) == [["档案"]]
    assert sqlite_match(q) == '"档案"'
    assert postgres_tsquery(q) == "(档案)"
    assert distinct_terms("a b a c b") == ["a", "b", "c"]


def test_limits_name_the_bound() -> None:
    limits = Limits(max_q_chars=12, max_q_terms=2, max_term_chars=4)
    pattern = re.compile(limits.q_pattern())
    assert limits.check_q("档案\u3000预算 ") == "档案\u3000预算 "
    assert pattern.match("档案\u3000预算 ")
    for bad, why in (("x" * 13, "characters"), ("a b a", "3 words"), ("abcde", "at most 4")):
        with pytest.raises(ValueError, match=why):
            limits.check_q(bad)
        assert why == "characters" or not pattern.match(bad)  # the document says the same


@pytest.mark.parametrize("size", [26_000, 130_000, 260_000])
def test_ckan_datastore_search_long_q_is_refused(client: FlaskClient, size: int) -> None:
    q = ("档案 " * (size // 3))[:size]
    # Bodies of 260 KB are within MAX_CONTENT_LENGTH (1 MiB): the q bound refuses them.
    response = client.post(f"{CKAN}/datastore_search", json={"resource_id": RES, "q": q})
    assert "characters" in _ckan_validation(response, "q")
    get = client.get(f"{CKAN}/datastore_search", query_string={"resource_id": RES, "q": q[:600]})
    assert "characters" in _ckan_validation(get, "q")


def test_ckan_datastore_search_many_words_is_refused(client: FlaskClient) -> None:
    q = " ".join(f"档案{i}" for i in range(20))
    response = client.post(f"{CKAN}/datastore_search", json={"resource_id": RES, "q": q})
    assert "20 words" in _ckan_validation(response, "q")


def test_ckan_repeated_word_q_still_searches(client: FlaskClient) -> None:
    # Within the bounds, a repeated word is the word once: the same rows as the word alone.
    once = client.post(f"{CKAN}/datastore_search", json={"resource_id": RES, "q": "档案室"})
    many = client.post(
        f"{CKAN}/datastore_search", json={"resource_id": RES, "q": " ".join(["档案室"] * 6)}
    )
    assert once.status_code == many.status_code == 200
    assert once.get_json()["result"]["total"] > 0
    assert many.get_json()["result"]["records"] == once.get_json()["result"]["records"]


def test_ckan_q_object_with_a_long_value_is_refused(client: FlaskClient) -> None:
    body = {"resource_id": RES, "q": {"title": "档" * 60_000}}
    assert "characters" in _ckan_validation(client.post(f"{CKAN}/datastore_search", json=body), "q")
    as_text = {"resource_id": RES, "q": json.dumps({"title": "a" * 300})}
    assert "characters" in _ckan_validation(
        client.get(f"{CKAN}/datastore_search", query_string=as_text), "q"
    )
    ok = client.post(f"{CKAN}/datastore_search", json={"resource_id": RES, "q": {"title": "档案"}})
    assert ok.status_code == 200 and ok.get_json()["result"]["total"] > 0


def test_ckan_package_search_long_q_is_refused(client: FlaskClient) -> None:
    q = "档案 " * 350_000  # ~1 MB: the 13.7 s of the finding; the body bound refuses it first
    response = client.post(f"{CKAN}/package_search", data=json.dumps({"q": q}))
    assert response.status_code == 413
    assert response.get_json()["error"]["__type"] == "Validation Error"
    smaller = client.post(f"{CKAN}/package_search", json={"q": "档案 " * 300})
    assert "characters" in _ckan_validation(smaller, "q")
    fq = client.get(f"{CKAN}/package_search", query_string={"fq": "tags:" + "x" * 300})
    assert "characters" in _ckan_validation(fq, "fq")
    found = client.get(f"{CKAN}/package_search", query_string={"q": "示例 示例 示例"})
    assert found.status_code == 200 and found.get_json()["result"]["count"] == 1
    # Matched in memory over tens of packages: long words are fine, only characters count.
    long_word = client.get(f"{CKAN}/package_search", query_string={"q": "a" * 100})
    assert long_word.status_code == 200 and long_word.get_json()["result"]["count"] == 0


def test_native_rows_q_and_contains_are_bounded(client: FlaskClient) -> None:
    rows = "/api/v1/datasets/example_catalog/resources/entries/rows"
    error = _native_400(client.get(rows, query_string={"q": "档案 " * 200}))
    assert error["code"] == "invalid_parameter" and "q" in error["details"]["parameters"]
    error = _native_400(client.get(rows, query_string={"q": "档" * 40}))
    assert "at most 16" in error["message"]
    error = _native_400(client.get(rows, query_string={"title__contains": "档" * 300}))
    assert error["code"] == "too_long" and error["details"]["parameter"] == "title__contains"
    ok = client.get(rows, query_string={"q": "档案室 档案室", "title__contains": "档案"})
    assert ok.status_code == 200 and ok.get_json()["total"] > 0
    search = client.get("/api/v1/datasets", query_string={"q": "x" * 300})
    assert _native_400(search)["code"] == "invalid_parameter"


def test_portal_and_dcat_bound_q_and_query_strings(client: FlaskClient) -> None:
    page = client.get("/", query_string={"q": "档案 " * 200})
    assert page.status_code == 400 and "at most 128" in page.get_data(as_text=True)
    assert client.get("/", query_string={"q": "x" * 100}).status_code == 200
    assert client.get("/", query_string={"q": "示例"}).status_code == 200
    long_query = "x=" + "a" * 9000
    dcat = client.get("/catalog.jsonld?" + long_query)
    assert dcat.status_code == 409 and dcat.get_json()["error"]["__type"] == "Validation Error"
    native = client.get("/api/v1/datasets?" + long_query)
    assert _native_400(native)["code"] == "too_long"
    ckan = client.get(f"{CKAN}/package_list?" + long_query)
    assert "query string" in _ckan_validation(ckan, "query")
    assert client.get("/?" + long_query).status_code == 400


def test_request_bodies_are_bounded(client: FlaskClient) -> None:
    body = b'{"resource_id": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    ckan = client.post(f"{CKAN}/datastore_search", data=body, content_type="application/json")
    assert ckan.status_code == 413
    assert b"xxxx" not in ckan.data  # refused from its length: never read, never echoed
    native = client.post("/api/v1/refresh", data=body, content_type="application/json")
    assert native.status_code == 413 and native.get_json()["error"]["code"] == "too_large"


def test_max_content_length_is_configurable(published: Services, config: dict[str, Any]) -> None:
    app = create_app(
        {**config, "DATABASE_URL": published.config["DATABASE_URL"], "MAX_CONTENT_LENGTH": 100}
    )
    client = app.test_client()
    small = client.post(f"{CKAN}/package_list", json={})
    assert small.status_code == 200
    big = client.post(f"{CKAN}/package_search", json={"q": "档案", "fq": " " * 200})
    assert big.status_code == 413


# -- integers out of range ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/runs/99999999999999999999999999",
        "/api/v1/datasets/example_catalog/versions/99999999999999999999999999",
        "/runs/99999999999999999999999999",
    ],
)
def test_path_integers_out_of_range_are_404(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/datasets/example_catalog/resources/entries/rows?_size=99999999999999999999",
        "/api/v1/datasets?_offset=99999999999999999999",
        "/api/v1/runs?_next=99999999999999999999",
        "/api/v1/datasets/example_catalog/resources/entries/rows?_next=" + "A" * 40,
    ],
)
def test_native_query_integers_out_of_range_are_400(client: FlaskClient, url: str) -> None:
    _native_400(client.get(url))


@pytest.mark.parametrize(
    "query",
    [
        {"resource_id": RES, "limit": "99999999999999999999999"},
        {"resource_id": RES, "offset": "99999999999999999999999"},
        {"resource_id": RES, "filters": json.dumps({"_id": {"gt": 10**30}})},
    ],
)
def test_ckan_integers_out_of_range(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get(f"{CKAN}/datastore_search", query_string=query)
    assert response.status_code in (200, 409), response.get_data(as_text=True)[:300]
    search = client.get(f"{CKAN}/package_search", query_string={"start": "9" * 30})
    assert search.status_code == 409


@pytest.mark.parametrize("page", ["99999999999999999999999", "²", "0", "-1"])
def test_dcat_page_out_of_range(client: FlaskClient, page: str) -> None:
    response = client.get("/catalog.jsonld", query_string={"page": page})
    assert response.status_code in (200, 404, 409), response.get_data(as_text=True)[:300]


# -- Range -------------------------------------------------------------------------------


def test_range_requests_follow_rfc_9110(client: FlaskClient) -> None:
    url = "/api/v1/datasets/example_catalog/resources/entries.csv"
    whole = client.get(url, headers={"Accept-Encoding": "identity"})
    assert whole.status_code == 200
    for header in ("bytes=abc", "bytes=0-1,5-9", "items=0-5", "bytes=5-1"):
        ignored = client.get(url, headers={"Range": header, "Accept-Encoding": "identity"})
        assert ignored.status_code == 200, header
        assert ignored.data == whole.data
    part = client.get(url, headers={"Range": "bytes=0-9", "Accept-Encoding": "identity"})
    assert part.status_code == 206 and part.data == whole.data[:10]
    beyond = client.get(
        url, headers={"Range": f"bytes={len(whole.data) + 10}-", "Accept-Encoding": "identity"}
    )
    assert beyond.status_code == 416
    zipped = client.get(
        "/api/v1/datasets/example_catalog/download.zip", headers={"Range": "bytes=abc"}
    )
    assert zipped.status_code == 200


# -- published cells ---------------------------------------------------------------------


class BigCellCatalog(ExampleCatalog):
    """The example catalogue with one title of ``big`` characters in row 3."""

    class Config(ExampleCatalog.Config):
        big = fields.Integer(load_default=300_000)

    def extract(self) -> Iterator[tuple[str, Row]]:
        for resource, row in super().extract():
            if resource == "entries" and row["id"] == 3:
                row = {**row, "title": "档案" * (self.config["big"] // 2)}
            yield resource, row


def test_a_cell_over_the_limit_fails_validation_naming_row_and_field(
    make_services: Callable[..., Any],
) -> None:
    services: Services = make_services(
        BigCellCatalog,
        options={"example_catalog": {"rows": 20, "big": 300_000}},
        LIMITS={**Limits().__dict__, "max_cell_bytes": 200_000},
    )
    result = refresh(services, "example_catalog")
    assert result.status is RunStatus.FAILED
    assert result.report is not None
    errors = [e for e in result.report["errors"] if e["type"] == "cell-too-large"]
    assert [(e["resource"], e["row"], e["field"]) for e in errors] == [("entries", 4, "title")]
    assert "档案档案" not in json.dumps(result.report, ensure_ascii=False)
    assert "200,000 bytes" in errors[0]["message"]
    assert services.catalog.current_version("example_catalog") is None


def test_a_large_cell_within_the_limit_downloads_in_every_format(
    make_services: Callable[..., Any], config: dict[str, Any]
) -> None:
    # 300,000 characters: above csv's default field limit (131,072 characters), and as UTF-8
    # (900,000 bytes: 档 and 案 take 3 each) within the default cell limit of 1 MiB.
    services: Services = make_services(
        BigCellCatalog, options={"example_catalog": {"rows": 20, "big": 300_000}}
    )
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    client = create_app({**config}).test_client()
    base = "/api/v1/datasets/example_catalog/resources/entries"
    as_json = client.get(base + ".json", headers={"Accept-Encoding": "identity"})
    assert as_json.status_code == 200
    titles = [row["title"] for row in as_json.get_json()]
    assert max(map(len, titles)) == 300_000
    as_xlsx = client.get(base + ".xlsx")
    assert as_xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.data), read_only=True).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert len(cells) == 19  # the header and 18 published rows
    # Excel holds at most 32,767 characters a cell: the export keeps that much of it.
    longest = max(map(str, cells), key=len)
    assert longest.startswith("档案档案") and len(longest) == 32_767
    assert client.get(base + ".csv").status_code == 200


# -- the worst inputs, measured ----------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_worst_search_inputs_on_a_generated_table(
    make_services: Callable[..., Any], config: dict[str, Any], database_url: str
) -> None:
    """The worst inputs of the findings against 20,000 generated rows: each is refused or
    answered correctly. The times are printed (run with -s), not asserted: bench/README.md has
    the figures at 1,000,000 rows on SQLite and PostgreSQL."""
    services: Services = make_services(
        ExampleCatalog, options={"example_catalog": {"rows": 20_000}}, DATABASE_URL=database_url
    )
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    client = create_app({**config, "DATABASE_URL": database_url}).test_client()
    ds = f"{CKAN}/datastore_search"
    words = ["预算", "档案室", "行政许可", "服务指南", "政务公开", "决算"]
    cases: list[tuple[str, Any, set[int]]] = [
        ("q 26 KB repeated", {"resource_id": RES, "q": "档案 " * 8_700}, {409}),
        ("q 260 KB repeated", {"resource_id": RES, "q": "档案 " * 87_000}, {409}),
        ("q object 60,000", {"resource_id": RES, "q": {"title": "档" * 60_000}}, {409}),
        (
            "q 6 words of 16",
            {"resource_id": RES, "q": " ".join((w * 8)[:16] for w in words)},
            {200},
        ),
        ("q 6 common words", {"resource_id": RES, "q": " ".join(words)}, {200}),
        ("LIKE 128, no match", {"resource_id": RES, "q": {"title": "档" * 128}}, {200}),
        ("q one word", {"resource_id": RES, "q": "档案室"}, {200}),
    ]
    for name, body, expected in cases:
        started = time.perf_counter()
        response = client.post(ds, json=body)
        took = time.perf_counter() - started
        print(f"{name}: HTTP {response.status_code} in {took:.3f} s")
        assert response.status_code in expected, (name, response.get_data(as_text=True)[:200])
    found = client.post(ds, json={"resource_id": RES, "q": "档案室"}).get_json()["result"]
    assert found["total"] > 0
    assert all("档案室" in r["title"] for r in found["records"])
    # A read past limits.max_search_seconds is stopped and answered with what to do instead
    # (a budget far below any real scan of 20,000 rows, so that it always runs out).
    limits = {**Limits().__dict__, "max_search_seconds": 1e-6}
    strict = create_app({**config, "DATABASE_URL": database_url, "LIMITS": limits})
    stopped = strict.test_client().post(ds, json={"resource_id": RES, "q": {"title": "无此"}})
    assert "narrow it" in _ckan_validation(stopped, "filters")
    rows = "/api/v1/datasets/example_catalog/resources/entries/rows?title__contains=无此"
    error = _native_400(strict.test_client().get(rows))
    assert error["code"] == "too_slow" and error["details"]["parameter"] == "title__contains"


# -- the OpenAPI document states the bounds ----------------------------------------------


def test_openapi_states_path_patterns_and_limits(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/api/v1/datasets/{name}/resources/{res}/rows"]
    schemas = {p["name"]: p["schema"] for p in path["parameters"]}
    assert schemas["name"]["pattern"] == schemas["res"]["pattern"] == "^[a-z][a-z0-9_]*$"
    assert schemas["name"]["maxLength"] == 64
    versions = doc["paths"]["/api/v1/datasets/{name}/versions/{v}"]["parameters"]
    assert {p["name"]: p["schema"].get("pattern") for p in versions}["v"]
    query = {p["name"]: p["schema"] for p in path["get"]["parameters"] if p["in"] == "query"}
    assert query["q"]["maxLength"] == Limits().max_q_chars
    assert re.compile(query["q"]["pattern"]).match("档案 预算")
    assert not re.compile(query["q"]["pattern"]).match("档" * 33)
    assert query["_size"]["maximum"] == 1000
    # A name the pattern refuses is refused by the API too (a 400 naming the rule).
    _native_400(client.get("/api/v1/datasets/Example%20Catalog"))
