"""The same version gives the same download bytes on every node.

Two web nodes share the catalog and the datasets folder but each builds its own cached files
(instance folders of their own). Built seconds apart, for requests to different host names, the
zip, the XLSX and the gzipped CSV and JSON of one version must be byte for byte the same: their
strong ETags and Range requests are served by whichever node nginx picks.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from example_sources import ExampleCatalog

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh

BASE = "/api/v1/datasets/example_catalog"
URLS = (
    (f"{BASE}/download.zip", {}),
    (f"{BASE}/resources/entries.xlsx", {}),
    (f"{BASE}/resources/entries.xlsx?category=档案", {}),
    (f"{BASE}/resources/entries.csv", {"Accept-Encoding": "gzip"}),
    (f"{BASE}/resources/entries.csv?bom=1", {"Accept-Encoding": "gzip"}),
    (f"{BASE}/resources/entries.json", {"Accept-Encoding": "gzip"}),
)


def _node(config: dict[str, Any], instance: Path) -> Any:
    return create_app({**config, "INSTANCE_PATH": str(instance), "TESTING": True})


def test_two_nodes_serve_the_same_bytes(
    config: dict[str, Any], make_services: Any, tmp_path: Path
) -> None:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 300}})
    assert refresh(svc, "example_catalog").ok
    first, second = _node(config, tmp_path / "node1"), _node(config, tmp_path / "node2")
    try:
        bodies = {}
        for url, headers in URLS:
            resp = first.test_client().get(url, headers=headers, base_url="http://node1.local")
            assert resp.status_code == 200, (url, resp.data[:300])
            bodies[url] = (resp.data, resp.headers.get("ETag"))
        time.sleep(2.1)  # zip times have a resolution of two seconds
        for url, headers in URLS:
            resp = second.test_client().get(url, headers=headers, base_url="http://other.example")
            assert resp.status_code == 200, url
            assert resp.headers.get("ETag") == bodies[url][1], url
            assert resp.data == bodies[url][0], f"{url}: the bytes differ between nodes"
    finally:
        services_of(first).close()
        services_of(second).close()


def test_a_filtered_download_names_an_out_of_enum_value(
    config: dict[str, Any], make_services: Any
) -> None:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 20}})
    assert refresh(svc, "example_catalog").ok
    app = create_app({**config, "TESTING": True})
    try:
        for fmt in ("csv", "json", "xlsx"):
            resp = app.test_client().get(f"{BASE}/resources/entries.{fmt}?category=微信")
            assert resp.status_code == 400, fmt
            error = resp.get_json()["error"]
            assert error["code"] == "invalid_value" and "档案" in error["details"]["allowed"]
    finally:
        services_of(app).close()
