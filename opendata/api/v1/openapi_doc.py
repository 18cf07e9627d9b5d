"""The finishing touches of the OpenAPI document, so that a client generator can use it as is.

flask-smorest writes paths, parameters and schemas; this module adds what it leaves out:

- an ``operationId`` per operation, from the view's name (``get_rows`` → ``getRows``), so that
  generated clients have stable method names;
- the bearer security scheme (``bearerAuth``), required on the POST endpoints and optional on
  ``GET /api/v1/runs/{run_id}`` (a token holder sees the full error text);
- plain-text summaries and descriptions (the views' docstrings use reStructuredText's
  ``literal`` markup, shown verbatim by Swagger UI);
- an example for every response: error envelopes per status, and bodies built from the
  response schemas (:func:`example_of`) for the others; the media type of the file downloads.

:func:`dataset_document` then makes one dataset's document (``/api/v1/datasets/<name>/
openapi.json``): its paths with the name filled in, one rows and export path per resource, and
a query parameter per field and operator (``published__gte``, ``category`` with its enum …).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask

from opendata.store.query import OPS

BEARER = "bearerAuth"
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_RST = [(re.compile(r"``([^`]*)``"), r"\1"), (re.compile(r":[a-z]+:`~?([^`]*)`"), r"\1")]
_METHODS = ("get", "put", "post", "delete", "patch")
#: Media types of the file endpoints, by the path's ending (the JSON ones are documented).
_FILES = {
    ".csv": ("text/csv", {"type": "string"}),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        {"type": "string", "format": "binary"},
    ),
    ".zip": ("application/zip", {"type": "string", "format": "binary"}),
}
_ERRORS = {
    400: ("invalid_value", "value '微信' is not allowed for field 'channel'; allowed: 网站, 报刊"),
    401: ("unauthorized", "this endpoint needs a valid API token: Authorization: Bearer <token>"),
    403: ("forbidden", "this token may not do that"),
    404: ("unknown_dataset", "no dataset named 'nosuch'"),
    405: ("method_not_allowed", "method not allowed on /api/v1/datasets; allowed: GET, HEAD"),
    409: ("conflict", "the two versions have different primary keys"),
    422: ("too_many_rows", "too many rows for XLSX; download the CSV instead"),
    500: ("internal_error", "the server failed to answer this request; it has been logged"),
    503: ("unavailable", "the dataset changed 3 times during this request; retry"),
}
_ERROR_DETAILS: dict[int, dict[str, Any]] = {
    400: {"parameter": "channel", "field": "channel", "value": "微信", "allowed": ["网站", "报刊"]},
    404: {"dataset": "nosuch"},
    405: {"allowed": ["GET", "HEAD"]},
}
_VERSION = "20261130T020000123456Z"
_STRINGS = {
    "name": "disclosure_catalog",
    "dataset": "disclosure_catalog",
    "source": "disclosure_catalog",
    "resource": "entries",
    "title": "政府信息公开目录",
    "description": "主动公开的政府信息目录",
    "publisher": "吉林经济技术开发区管委会",
    "license": "CC-BY-4.0",
    "schedule": "0 2 * * *",
    "timezone": "Asia/Shanghai",
    "version": _VERSION,
    "current_version": _VERSION,
    "published_version": _VERSION,
    "id": _VERSION,
    "hash": "sha256:9f2c…",
    "next": "eyJhZnRlciI6IDEwMH0",
    "since": "20261129T020000123456Z",
    "status": "published",
    "state": "enabled",
    "trigger": "schedule",
    "code": "invalid_value",
    "message": "value '微信' is not allowed for field 'channel'",
    "requested_by": "ops",
    "type": "string",
    "distribution": "opendata-disclosure-catalog",
    "fields[]": "title",
    "keywords[]": "政府信息公开",
    "depends_on[]": "disclosure_catalog",
    "unsourced[]": "表三",
    "warnings[]": "3 rows had no 发布日期",
    "error_kind": "validation",
    "error": "2 rows failed validation in entries",
    "error_detail": "row 17, field published: '2026-13-01' is not a date",
    "report_date": "2026-01-20",
}
_OBJECTS: dict[str, Any] = {
    "rows": {"entries": 1520},
    "withheld": {"entries": {"不予公开": 12}},
    "key": {"id": 17},
    "row": {"id": 17, "title": "2026年部门预算", "category": "财政"},
    "changed": {"title": ["2026年预算", "2026年部门预算"]},
    "constraints": {"enum": ["财政", "档案", "许可", "服务"]},
    "details": {"parameter": "channel"},
    "rows[]": {"_id": 1, "id": 17, "title": "2026年部门预算", "category": "财政"},
    "timings": {"total": 12.5},
    "dropped_fields": {"entries": ["applicant"]},
}


def operation_ids(app: Flask, prefix: str) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) → operationId (the view function's name in camelCase)."""
    ids: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        name = getattr(app.view_functions[rule.endpoint], "__name__", rule.endpoint)
        head, *rest = name.split("_")
        for method in rule.methods or ():
            ids[(path, method.lower())] = head + "".join(w.title() for w in rest)
    return ids


