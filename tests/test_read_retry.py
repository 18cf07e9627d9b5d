"""The one retry rule for pruned versions holds on every protocol.

A request resolves the version it reads; a refresh may publish twice and prune that version
before the request opens its file or table. Each test resolves, then publishes two revisions
(so that the resolved version is pruned: the previous one is always kept), then lets the read
go on: the response must come wholly from the new current version, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from example_sources import ExampleCatalog

from conftest import make_registry
from opendata.api.ckan import datastore as ckan_datastore
from opendata.api.ckan import dump as ckan_dump
from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.read import snapshot
from opendata.services import Services

NAME = "example_catalog"


def _publish(svc: Services, revision: int) -> str:
    svc.registry = make_registry(ExampleCatalog, options={NAME: {"revision": revision}})
    result = refresh(svc, NAME)
    assert result.ok and result.version
    return result.version


def _stale_first(svc: Services, resolve: Callable[..., Any], later: list[str]) -> Any:
    """``resolve`` whose first answer is pruned before the caller reads it."""
    calls = {"n": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        found = resolve(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            later.extend(_publish(svc, r) for r in (1, 2))
            assert len(svc.catalog.versions(NAME)) == 2  # the first version is gone
        return found

    return wrapped


@pytest.fixture
def setup(config: dict[str, Any], make_services: Any, database_url: str) -> Any:
    svc = make_services(ExampleCatalog, KEEP_VERSIONS=2, DATABASE_URL=database_url)
    _publish(svc, 0)
    app = create_app({**config, "KEEP_VERSIONS": 2, "DATABASE_URL": database_url, "TESTING": True})
    yield svc, app
    services_of(app).close()


def test_native_rows_read_the_new_version(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    svc, app = setup
    later: list[str] = []
    monkeypatch.setattr(snapshot, "resolve", _stale_first(svc, snapshot.resolve, later))
    resp = app.test_client().get(f"/api/v1/datasets/{NAME}/resources/entries/rows?_size=5")
    assert resp.status_code == 200, resp.data
    assert resp.headers["X-Opendata-Version"] == later[-1]
    assert all(r["title"].count("（修订）") == 2 for r in resp.get_json()["rows"])


def test_ckan_datastore_search_reads_the_new_version(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, app = setup
    later: list[str] = []
    monkeypatch.setattr(ckan_datastore, "resolve", _stale_first(svc, ckan_datastore.resolve, later))
    resp = app.test_client().get(
        f"/api/3/action/datastore_search?resource_id={NAME}.entries&limit=5"
    )
    assert resp.status_code == 200, resp.data
    records = resp.get_json()["result"]["records"]
    assert records and all(r["title"].count("（修订）") == 2 for r in records)


@pytest.mark.parametrize("query", ["", "?format=json", "?category=档案"])
def test_ckan_dump_reads_the_new_version(
    setup: Any, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    svc, app = setup
    later: list[str] = []
    monkeypatch.setattr(ckan_dump, "resolve", _stale_first(svc, ckan_dump.resolve, later))
    resp = app.test_client().get(f"/datastore/dump/{NAME}.entries{query}")
    assert resp.status_code == 200, resp.data
    body = resp.get_data(as_text=True)
    assert "（修订）（修订）" in body
    assert "通知" in body or "format=json" in query
