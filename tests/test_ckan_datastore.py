"""``datastore_search`` and ``/datastore/dump`` against the published example data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask.testing import FlaskClient

from opendata.app import create_app
from opendata.codec import codecs
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.services import Services

ROWS = 45  # 4 of them withheld (every 10th is 不予公开): 41 published entries


@pytest.fixture
def published(make_services: Callable[..., Any], database_url: str) -> Services:
    """Published example data, on SQLite and on PostgreSQL (``database_url`` runs both)."""
    services: Services = make_services(
        ExampleCatalog, options={"example_catalog": {"rows": ROWS}}, DATABASE_URL=database_url
    )
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    return services


@pytest.fixture
def client(published: Services, config: dict[str, Any]) -> FlaskClient:
    return create_app({**config, "DATABASE_URL": published.config["DATABASE_URL"]}).test_client()


def csv_rows(services: Services, resource: str) -> list[list[str]]:
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    path = Path(services.version_dir("example_catalog", current["id"])) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def texts(services: Services, resource: str, records: list[Any]) -> list[list[str]]:
    """Datastore values (objects or lists after ``_id``) written back by each field's codec."""
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    (schema,) = [r["schema"] for r in current["descriptor"]["resources"] if r["name"] == resource]
    fields = codecs(schema)
    rows = [[rec[c.name] for c in fields] if isinstance(rec, dict) else rec[1:] for rec in records]
    return [[c.store_text(v) for c, v in zip(fields, row, strict=True)] for row in rows]


def resource_ids(client: FlaskClient) -> dict[str, str]:
    pkg = client.get("/api/3/action/package_show?id=example_catalog").get_json()["result"]
    return {r["resource_name"]: r["id"] for r in pkg["resources"]}


def search(client: FlaskClient, **data: Any) -> tuple[int, Any]:
    response = client.post("/api/3/action/datastore_search", json=data)
    return response.status_code, response.get_json()


def test_default_page_and_shape(client: FlaskClient, published: Services) -> None:
    rid = resource_ids(client)["entries"]
    status, body = search(client, resource_id=rid)
    assert status == 200
    result = body["result"]
    assert (result["limit"], result["include_total"], result["records_format"]) == (
        100,
        True,
        "objects",
    )
    assert result["resource_id"] == rid
    assert result["total"] == 41 and result["total_was_estimated"] is False
    assert "offset" not in result and "filters" not in result  # echoed only when sent
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types == {
        "_id": "int",
        "id": "int8",
        "title": "text",
        "category": "text",
        "published": "date",
        "amount": "numeric",
        "disclosure": "text",
        "contact": "text",
    }
    assert result["fields"][1]["info"]["label"] == "编号"
    assert "applicant" not in types  # a private field never reaches the datastore
    _header, *rows = csv_rows(published, "entries")
    assert texts(published, "entries", result["records"]) == rows
    assert [rec["_id"] for rec in result["records"]] == list(range(1, 42))
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=100" in result["_links"]["next"]


def test_offset_paging_covers_every_row_once(client: FlaskClient, published: Services) -> None:
    rid = resource_ids(client)["channels"]
    header, *rows = csv_rows(published, "channels")
    seen: list[list[str]] = []
    offset = 0
    while True:
        _, body = search(client, resource_id=rid, limit=7, offset=offset, records_format="lists")
        result = body["result"]
        assert result["offset"] == offset
        if not result["records"]:
            break
        names = [f["id"] for f in result["fields"]]
        seen += texts(published, "channels", result["records"])
        assert names[1:] == header
        offset += 7
    assert seen == rows


def test_keyset_next_page(client: FlaskClient) -> None:
    rid = resource_ids(client)["entries"]
    filters: dict[str, Any] = {}
    ids: list[int] = []
    for _ in range(10):
        _, body = search(client, resource_id=rid, limit=15, filters=filters, include_next_page=True)
        result = body["result"]
        ids += [r["_id"] for r in result["records"]]
        if "next_page" not in result:
            break
        filters = {**filters, **result["next_page"]}
    assert ids == list(range(1, 42))


def test_filters_as_object_list_range_and_json_string(client: FlaskClient) -> None:
    rid = resource_ids(client)["entries"]
    _, body = search(client, resource_id=rid, filters={"category": "财政"})
    assert {r["category"] for r in body["result"]["records"]} == {"财政"}
    assert body["result"]["filters"] == {"category": "财政"}
    _, body = search(client, resource_id=rid, filters={"category": ["财政", "档案"]})
    assert {r["category"] for r in body["result"]["records"]} == {"财政", "档案"}
    _, body = search(client, resource_id=rid, filters={"id": {"gte": 5, "lte": 8}})
    assert [r["id"] for r in body["result"]["records"]] == [5, 6, 7, 8]
    assert body["result"]["total"] == 4
    # GET: ckanapi's get_only mode cannot encode a dict, so filters come as a JSON string.
    response = client.get(
        "/api/3/action/datastore_search",
        query_string={"resource_id": rid, "filters": json.dumps({"id": 3})},
    )
    assert [r["id"] for r in response.get_json()["result"]["records"]] == [3]


