"""Every /api/v1 route is documented in docs/api.md (a route nobody can find is not public)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from opendata.app import create_app, services_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_every_api_route_is_in_docs_api_md(config: dict[str, Any]) -> None:
    app = create_app(config)
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        # drop converters, with their arguments (int(max=…))
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"<\1>", rule.rule)
        if f"`{path}`" not in text and f"{path}`" not in text:
            missing.append(path)
    services_of(app).close()
    assert not missing, f"routes missing from docs/api.md: {missing}"


def test_docs_page_works_offline(config: dict[str, Any]) -> None:
    """Swagger UI's scripts and styles are served by us, not fetched from a CDN."""
    app = create_app(config)
    client = app.test_client()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert assets and all(a.startswith("/api/v1/docs/assets/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    services_of(app).close()


# -- the OpenAPI document is complete enough for client generators ----------------------

OPERATIONS = ("get", "put", "post", "delete", "patch")


def _document(config: dict[str, Any], path: str = "/api/v1/openapi.json") -> dict[str, Any]:
    app = create_app(config)
    try:
        resp = app.test_client().get(path)
        assert resp.status_code == 200, resp.json
        document: dict[str, Any] = resp.json
        return document
    finally:
        services_of(app).close()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def _json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` as JSON Schema's null type, for jsonschema."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def test_every_operation_has_an_id_plain_summary_and_security(config: dict[str, Any]) -> None:
    document = _document(config)
    operations = _operations(document)
    ids = [operation.get("operationId") for _, _, operation in operations]
    assert all(ids) and len(ids) == len(set(ids)), ids
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    posts = [(p, o) for p, m, o in operations if m == "post"]
    assert posts
    for path, operation in posts:
        assert {"bearerAuth": []} in operation["security"], path
    for path, method, operation in operations:
        for key in ("summary", "description"):
            text = operation.get(key, "")
            assert "``" not in text and ":class:" not in text, (path, method, text)
        assert operation.get("summary"), (path, method)


def test_every_response_has_a_valid_example(config: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    document = _document(config)
    components = _json_schema(document["components"])
    checked = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].split("/")[-1]]
            content = response.get("content")
            assert content, (path, method, status)
            for mimetype, media in content.items():
                schema = media.get("schema", {})
                if schema.get("format") == "binary":
                    continue  # a file: XLSX, ZIP
                assert "example" in media, (path, method, status, mimetype)
                if mimetype == "application/json":
                    validator = Draft202012Validator(
                        {**_json_schema(schema), "components": components}
                    )
                    errors = [e.message for e in validator.iter_errors(media["example"])]
                    assert not errors, (path, method, status, errors)
                    checked += 1
    assert checked > 40


def test_dataset_openapi_documents_each_fields_filters(
    config: dict[str, Any], make_services: Any
) -> None:
    from example_sources import ExampleCatalog

    from opendata.pipeline.refresh import refresh

    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 5}})
    assert refresh(svc, "example_catalog").ok
    document = _document(config, "/api/v1/datasets/example_catalog/openapi.json")
    assert document["openapi"].startswith("3.") and "example_catalog" in document["info"]["title"]
    paths = document["paths"]
    assert all("{name}" not in p and "{res}" not in p for p in paths), list(paths)
    assert all(p.startswith("/api/v1/datasets/example_catalog") for p in paths)
    rows = paths["/api/v1/datasets/example_catalog/resources/entries/rows"]["get"]
    params = {p["name"]: p for p in rows["parameters"]}
    assert params["category"]["schema"]["enum"] == ["财政", "档案", "许可", "服务"]
    assert "主题分类" in params["category"]["description"]
    assert params["published__gte"]["schema"] == {"type": "string", "format": "date"}
    assert params["amount__lt"]["schema"] == {"type": "number"}
    assert params["id__in"]["schema"] == {"type": "string"}
    assert "title__contains" in params and "amount__contains" not in params
    assert "category__gt" not in params and "_size" in params and "_next" in params
    assert "applicant" not in params  # a private field is not published, nor documented
    channels = paths["/api/v1/datasets/example_catalog/resources/channels/rows"]["get"]
    assert "channel" in {p["name"] for p in channels["parameters"]}
    assert "/api/v1/datasets/example_catalog/resources/channels.csv" in paths
    ids = [o["operationId"] for _, _, o in _operations(document)]
    assert len(ids) == len(set(ids)) and "getRows_entries" in ids
    # Every documented filter is one the rows endpoint accepts.
    app = create_app(config)
    client = app.test_client()
    samples = {"integer": "1", "number": "1.5", "boolean": "true", "string": "财政"}
    for name, param in params.items():
        if name.startswith("_") or name in ("q", "fields", "version"):
            continue
        # __in takes the field's values, comma-separated; the others their own schema.
        schema = (
            params[name[: -len("__in")]]["schema"] if name.endswith("__in") else param["schema"]
        )
        value = (schema.get("enum") or [None])[0] or (
            "2020-01-01" if schema.get("format") == "date" else samples[schema["type"]]
        )
        resp = client.get(f"/api/v1/datasets/example_catalog/resources/entries/rows?{name}={value}")
        assert resp.status_code == 200, (name, resp.json)
    assert client.get("/api/v1/datasets/nosuch/openapi.json").status_code == 404
    link = client.get("/api/v1/datasets/example_catalog").json["links"]["openapi"]
    assert client.get(link).json["paths"] == paths
    services_of(app).close()
