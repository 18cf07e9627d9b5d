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
