"""Row queries over the datastore, on SQLite and PostgreSQL: filters, q, sort, keyset pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.plugin import ResourceSpec, Row, Source
from opendata.store import query as rq

ROWS = "/api/v1/datasets/example_catalog/resources/entries/rows"


class Sparse(Source):
    """Rows whose sort fields are often empty, to page across NULLs."""

    name = "sparse"
    title = "稀疏数据"
    description = "含空值的测试数据"
    publisher = "测试机关"
    license = "CC-BY-4.0"
    schedule = "0 5 * * *"
    resources = (
        ResourceSpec(
            "items",
            "条目",
            {
                "fields": [
                    {"name": "id", "title": "编号", "type": "integer"},
                    {"name": "rank", "title": "名次", "type": "integer", "filterable": True},
                    {"name": "label", "title": "标签", "type": "string"},
                ],
                "primaryKey": ["id"],
            },
        ),
    )

    def rows(self, resource: str) -> Iterator[Row]:
        for i in range(1, 48):
            yield {"id": i, "rank": None if i % 3 == 0 else i % 7, "label": f"项{i}"}


@pytest.fixture
def app(config: dict[str, Any], database_url: str, make_services: Any) -> Iterator[Flask]:
    svc = make_services(
        ExampleCatalog, Sparse, DATABASE_URL=database_url, options={"example_catalog": {"rows": 60}}
    )
    assert refresh(svc, "example_catalog").ok
    assert refresh(svc, "sparse").ok
    flask_app = create_app({**config, "DATABASE_URL": database_url, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def all_pages(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen = 0
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.json
        body = resp.json
        rows += body["rows"]
        url = body["next_url"]
        if url:
            assert resp.headers["Link"] == f'<{url}>; rel="next"'
        seen += 1
        assert seen < 100
    return rows


def test_filters_and_version_header(client: FlaskClient, app: Flask) -> None:
    resp = client.get(ROWS + "?category=档案&amount__gte=10&amount__lt=40&fields=id,amount")
    body = resp.json
    assert resp.status_code == 200
    current = services_of(app).catalog.dataset("example_catalog")["current_version"]
    assert resp.headers["X-Opendata-Version"] == current == body["version"]
    assert body["fields"] == ["_id", "id", "amount"]
    assert body["rows"] and all(10 <= r["amount"] < 40 for r in body["rows"])
    assert body["total"] == len(body["rows"]) and body["total_exact"] is True
    ids = {r["id"] for r in client.get(ROWS + "?id__in=3,5,7&_size=10").json["rows"]}
    assert ids == {3, 5, 7}
    contains = client.get(ROWS + "?title__contains=许可&_size=100").json["rows"]
    assert contains and all("许可" in r["title"] for r in contains)
    assert client.get(ROWS + "?contact__isnull=true").json["total"] == 0


def test_full_text_finds_two_character_words(client: FlaskClient) -> None:
    for word in ("档案", "预算", "许可", "服务指南"):
        rows = all_pages(client, f"{ROWS}?q={word}&_size=5")
        assert rows, word
        assert all(word in r["title"] for r in rows), word
    assert client.get(ROWS + "?q=档案 预算").json["total"] == 0  # AND of both words


@pytest.mark.parametrize("sort", ["_sort=rank", "_sort_desc=rank", "_sort=label", ""])
def test_keyset_pages_cross_nulls_without_gaps(client: FlaskClient, sort: str) -> None:
    url = "/api/v1/datasets/sparse/resources/items/rows"
    paged = all_pages(client, f"{url}?_size=4&{sort}")
    whole = client.get(f"{url}?_size=1000&{sort}").json["rows"]
    assert [r["_id"] for r in paged] == [r["_id"] for r in whole]
    assert len(whole) == 47
    if "rank" in sort:
        values = [r["rank"] for r in whole if r["rank"] is not None]
        assert values == sorted(values, reverse="desc" in sort)
        assert sum(r["rank"] is None for r in paged) == 15


def test_bounded_count_is_labelled(app: Flask) -> None:
    svc = services_of(app)
    version = svc.catalog.dataset("example_catalog")["current_version"]
    table = rq.TableRef.from_catalog(svc.catalog.datastore_table(version, "entries"))
    page = rq.page(
        svc.engine, table, rq.RowQuery(filters=[("amount", "gt", "1")], limit=2), count_bound=10
    )
    assert (page.total, page.total_exact) == (10, False)
    unfiltered = rq.page(svc.engine, table, rq.RowQuery(limit=2), count_bound=10)
    assert (unfiltered.total, unfiltered.total_exact) == (table.row_count, True)


@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ("nosuch=1", 400, "nosuch"),
        ("nosuch__gt=1", 400, "nosuch"),
        ("amount__gt=abc", 400, "abc"),
        ("id=1.5", 400, "id"),
        ("published__gte=2018-13-01", 400, "published"),
        ("_size=1001", 400, "_size"),
        ("_next=garbage", 400, "_next"),
        ("_sort=nosuch", 400, "nosuch"),
        ("fields=id,nosuch", 400, "nosuch"),
        ("_bogus=1", 400, "_bogus"),
        ("title=%00", 400, "NUL"),
    ],
)
def test_bad_requests_name_the_culprit(
    client: FlaskClient, query: str, status: int, named: str
) -> None:
    resp = client.get(f"{ROWS}?{query}")
    assert resp.status_code == status
    error = resp.json["error"]
    assert set(error) == {"code", "message", "details"}
    assert named in error["message"]


def test_unknown_dataset_and_resource(client: FlaskClient) -> None:
    resp = client.get("/api/v1/datasets/nosuch/resources/entries/rows")
    assert resp.status_code == 404 and "nosuch" in resp.json["error"]["message"]
    resp = client.get("/api/v1/datasets/example_catalog/resources/nosuch/rows")
    assert resp.status_code == 404 and "nosuch" in resp.json["error"]["message"]
    resp = client.get("/api/v1/datasets/..%2Fetc/resources/entries/rows")
    assert resp.status_code in (400, 404)


def test_value_outside_an_enum_is_refused_with_the_allowed_values(client: FlaskClient) -> None:
    """``category=微信`` could only match nothing: a 400 that lists what the field takes."""
    for query in ("category=微信", "category__in=财政,微信"):
        resp = client.get(f"{ROWS}?{query}")
        assert resp.status_code == 400, query
        error = resp.json["error"]
        assert error["code"] == "invalid_value"
        assert error["details"]["value"] == "微信" and error["details"]["field"] == "category"
        assert error["details"]["allowed"] == ["财政", "档案", "许可", "服务"]
        assert "财政" in error["message"] and "微信" in error["message"]
    # Allowed values still filter, and operators other than equality are not enum-checked.
    rows = client.get(f"{ROWS}?category__in=财政,档案&_size=1000").json["rows"]
    assert rows and {r["category"] for r in rows} <= {"财政", "档案"}
    assert client.get(f"{ROWS}?category__contains=微").status_code == 200


def test_unknown_operator_on_a_known_field(client: FlaskClient) -> None:
    resp = client.get(f"{ROWS}?published__between=2020-01-01,2021-01-01")
    assert resp.status_code == 400
    error = resp.json["error"]
    assert error["code"] == "unknown_operator"
    assert error["details"]["operator"] == "between" and error["details"]["field"] == "published"
    assert "gte" in error["details"]["allowed"]
    unknown = client.get(f"{ROWS}?nosuch__between=1").json["error"]
    assert unknown["code"] == "unknown_field" and "published" in unknown["details"]["allowed"]
