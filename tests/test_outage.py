"""A catalog database out of reach is a prompt 503 with Retry-After, not a 500 or a hang.

The app starts against a real PostgreSQL schema; its engine is then pointed at a port where
nothing listens (connections refused, as while PostgreSQL restarts). tests/test_multinode.py
stops a real PostgreSQL under two nodes and nginx.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.store.catalog import Catalog
from opendata.store.db import make_engine

pytestmark = pytest.mark.postgres


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


@pytest.fixture
def app(config: dict[str, Any], postgres_url: str, make_services: Any) -> Iterator[Flask]:
    svc = make_services(ExampleCatalog, DATABASE_URL=postgres_url)
    assert refresh(svc, "example_catalog").ok
    flask_app = create_app({**config, "DATABASE_URL": postgres_url, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


def _cut_off(app: Flask) -> None:
    services = services_of(app)
    services.engine.dispose()
    services.engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/x")
    services.catalog = Catalog(services.engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets",
        "/api/v1/datasets/example_catalog",
        "/api/v1/datasets/example_catalog/resources/entries/rows",
        "/api/v1/datasets/example_catalog/resources/entries.csv",
    ],
)
def test_the_api_answers_503_in_its_envelope(app: Flask, client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200
    _cut_off(app)
    resp = client.get(path)
    assert resp.status_code == 503, resp.data[:300]
    assert resp.headers["Retry-After"] == "5"
    error = resp.json["error"]
    assert error["code"] == "unavailable"
    assert "127.0.0.1" not in resp.text and "postgres" not in resp.text


def test_the_portal_answers_503_without_server_details(app: Flask, client: FlaskClient) -> None:
    _cut_off(app)
    resp = client.get("/")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"]
    assert "127.0.0.1" not in resp.text and "psycopg" not in resp.text


def test_ckan_answers_503_in_its_envelope(app: Flask, client: FlaskClient) -> None:
    path = "/api/3/action/package_show?id=example_catalog"
    assert client.get(path).status_code == 200
    _cut_off(app)
    resp = client.get(path)
    assert resp.status_code == 503, resp.data[:300]
    assert resp.headers["Retry-After"]
    assert resp.json["success"] is False
    assert "127.0.0.1" not in resp.text


def test_healthz_says_the_database_is_down(app: Flask, client: FlaskClient) -> None:
    _cut_off(app)
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json["status"] == "error"


def test_a_statement_error_is_not_an_outage(app: Flask, client: FlaskClient) -> None:
    # A bad query of the caller is still its 4xx, not a 503 (the handler is for outages only).
    resp = client.get("/api/v1/datasets/example_catalog/resources/entries/rows?nosuchfield=1")
    assert resp.status_code == 400
