"""The CKAN action API through Flask's test client: transport, envelope, errors, catalog actions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.api.ckan import search as ckan_search
from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh


class FinanceCatalog(ExampleCatalog):
    """A second dataset, from another publisher, with other keywords and licence."""

    name = "finance_catalog"
    title = "财政预决算目录"
    description = "财政局公开的预算和决算"
    publisher = "财政局"
    license = "CC0-1.0"
    keywords = ("财政", "预算")


@pytest.fixture
def app(make_services: Callable[..., Any], config: dict[str, Any]) -> Flask:
    services = make_services(ExampleCatalog, FinanceCatalog)
    for name in ("example_catalog", "finance_catalog"):
        assert refresh(services, name).status is RunStatus.PUBLISHED
    return create_app({**config, "SITE_URL": "https://data.example.gov.cn"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def call(client: FlaskClient, action: str, method: str = "GET", **data: Any) -> tuple[int, Any]:
    if method == "GET":
        response = client.get(f"/api/3/action/{action}", query_string=data)
    else:
        response = client.post(f"/api/action/{action}", json=data)
    return response.status_code, response.get_json()


def test_version_roots(client: FlaskClient) -> None:
    assert client.get("/api").get_json() == {"version": 1}
    assert client.get("/api/3").get_json() == {"version": 3}


def test_envelope_on_get_and_post(client: FlaskClient) -> None:
    for method in ("GET", "POST"):
        status, body = call(client, "package_list", method)
        assert status == 200
        assert body == {
            "help": "https://data.example.gov.cn/api/3/action/help_show?name=package_list",
            "success": True,
            "result": ["example_catalog", "finance_catalog"],
        }


def test_unknown_action_is_a_400_json_string(client: FlaskClient) -> None:
    response = client.get("/api/3/action/package_create")
    assert response.status_code == 400
    assert response.get_json() == "Bad request: Action name not known: package_create"


def test_post_body_must_be_a_json_object(client: FlaskClient) -> None:
    response = client.post(
        "/api/action/package_list", data="[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json().startswith("Bad request: JSON Error")
    response = client.post(
        "/api/action/package_list", data="{nope", content_type="application/json"
    )
    assert response.status_code == 400


def test_form_post_and_legacy_json_key(client: FlaskClient) -> None:
    form = client.post("/api/action/package_show", data={"id": "finance_catalog"})
    assert form.get_json()["result"]["name"] == "finance_catalog"
    legacy = client.post(
        "/api/action/package_show", data={json.dumps({"id": "finance_catalog"}): ""}
    )
    assert legacy.get_json()["result"]["name"] == "finance_catalog"


def test_api_key_headers_are_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/api/action/package_list",
        json={},
        headers={"Authorization": "abc", "X-CKAN-API-Key": "abc"},
    )
    assert response.status_code == 200


def test_jsonp_callback(client: FlaskClient) -> None:
    response = client.get("/api/3/action/package_show?id=nope&callback=cb")
    assert response.status_code == 200
    assert response.content_type.startswith("application/javascript")
    text = response.get_data(as_text=True)
    assert text.startswith("cb(") and text.endswith(");")
    assert json.loads(text[3:-2])["error"]["__type"] == "Not Found Error"


def test_package_show_shape(client: FlaskClient) -> None:
    status, body = call(client, "package_show", id="example_catalog")
    assert status == 200
    pkg = body["result"]
    assert uuid.UUID(pkg["id"]).version == 5  # uuid5 of the name: stable, not random
    assert pkg["name"] == "example_catalog"
    assert pkg["title"] == "示例公开目录"
    assert pkg["notes"] == "核心测试使用的示例数据源"
    assert pkg["organization"]["title"] == "测试机关"
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert [t["name"] for t in pkg["tags"]] == ["测试", "公开目录"]
    assert (pkg["license_id"], pkg["license_url"], pkg["isopen"]) == (
        "cc-by",
        "https://creativecommons.org/licenses/by/4.0/",
        True,
    )
    assert pkg["metadata_modified"] >= pkg["metadata_created"]
    assert "Z" not in pkg["metadata_modified"] and "+" not in pkg["metadata_modified"]
    assert pkg["num_resources"] == 2 and pkg["num_tags"] == 2
    assert isinstance(pkg["extras"], list) and {"key", "value"} == set(pkg["extras"][0])
    entries = pkg["resources"][0]
    assert entries["url"] == (
        "https://data.example.gov.cn/api/v1/datasets/example_catalog/resources/entries.csv"
    )
    assert entries["package_id"] == pkg["id"]
    assert (entries["format"], entries["mimetype"], entries["datastore_active"]) == (
        "CSV",
        "text/csv",
        True,
    )
    assert entries["hash"].startswith("sha256:") and entries["size"] > 0
    assert entries["position"] == 0 and pkg["resources"][1]["position"] == 1
    # By id as well as by name, and the same dict from resource_show.
    assert call(client, "package_show", id=pkg["id"])[1]["result"] == pkg
    assert call(client, "resource_show", id=entries["id"])[1]["result"] == entries


def test_ids_are_stable_across_versions(
    make_services: Callable[..., Any], config: dict[str, Any], client: FlaskClient
) -> None:
    before = call(client, "package_show", id="example_catalog")[1]["result"]
    services = make_services(ExampleCatalog, options={"example_catalog": {"revision": 1}})
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    after = call(client, "package_show", id="example_catalog")[1]["result"]
    assert after["version"] != before["version"]
    assert after["id"] == before["id"]
    assert after["owner_org"] == before["owner_org"]
    assert [r["id"] for r in after["resources"]] == [r["id"] for r in before["resources"]]


def test_show_actions_ignore_unknown_keys(client: FlaskClient) -> None:
    status, body = call(
        client,
        "package_show",
        "POST",
        id="example_catalog",
        include_datasets=False,
        include_password_hash=True,
        include_users=False,
    )
    assert status == 200 and body["result"]["name"] == "example_catalog"


@pytest.mark.parametrize(
    ("action", "data", "status", "kind"),
    [
        ("package_show", {"id": "no_such"}, 404, "Not Found Error"),
        ("package_show", {"id": "../../etc/passwd"}, 404, "Not Found Error"),
        ("package_show", {}, 409, "Validation Error"),
        ("resource_show", {"id": "nope"}, 404, "Not Found Error"),
        ("organization_show", {"id": "nope"}, 404, "Not Found Error"),
        ("package_list", {"limit": "ten"}, 409, "Validation Error"),
        ("package_list", {"offset": "-1"}, 409, "Validation Error"),
        ("package_search", {"foo": "bar"}, 400, "Search Query Error"),
        ("package_search", {"sort": "nonsense desc"}, 400, "Search Query Error"),
        ("package_search", {"q": "nosuchfield:x"}, 400, "Search Query Error"),
        ("package_search", {"rows": "many"}, 409, "Validation Error"),
        ("help_show", {"name": "package_create"}, 404, "Not Found Error"),
    ],
)
def test_errors_are_ckan_shaped(
    client: FlaskClient, action: str, data: dict[str, Any], status: int, kind: str
) -> None:
    got_status, body = call(client, action, "POST", **data)
    assert got_status == status
    assert body["success"] is False and "result" not in body
    assert body["error"]["__type"] == kind
    assert body["error"]["message"]
    assert body["help"].endswith(f"help_show?name={action}")


def test_search_query_error_message_is_ckans(client: FlaskClient) -> None:
    _, body = call(client, "package_search", foo="1")
    assert body["error"]["message"] == (
        "Search Query is invalid: (\"Invalid search parameters: ['foo']\",)"
    )


def test_package_search_text_and_fq(client: FlaskClient) -> None:
    _, body = call(client, "package_search", q="预算")
    assert [p["name"] for p in body["result"]["results"]] == ["finance_catalog"]
    assert body["result"]["count"] == 1
    _, body = call(client, "package_search", fq='tags:"公开目录"')
    assert [p["name"] for p in body["result"]["results"]] == ["example_catalog"]
    finance_org = call(client, "package_show", id="finance_catalog")[1]["result"]["organization"]
    _, body = call(client, "package_search", fq=f"+organization:{finance_org['name']}")
    assert [p["name"] for p in body["result"]["results"]] == ["finance_catalog"]
    _, body = call(client, "package_search", fq="res_format:CSV -tags:预算")
    assert [p["name"] for p in body["result"]["results"]] == ["example_catalog"]
    _, body = call(client, "package_search", fq="tags:(预算 OR 测试)", sort="name desc")
    assert [p["name"] for p in body["result"]["results"]] == ["finance_catalog", "example_catalog"]
    _, body = call(client, "package_search", q="nothing-matches-this")
    assert body["result"]["count"] == 0 and body["result"]["results"] == []


def test_package_search_paging_and_count(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = call(client, "package_search", rows=1, sort="name asc")
    _, second = call(client, "package_search", rows=1, start=1, sort="name asc")
    assert first["result"]["count"] == second["result"]["count"] == 2
    assert [p["name"] for p in first["result"]["results"]] == ["example_catalog"]
    assert [p["name"] for p in second["result"]["results"]] == ["finance_catalog"]
    _, unsorted = call(client, "package_search", rows=5000)
    assert len(unsorted["result"]["results"]) == 2
    assert unsorted["result"]["sort"] == "score desc, metadata_modified desc"
    # rows above ckan.search.rows_max are capped to it, not refused (two datasets cannot show
    # a cap of 1,000: lower it)
    monkeypatch.setattr(ckan_search, "ROWS_MAX", 1)
    _, capped = call(client, "package_search", rows=5000)
    assert len(capped["result"]["results"]) == 1 and capped["result"]["count"] == 2


def test_package_search_facets(client: FlaskClient) -> None:
    # ckanapi's GET mode and browsers send facet.field as a JSON-encoded string.
    _, body = call(
        client, "package_search", **{"facet.field": '["tags", "organization", "license_id"]'}
    )
    result = body["result"]
    assert result["facets"]["tags"] == {"财政": 1, "预算": 1, "测试": 1, "公开目录": 1}
    orgs = result["search_facets"]["organization"]
    assert orgs["title"] == "organization"
    assert sorted(i["display_name"] for i in orgs["items"]) == ["测试机关", "财政局"]
    names = [i["display_name"] for i in result["search_facets"]["tags"]["items"]]
    assert names == sorted(names, reverse=True)
    licences = {
        i["name"]: i["display_name"] for i in result["search_facets"]["license_id"]["items"]
    }
    assert licences == {
        "cc-by": "Creative Commons Attribution 4.0",
        "cc-zero": "Creative Commons CCZero",
    }
    _, posted = call(client, "package_search", "POST", **{"facet.field": ["res_format"]})
    assert posted["result"]["facets"] == {"res_format": {"CSV": 2}}
    _, none = call(client, "package_search")
    assert none["result"]["facets"] == {} and none["result"]["search_facets"] == {}


def test_package_search_fl(client: FlaskClient) -> None:
    _, body = call(client, "package_search", "POST", fl=["id", "name"], sort="name asc")
    assert [set(p) for p in body["result"]["results"]] == [{"id", "name"}, {"id", "name"}]


def test_organizations_and_tags(client: FlaskClient) -> None:
    _, names = call(client, "organization_list")
    assert len(names["result"]) == 2
    _, full = call(client, "organization_list", all_fields="true", sort="package_count desc")
    assert {o["title"] for o in full["result"]} == {"测试机关", "财政局"}
    assert all(o["package_count"] == 1 and o["is_organization"] for o in full["result"])
    org = full["result"][0]
    _, shown = call(client, "organization_show", id=org["name"], include_datasets="true")
    assert shown["result"]["id"] == org["id"]
    assert len(shown["result"]["packages"]) == 1
    assert call(client, "organization_show", id=org["id"])[1]["result"]["name"] == org["name"]
    _, tags = call(client, "tag_list")
    assert tags["result"] == sorted(["财政", "预算", "测试", "公开目录"])
    _, some = call(client, "tag_list", query="预")
    assert some["result"] == ["预算"]


def test_status_and_help(client: FlaskClient) -> None:
    _, status = call(client, "status_show")
    assert status["result"]["site_url"] == "https://data.example.gov.cn"
    assert "datastore" in status["result"]["extensions"]
    _, helped = call(client, "help_show", name="package_search")
    assert "facet.field" in helped["result"]


def test_site_url_unset_uses_request_host(
    make_services: Callable[..., Any], config: dict[str, Any]
) -> None:
    services = make_services(ExampleCatalog)
    refresh(services, "example_catalog")
    client = create_app({**config, "SITE_URL": ""}).test_client()
    pkg = client.get(
        "/api/3/action/package_show?id=example_catalog", base_url="http://portal.internal:8080"
    ).get_json()["result"]
    assert pkg["resources"][0]["url"].startswith("http://portal.internal:8080/api/v1/datasets/")


def test_configured_organization_name(
    make_services: Callable[..., Any], config: dict[str, Any]
) -> None:
    services = make_services(FinanceCatalog)
    refresh(services, "finance_catalog")
    app = create_app({**config, "CKAN": {"organization_names": {"财政局": "caizhengju"}}})
    client = app.test_client()
    pkg = call(client, "package_show", id="finance_catalog")[1]["result"]
    assert pkg["organization"]["name"] == "caizhengju"
    _, body = call(client, "package_search", fq="organization:caizhengju")
    assert body["result"]["count"] == 1
    assert call(client, "organization_show", id="caizhengju")[1]["result"]["title"] == "财政局"