def plain(text: str) -> str:
    """A docstring line without reStructuredText markup (``literal`` → literal)."""
    for pattern, replacement in _RST:
        text = pattern.sub(replacement, text)
    return text


def _error_example(status: int) -> dict[str, Any]:
    code, message = _ERRORS.get(status, ("error", "the request failed"))
    return {"error": {"code": code, "message": message, "details": _ERROR_DETAILS.get(status, {})}}


def _error_content(status: int) -> dict[str, Any]:
    return {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorEnvelope"},
            "example": _error_example(status),
        }
    }


def example_of(schema: Mapping[str, Any], schemas: Mapping[str, Any], name: str = "") -> Any:
    """An example value of a JSON schema (OpenAPI 3.0 flavour), valid against it: properties
    are filled by their names (``dataset``, ``version`` …) where that says more than a type."""
    if "$ref" in schema:
        return example_of(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, name)
    if "anyOf" in schema:
        return example_of(schema["anyOf"][-1], schemas, name)
    if "allOf" in schema:
        return example_of(schema["allOf"][0], schemas, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return _object_example(schema, schemas, name)
    if kind == "array":
        return [example_of(schema.get("items", {}), schemas, name + "[]")]
    return _scalar_example(schema, name)


def _object_example(schema: Mapping[str, Any], schemas: Mapping[str, Any], name: str) -> Any:
    properties = schema.get("properties")
    if not properties:
        return copy.deepcopy(_OBJECTS.get(name, {}))
    return {key: example_of(sub, schemas, key) for key, sub in properties.items()}


def _scalar_example(schema: Mapping[str, Any], name: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return 2025 if name == "year" else 1
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return name != "overdue"
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-11-30T02:00:00+00:00"
    if fmt == "date":
        return "2026-01-31"
    if name.endswith("url") or name in ("self", "path"):
        return "https://data.example.gov.cn/api/v1/datasets/disclosure_catalog"
    return _STRINGS.get(name, "文本")


def _file_content(path: str) -> dict[str, Any] | None:
    """The media type of a file endpoint's 200 response, by the path's ending."""
    for ending, (mimetype, schema) in _FILES.items():
        if path.endswith(ending):
            return {mimetype: {"schema": dict(schema)}}
    if path.endswith(("/datapackage.json", "/openapi.json")):
        return {"application/json": {"schema": {"type": "object"}, "example": {"name": "…"}}}
    if path.endswith(".json"):  # a resource's rows as a JSON array
        rows: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
        return {"application/json": {"schema": rows, "example": [_OBJECTS["row"]]}}
    return None


def _finish_response(
    status: str, response: dict[str, Any], path: str, schemas: Mapping[str, Any]
) -> None:
    """Give a response its content type (file downloads) and an example."""
    if "$ref" in response:
        return  # a component response: finished once in finish_components
    code = int(status) if status.isdigit() else 500
    if code >= 400 and "content" not in response:
        response["content"] = _error_content(code)
    if "content" not in response and code == 200:
        content = _file_content(path)
        if content:
            response["content"] = content
    for mimetype, media in response.get("content", {}).items():
        if "example" in media or media.get("schema", {}).get("format") == "binary":
            continue
        if mimetype == "text/csv":
            media["example"] = "id,title,category\r\n17,2026年部门预算,财政\r\n"
        elif "schema" in media:
            media["example"] = example_of(media["schema"], schemas)


def finish_components(components: dict[str, Any]) -> None:
    """The bearer scheme, and an example in every error response component."""
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token from 'opendata token create NAME'",
    }
    statuses = {"BAD_REQUEST": 400, "NOT_FOUND": 404, "UNPROCESSABLE_ENTITY": 422, "CONFLICT": 409}
    for key, response in components.get("responses", {}).items():
        for media in response.get("content", {}).values():
            media.setdefault("example", _error_example(statuses.get(key, 500)))


def finish_paths(
    paths: dict[str, Any], ids: Mapping[tuple[str, str], str], schemas: Mapping[str, Any]
) -> None:
    """operationId, security, plain text and examples on every operation of ``paths``."""
    for path, item in paths.items():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if (path, method) in ids:
                operation.setdefault("operationId", ids[(path, method)])
            for key in ("summary", "description"):
                if key in operation:
                    operation[key] = plain(operation[key])
            if method == "post":
                operation["security"] = [{BEARER: []}]
            elif path.endswith("/runs/{run_id}"):
                operation["security"] = [{}, {BEARER: []}]  # optional: more detail for holders
            for status, response in operation.get("responses", {}).items():
                _finish_response(status, response, path, schemas)


# -- one dataset's document ---------------------------------------------------------------

_RANGE_TYPES = {"integer", "number", "date", "datetime", "time", "year", "yearmonth"}
_TEXT_TYPES = {"string", "date", "datetime", "time", "year", "yearmonth", "any"}
_TYPES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}
#: The operations of a resource that take row filters (the rows page and the exports).
_FILTERED = ("/rows", ".csv", ".json", ".xlsx")


