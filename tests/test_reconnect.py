"""After the database restarts, a web worker's pooled connections are dead: the first request
that finds one must still be answered from a fresh connection, not with a 503 (the pool is not
pre-pinged, to save a round trip a request).

A restart is what the worker sees when the server ends its sessions: here its pooled
connections are ended with pg_terminate_backend.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
from example_sources import ExampleCatalog
from sqlalchemy import create_engine, text

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh

BASE = "/api/v1/datasets/example_catalog"
PATHS = (
    f"{BASE}/resources/entries/rows?_size=5",
    "/api/3/action/datastore_search?resource_id=example_catalog.entries&limit=5",
    "/healthz",
    f"{BASE}/resources/entries.csv?category=档案",
)


def _pooled_pids(engine: Any, count: int = 3) -> list[int]:
    """The server pids of ``count`` pooled connections (all checked out at once, so distinct)."""
    with ExitStack() as stack:
        conns = [stack.enter_context(engine.connect()) for _ in range(count)]
        return [int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar()) for c in conns]


@pytest.mark.postgres
@pytest.mark.parametrize("path", PATHS)
def test_a_request_after_a_database_restart_reads_on_a_fresh_connection(
    config: dict[str, Any], make_services: Any, postgres_url: str, postgres_base_url: str, path: str
) -> None:
    svc = make_services(ExampleCatalog, DATABASE_URL=postgres_url)
    assert refresh(svc, "example_catalog").ok
    app = create_app({**config, "DATABASE_URL": postgres_url, "TESTING": True})
    client = app.test_client()
    try:
        assert client.get(path).status_code == 200
        pids = _pooled_pids(services_of(app).engine)
        admin = create_engine(postgres_base_url)
        with admin.begin() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        resp = client.get(path)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        assert client.get(path).status_code == 200
    finally:
        services_of(app).close()
