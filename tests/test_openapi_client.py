"""A client generated from the API's own OpenAPI documents pages through a resource.

openapi-python-client (a test extra) builds a typed client from the dataset's document at
/api/v1/datasets/<name>/openapi.json, served by a real HTTP server on loopback; the client's
typed filters and keyset paging must read exactly the rows the API gives directly.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from example_sources import ExampleCatalog
from werkzeug.serving import make_server

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh

#: The generator of this interpreter's environment (the test extra), whatever PATH holds.
GENERATOR = [sys.executable, "-m", "openapi_python_client"]
CONFIG = """\
post_hooks: []
content_type_overrides:
  application/zip: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""


@pytest.fixture
def base_url(config: dict[str, Any], make_services: Any) -> Iterator[str]:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 60}})
    assert refresh(svc, "example_catalog").ok
    app = create_app({**config, "TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    services_of(app).close()


def generate(document_url: str, package: str, folder: Path) -> ModuleType:
    """Generate a client package from ``document_url`` into ``folder`` and import it."""
    document = folder / f"{package}.json"
    document.write_bytes(requests.get(document_url, timeout=30).content)
    settings = folder / f"{package}.yaml"
    settings.write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        [
            *GENERATOR,
            "generate",
            "--path",
            str(document),
            "--config",
            str(settings),
            "--meta",
            "none",
            "--output-path",
            str(folder / package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


def test_generated_client_pages_through_a_resource(base_url: str, tmp_path: Path) -> None:
    generate(f"{base_url}/api/v1/datasets/example_catalog/openapi.json", "catalog_client", tmp_path)
    client_module = importlib.import_module("catalog_client")
    rows_api = importlib.import_module("catalog_client.api.rows.get_rows_entries")
    category_enum = importlib.import_module(
        "catalog_client.models.get_rows_entries_category"
    ).GetRowsEntriesCategory
    client = client_module.Client(base_url=base_url)

    def every_row(**filters: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = rows_api.sync(client=client, field_size=7, **filters)
        version = page.version
        pages = 1
        while True:
            rows += [row.to_dict() for row in page.rows]
            if not page.next_:
                break
            page = rows_api.sync(
                client=client, field_size=7, field_next_=page.next_, version=version, **filters
            )
            pages += 1
            assert pages < 50
        return rows

    direct = requests.get(
        f"{base_url}/api/v1/datasets/example_catalog/resources/entries/rows?_size=1000", timeout=30
    ).json()
    rows = every_row()
    assert len(rows) == direct["total"] > 7  # several pages
    assert rows == direct["rows"]

    # A typed filter: the enum field's values are the client's enum.
    # A date filter is a datetime.date in the client.
    fiscal = every_row(category=category_enum("财政"), published_gte=date(2000, 1, 1))
    expected = [r for r in direct["rows"] if r["category"] == "财政"]
    assert fiscal == expected and fiscal


def test_generated_client_of_the_whole_api_lists_the_catalogue(
    base_url: str, tmp_path: Path
) -> None:
    generate(f"{base_url}/api/v1/openapi.json", "opendata_client", tmp_path)
    client_module = importlib.import_module("opendata_client")
    listing = importlib.import_module("opendata_client.api.datasets.list_datasets")
    result = listing.sync(client=client_module.Client(base_url=base_url), q="example")
    assert [item.name for item in result.items] == ["example_catalog"]
    assert result.suggestions == []
