"""The real ``ckanapi`` client — library and CLI — against opendata on a loopback HTTP server.

The server is werkzeug's ``make_server`` in a thread on 127.0.0.1:0 serving ``create_app`` over
published example data; ckanapi talks to it over real HTTP exactly as it talks to a CKAN site.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ckanapi
import pytest
from example_sources import ExampleCatalog
from werkzeug.serving import make_server

from opendata.app import create_app
from opendata.pipeline.build import serialise
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.services import Services

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))
ROWS = 250  # 225 published entries: several datastore pages of 60


class ServiceHallCatalog(ExampleCatalog):
    name = "service_hall_items"
    title = "政务服务事项目录"
    description = "政务服务大厅的办事事项"
    publisher = "政务服务中心"
    keywords = ("办事指南",)


@pytest.fixture
def site(
    make_services: Callable[..., Any], config: dict[str, Any]
) -> Iterator[tuple[str, Services]]:
    services: Services = make_services(
        ExampleCatalog, ServiceHallCatalog, options={"example_catalog": {"rows": ROWS}}
    )
    for name in ("example_catalog", "service_hall_items"):
        assert refresh(services, name).status is RunStatus.PUBLISHED
    # No SITE_URL: resource URLs then carry the loopback host the client used.
    app = create_app({**config, "SITE_URL": ""})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", services
    finally:
        server.shutdown()
        thread.join(timeout=10)


def published_rows(services: Services, dataset: str, resource: str) -> list[list[str]]:
    current = services.catalog.current_version(dataset)
    assert current is not None
    path = services.version_dir(dataset, current["id"]) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_remote_ckan_search_show_and_page_a_resource(site: tuple[str, Services]) -> None:
    url, services = site
    ckan = ckanapi.RemoteCKAN(url, apikey="not-needed", user_agent="opendata-tests")

    found = ckan.action.package_search(
        q="服务", fq="res_format:CSV", rows=10, **{"facet.field": ["organization", "tags"]}
    )
    assert found["count"] == 1
    assert [p["name"] for p in found["results"]] == ["service_hall_items"]
    assert found["search_facets"]["organization"]["items"][0]["display_name"] == "政务服务中心"

    pkg = ckan.action.package_show(id="example_catalog")
    assert pkg["title"] == "示例公开目录"
    entries = next(r for r in pkg["resources"] if r["resource_name"] == "entries")
    assert entries["url"] == f"{url}/api/v1/datasets/example_catalog/resources/entries.csv"

    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no_such_dataset")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=entries["id"], filters={"nope": 1})
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(nonsense=1)

    # Page through the whole resource the way scripts do: offset until a short page.
    header, *expected = published_rows(services, "example_catalog", "entries")
    records: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = ckan.action.datastore_search(resource_id=entries["id"], limit=60, offset=offset)
        assert page["total"] == len(expected)
        records += page["records"]
        if len(page["records"]) < 60:
            break
        offset += 60
    assert [[serialise(rec[h]) for h in header] for rec in records] == expected

    # The same through GET (ckanapi's get_only), filters travelling as a JSON string.
    getter = ckanapi.RemoteCKAN(url, get_only=True)
    got = getter.action.datastore_search(
        resource_id=entries["id"], filters=json.dumps({"category": "档案"}), limit=1000
    )
    assert got["records"] and {r["category"] for r in got["records"]} == {"档案"}
    assert got["total"] == sum(1 for row in expected if row[header.index("category")] == "档案")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # ckanapi's dump starts its workers as plain "ckanapi": the venv's bin must be on PATH.
    env = {**os.environ, "PATH": f"{Path(CKANAPI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [CKANAPI, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_cli_search_and_dump_datapackages(site: tuple[str, Services], tmp_path: Path) -> None:
    url, services = site

    searched = run_cli("search", "datasets", "-r", url, cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr
    lines = [json.loads(line) for line in searched.stdout.splitlines() if line.strip()]
    assert sorted(p["name"] for p in lines) == ["example_catalog", "service_hall_items"]

    out = tmp_path / "dump"
    dumped = run_cli(
        "dump", "datasets", "--all", "--datapackages", str(out), "-r", url, "-p", "1", cwd=tmp_path
    )
    assert dumped.returncode == 0, dumped.stderr
    assert sorted(p.name for p in out.iterdir()) == ["example_catalog", "service_hall_items"]

    descriptor = json.loads((out / "example_catalog" / "datapackage.json").read_text("utf-8"))
    assert descriptor["title"] == "示例公开目录"
    assert descriptor["license"]["type"] == "cc-by"
    assert set(descriptor["keywords"]) == {"测试", "公开目录"}
    resources = descriptor["resources"]
    assert len(resources) == 2
    # The Table Schema travels with each resource (our resources carry it as ``schema``).
    schemas = {r["title"]: r["schema"] for r in resources}
    assert [f["name"] for f in schemas["公开目录条目"]["fields"]][:2] == ["id", "title"]
    # Every downloaded file is one of the published CSVs byte for byte. (ckanapi 4.x downloads
    # each resource from the *last* resource's URL — a bug in ckanapi's create_datapackage loop
    # — so the files are compared as a set against what we published.)
    published = {
        (
            services.version_dir(
                "example_catalog", services.catalog.current_version("example_catalog")["id"]
            )
            / f"{name}.csv"
        ).read_bytes()
        for name in ("entries", "channels")
    }
    for resource in resources:
        data = (out / "example_catalog" / resource["path"]).read_bytes()
        assert data in published
