"""Big resources are loaded into the datastore by a child process while build writes them."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from example_sources import ExampleCatalog
from sqlalchemy import inspect, text

from conftest import make_registry
from opendata.pipeline import preload, publish
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.store import query, rowload


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    # a few thousand rows exercise the same path as millions: loader start, many size
    # messages, several commit chunks
    monkeypatch.setattr(preload, "THRESHOLD_ROWS", 500)
    monkeypatch.setattr(rowload, "CHUNK_ROWS", 700)


def test_preloaded_table_equals_the_published_csv(
    make_services: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options={"example_catalog": {"rows": 6000}}
    )
    # A loader that failed would be covered up by publish loading the table itself: record
    # what publish loads, and require that the big table was not among them.
    loaded_at_publish: list[str] = []
    load = publish.datastore.load

    def recording_load(engine: Any, name: str, *args: Any) -> int:
        loaded_at_publish.append(name)
        return load(engine, name, *args)

    monkeypatch.setattr(publish.datastore, "load", recording_load)
    result = refresh(services, "example_catalog")
    assert result.status is RunStatus.PUBLISHED, result.error
    table = services.catalog.datastore_table(result.version, "entries")
    assert table["table_name"] not in loaded_at_publish
    with (services.version_dir("example_catalog", result.version) / "entries.csv").open(
        encoding="utf-8"
    ) as fh:
        published = list(csv.DictReader(fh))
    assert table["row_count"] == len(published) == result.rows["entries"]
    with services.engine.connect() as conn:
        rows = conn.execute(
            text(f'SELECT _id, id, title, amount FROM "{table["table_name"]}" ORDER BY _id')
        ).all()
    assert [r[0] for r in rows] == list(range(1, len(published) + 1))
    assert [(r[1], r[2]) for r in rows] == [(int(p["id"]), p["title"]) for p in published]
    assert not services.catalog.pending_tables("example_catalog")
    # The full-text index was filled from the token worker's output, row for row.
    ref = query.TableRef.from_catalog(table)
    title = published[4321]["title"]
    found = query.page(services.engine, ref, query.RowQuery(q=title, limit=100))
    assert 4322 in [r["_id"] for r in found.rows]
    assert all(r["title"] == title for r in found.rows)


def test_a_failed_run_drops_what_the_loader_made(make_services: Any, database_url: str) -> None:
    services = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options={"example_catalog": {"rows": 6000}}
    )
    good = refresh(services, "example_catalog")
    services.registry = make_registry(
        ExampleCatalog,
        options={"example_catalog": {"rows": 6000, "mode": "fk_broken", "revision": 1}},
    )
    failed = refresh(services, "example_catalog")
    assert failed.status is RunStatus.FAILED
    tables = services.catalog.datastore_tables_of("example_catalog")
    assert {t["version"] for t in tables} == {good.version}
    kept = {t["table_name"] for t in tables}
    existing = {
        n
        for n in inspect(services.engine).get_table_names()
        if n.startswith("ods_") and "_fts" not in n
    }
    assert existing == kept
    assert not services.catalog.pending_tables("example_catalog")


def test_unchanged_content_loads_nothing_new(make_services: Any) -> None:
    services = make_services(ExampleCatalog, options={"example_catalog": {"rows": 3000}})
    first = refresh(services, "example_catalog")
    again = refresh(services, "example_catalog")
    assert again.status is RunStatus.UNCHANGED and again.version == first.version
    existing = {
        n
        for n in inspect(services.engine).get_table_names()
        if n.startswith("ods_") and "_fts" not in n
    }
    assert existing == {
        t["table_name"] for t in services.catalog.datastore_tables_of("example_catalog")
    }