def field_parameters(fields: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One query parameter per field and operator, typed from the Table Schema field."""
    out: list[dict[str, Any]] = []
    for spec in fields:
        kind = spec.get("type", "string")
        name = spec["name"]
        label = spec.get("title") or name
        value = dict(_TYPES.get(kind, {"type": "string"}))
        enum = (spec.get("constraints") or {}).get("enum")
        if enum:
            value["enum"] = list(enum)
        ops = ["eq", "in", "isnull"]
        ops += [op for op in ("gt", "gte", "lt", "lte") if kind in _RANGE_TYPES]
        ops += ["contains"] if kind in _TEXT_TYPES and not enum else []
        for op in (o for o in OPS if o in ops):
            out.append(_parameter(name, op, label, value))
    return out


def _parameter(name: str, op: str, label: str, value: dict[str, Any]) -> dict[str, Any]:
    wording = {
        "eq": ("equal to", value),
        "in": ("one of these comma-separated values", {"type": "string"}),
        "isnull": ("empty (true) or not empty (false)", {"type": "boolean"}),
        "contains": ("containing this text", {"type": "string"}),
    }
    what, schema = wording.get(op, (f"{op} (greater/less than or equal) this value", value))
    return {
        "in": "query",
        "name": name if op == "eq" else f"{name}__{op}",
        "required": False,
        "description": f"{label} ({name}): {what}",
        "schema": dict(schema),
    }


def dataset_document(
    spec: Mapping[str, Any], name: str, title: str, resources: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The OpenAPI document of one dataset: its paths with ``{name}`` filled in, each
    ``{res}`` path once per resource, and per-field filter parameters where rows are read."""
    document = copy.deepcopy(dict(spec))
    document["info"] = {
        **document.get("info", {}),
        "title": f"{title} ({name}) — opendata /api/v1",
        "description": f"The API of dataset {name}: its metadata, versions, rows and files, "
        "with a query parameter for each field's filters.",
    }
    prefix = "/api/v1/datasets/{name}"
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        if not path.startswith(prefix):
            continue
        concrete = path.replace("{name}", name)
        if "{res}" not in path:
            paths[concrete] = _fill(item, {"name"}, "")
            continue
        for resource in resources:
            res = resource["name"]
            paths[concrete.replace("{res}", res)] = _fill(
                item,
                {"name", "res"},
                res,
                field_parameters(resource.get("schema", {}).get("fields", []))
                if path.endswith(_FILTERED)
                else [],
            )
    document["paths"] = paths
    return document


def _fill(
    item: Mapping[str, Any], filled: set[str], res: str, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A path item without the path parameters now in the path; per-resource operationIds
    (``getRows_entries``) and the field parameters added."""
    out = copy.deepcopy(dict(item))

    def keep(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [p for p in parameters if not (p.get("in") == "path" and p.get("name") in filled)]

    if "parameters" in out:
        out["parameters"] = keep(out["parameters"])
        if not out["parameters"]:
            del out["parameters"]
    for method in _METHODS:
        operation = out.get(method)
        if not isinstance(operation, dict):
            continue
        operation["parameters"] = keep(operation.get("parameters", [])) + list(extra or [])
        if not operation["parameters"]:
            del operation["parameters"]
        if res and "operationId" in operation:
            operation["operationId"] += "_" + res
    return out
