"""Path parameters in the OpenAPI document with the patterns the API enforces.

flask-smorest documents ``<name>`` as any non-empty string, so a schema-valid request (``/datasets/
%20``) was refused and schemathesis could not tell valid from invalid. Dataset and resource
names are slugs (:data:`opendata.plugin.NAME_PATTERN`, at most 64 characters, as the portal and
CKAN check them); version ids are letters and digits (the ``version`` query parameter's rule).
"""

from __future__ import annotations

from typing import Any

from opendata.plugin import NAME_PATTERN

_NAME = {"type": "string", "pattern": NAME_PATTERN.pattern, "minLength": 1, "maxLength": 64}
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "name": _NAME,
    "res": _NAME,
    "v": {"type": "string", "pattern": r"^[0-9A-Za-z]{1,40}$", "minLength": 1, "maxLength": 40},
}


def state_path_patterns(paths: dict[str, Any]) -> None:
    """Set the schema of every documented ``name``, ``res`` and ``v`` path parameter, in the
    apispec ``paths`` mapping (path → {"parameters": [...], method: operation})."""
    for item in paths.values():
        lists = [item.get("parameters", [])]
        lists += [op.get("parameters", []) for op in item.values() if isinstance(op, dict)]
        for parameters in lists:
            for parameter in parameters:
                if not isinstance(parameter, dict) or parameter.get("in") != "path":
                    continue
                schema = PATH_SCHEMAS.get(parameter.get("name", ""))
                if schema is not None:
                    parameter["schema"] = dict(schema)
