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
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule.rule)  # drop converters
        if f"`{path}`" not in text and f"{path}`" not in text:
            missing.append(path)
    services_of(app).close()
    assert not missing, f"routes missing from docs/api.md: {missing}"
