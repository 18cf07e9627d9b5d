"""Whole-resource downloads, filtered exports, the zipped package, conditional requests."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh

BASE = "/api/v1/datasets/example_catalog"


@pytest.fixture
def app(config: dict[str, Any], make_services: Any) -> Iterator[Flask]:
    svc = make_services(ExampleCatalog)
    assert refresh(svc, "example_catalog").ok
    flask_app = create_app({**config, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def published(app: Flask, name: str) -> bytes:
    svc = services_of(app)
    version = svc.catalog.dataset("example_catalog")["current_version"]
    return (svc.version_dir("example_catalog", version) / name).read_bytes()


def test_csv_is_the_published_file(client: FlaskClient, app: Flask) -> None:
    resp = client.get(f"{BASE}/resources/entries.csv")
    assert resp.status_code == 200
    assert resp.data == published(app, "entries.csv")
    assert resp.mimetype == "text/csv"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="example_catalog-entries-')
    utf8 = unquote(disposition.split("filename*=UTF-8''")[1])
    assert utf8.startswith("示例公开目录-公开目录条目-") and utf8.endswith(".csv")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "must-revalidate" in resp.headers["Cache-Control"]


def test_excel_csv_gzip_json_xlsx_zip(client: FlaskClient, app: Flask) -> None:
    original = published(app, "entries.csv")
    bom = client.get(f"{BASE}/resources/entries.csv?bom=1")
    assert bom.data == b"\xef\xbb\xbf" + original
    zipped = client.get(f"{BASE}/resources/entries.csv", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == original
    assert zipped.headers["ETag"] != client.get(f"{BASE}/resources/entries.csv").headers["ETag"]
    rows = json.loads(client.get(f"{BASE}/resources/entries.json").data)
    assert len(rows) == original.count(b"\n") - 1
    assert rows[0]["id"] == 1 and isinstance(rows[0]["amount"], float)
    sheet = load_workbook(io.BytesIO(client.get(f"{BASE}/resources/entries.xlsx").data)).active
    values = list(sheet.values)
    assert values[0][:2] == ("编号", "信息名称") and len(values) == len(rows) + 1
    package = zipfile.ZipFile(io.BytesIO(client.get(f"{BASE}/download.zip").data))
    assert set(package.namelist()) == {
        "datapackage.json",
        "entries.csv",
        "channels.csv",
        "validation-report.json",
        "README.txt",
        "excel/entries.csv",
        "excel/channels.csv",
    }
    assert package.read("entries.csv") == original
    assert package.read("excel/entries.csv") == b"\xef\xbb\xbf" + original
    assert "excel/" in package.read("README.txt").decode("utf-8")


def test_revalidation_answers_304(client: FlaskClient) -> None:
    for url in (
        f"{BASE}/resources/entries.csv",
        f"{BASE}/resources/entries.xlsx",
        f"{BASE}/download.zip",
        f"{BASE}/datapackage.json",
        f"{BASE}/resources/entries/rows?category=档案",
    ):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert not etag.startswith("W/")
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.headers["ETag"] == etag
        if "Last-Modified" in first.headers:
            since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
            assert since.status_code == 304, url


def test_version_addressed_downloads_are_immutable(client: FlaskClient, app: Flask) -> None:
    version = services_of(app).catalog.dataset("example_catalog")["current_version"]
    resp = client.get(f"{BASE}/resources/entries.csv?version={version}")
    assert "immutable" in resp.headers["Cache-Control"]
    missing = client.get(f"{BASE}/resources/entries.csv?version=20000101T000000000000Z")
    assert (
        missing.status_code == 404 and "20000101T000000000000Z" in missing.json["error"]["message"]
    )


def test_filtered_exports_stream_matching_rows(client: FlaskClient) -> None:
    resp = client.get(f"{BASE}/resources/entries.csv?category=档案&fields=id,title&bom=1")
    assert resp.is_streamed
    text = resp.data.decode("utf-8-sig").splitlines()
    assert text[0] == "id,title" and len(text) > 1
    ids = [int(line.split(",")[0]) for line in text[1:]]
    rows = client.get(f"{BASE}/resources/entries/rows?category=档案&_size=1000").json["rows"]
    assert ids == [r["id"] for r in rows]
    as_json = json.loads(client.get(f"{BASE}/resources/entries.json?q=预算").data)
    assert as_json and all("预算" in r["title"] and "_id" not in r for r in as_json)
    gz = client.get(f"{BASE}/resources/entries.json?q=预算", headers={"Accept-Encoding": "gzip"})
    assert json.loads(gzip.decompress(gz.data)) == as_json
    book = load_workbook(
        io.BytesIO(client.get(f"{BASE}/resources/entries.xlsx?category=档案").data)
    )
    assert len(list(book.active.values)) == len(rows) + 1
    bad = client.get(f"{BASE}/resources/entries.csv?nosuch=1")
    assert bad.status_code == 400 and "nosuch" in bad.json["error"]["message"]


def test_derived_files_are_built_once_and_old_versions_swept(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = services_of(app)
    stale = Path(app.instance_path, "cache", "downloads", "example_catalog", "20000101T000000Z")
    stale.mkdir(parents=True)  # the cache of a version that is no longer kept
    first = client.get(f"{BASE}/resources/entries.json")
    assert first.status_code == 200
    assert not stale.exists(), "building a file sweeps the folders of versions not kept"

    def no_catalog(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a cached file was answered with a catalog query")

    monkeypatch.setattr(svc.catalog, "versions", no_catalog)
    again = client.get(f"{BASE}/resources/entries.json")
    assert again.status_code == 200 and again.data == first.data