def test_q_fields_sort_and_formats(client: FlaskClient) -> None:
    rid = resource_ids(client)["entries"]
    _, body = search(client, resource_id=rid, q="档案室", fields=["id", "title"])
    records = body["result"]["records"]
    assert records and all("档案室" in r["title"] for r in records)
    assert [f["id"] for f in body["result"]["fields"]] == ["id", "title"]
    assert set(records[0]) == {"id", "title"}
    _, body = search(client, resource_id=rid, q={"title": "行政许可"}, fields="id,title")
    assert body["result"]["records"] and all(
        "行政许可" in r["title"] for r in body["result"]["records"]
    )
    _, body = search(client, resource_id=rid, sort="amount desc", limit=3, fields=["amount"])
    amounts = [r["amount"] for r in body["result"]["records"]]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == 3
    _, body = search(client, resource_id=rid, limit=2, fields=["_id", "id"], records_format="lists")
    assert body["result"]["records"] == [[1, 1], [2, 2]]
    _, body = search(
        client, resource_id=rid, limit=2, fields=["id", "category"], records_format="csv"
    )
    assert body["result"]["records"] == "1,档案\n2,许可\n"
    _, body = search(client, resource_id=rid, limit=0)
    assert body["result"]["records"] == [] and body["result"]["total"] == 41


def test_limit_is_clamped_not_rejected(client: FlaskClient) -> None:
    _, body = search(client, resource_id=resource_ids(client)["entries"], limit=100000)
    assert body["result"]["limit"] == 32000


def test_alias_resource_id(client: FlaskClient) -> None:
    _, body = search(client, resource_id="example_catalog.channels", limit=1)
    assert body["result"]["resource_id"] == resource_ids(client)["channels"]


@pytest.mark.parametrize(
    ("data", "status", "kind", "key"),
    [
        ({"resource_id": "nope"}, 404, "Not Found Error", None),
        ({}, 409, "Validation Error", "resource_id"),
        ({"filters": {"nope": 1}}, 409, "Validation Error", "filters"),
        ({"filters": {"id": "abc"}}, 409, "Validation Error", "filters"),
        ({"filters": "{not json"}, 409, "Validation Error", "filters"),
        ({"filters": {"id": {"like": 1}}}, 409, "Validation Error", "filters"),
        ({"fields": ["nope"]}, 409, "Validation Error", "fields"),
        ({"sort": "nope desc"}, 409, "Validation Error", "sort"),
        ({"sort": "id sideways"}, 409, "Validation Error", "sort"),
        ({"limit": -1}, 409, "Validation Error", "limit"),
        ({"records_format": "xml"}, 409, "Validation Error", "records_format"),
        ({"bogus": 1}, 409, "Validation Error", "bogus"),
    ],
)
def test_bad_requests(
    client: FlaskClient, data: dict[str, Any], status: int, kind: str, key: str | None
) -> None:
    data = (
        {"resource_id": resource_ids(client)["entries"], **data}
        if "resource_id" not in data and data
        else data
    )
    got, body = search(client, **data)
    assert got == status
    assert body["error"]["__type"] == kind
    if key:
        assert isinstance(body["error"][key], list) and body["error"][key]


def test_dump_csv_equals_the_published_file(client: FlaskClient, published: Services) -> None:
    rid = resource_ids(client)["entries"]
    response = client.get(f"/datastore/dump/{rid}")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    assert response.is_streamed
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    pub_header, *pub_rows = csv_rows(published, "entries")
    assert header == ["_id", *pub_header]
    assert [r[1:] for r in rows] == pub_rows
    assert [r[0] for r in rows] == [str(i) for i in range(1, 42)]


def test_dump_formats_and_arguments(client: FlaskClient, published: Services) -> None:
    rid = resource_ids(client)["entries"]
    bom = client.get(f"/datastore/dump/{rid}?bom=true&format=tsv&limit=2&offset=1")
    text = bom.get_data(as_text=True)
    assert text.startswith("\ufeff_id\tid\t")
    assert [line.split("\t")[0] for line in text.splitlines()[1:]] == ["2", "3"]
    dumped = client.get(f"/datastore/dump/{rid}?format=json").get_json()
    assert [f["id"] for f in dumped["fields"]][:2] == ["_id", "id"]
    _header, *rows = csv_rows(published, "entries")
    assert texts(published, "entries", dumped["records"]) == rows
    filtered = client.get(
        f"/datastore/dump/{rid}",
        query_string={"filters": json.dumps({"category": "许可"}), "fields": "id,category"},
    )
    lines = filtered.get_data(as_text=True).splitlines()
    assert lines[0] == "id,category"  # _id only when the fields ask for it
    assert all(line.endswith(",许可") for line in lines[1:]) and len(lines) > 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/datastore/dump/nope", 404),
        ("/datastore/dump/{rid}?format=xls", 400),
        ("/datastore/dump/{rid}?filters=%7Bnope", 400),
        ("/datastore/dump/{rid}?fields=nope", 400),
        ("/datastore/dump/{rid}?limit=-3", 400),
    ],
)
def test_dump_errors(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path.format(rid=resource_ids(client)["entries"]))
    assert response.status_code == status
    assert response.content_type.startswith("text/plain")
