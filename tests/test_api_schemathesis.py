"""Property-based checks of /api/v1 against its own OpenAPI document (schemathesis).

Every GET operation gets a few generated requests (valid and invalid parameters, odd path
segments): no response may be a server error, and every response must match the document
(status codes, content types, the error envelope). Bounded: a few examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from example_sources import ExampleCatalog
from flask import Flask
from hypothesis import HealthCheck, given, settings

from opendata.app import create_app, services_of
from opendata.config import load_config
from opendata.pipeline.refresh import refresh
from opendata.services import Services
from opendata.sources.discovery import LoadedSource, Registry
from opendata.sources.discovery import load_config as load_source_config
from opendata.testing import prepare_database


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    cfg = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'db.sqlite3'}",
        },
        environ={},
    )
    prepare_database(cfg["DATABASE_URL"])
    svc = Services.from_config(cfg)
    registry = Registry()
    registry.sources["example_catalog"] = LoadedSource(
        ExampleCatalog, load_source_config(ExampleCatalog, {}), "tests"
    )
    svc.registry = registry
    assert refresh(svc, "example_catalog").ok
    app = create_app({**cfg, "TESTING": True})
    yield app
    services_of(app).close()
    svc.close()


@pytest.fixture(scope="module")
def api_schema(api_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app).include(method="GET")


def test_api_keeps_to_its_openapi_document(api_schema: Any) -> None:
    # One hypothesis run per operation (schemathesis' lazy pytest loader does not work with
    # this pytest); each run is bounded by max_examples.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: Any) -> None:
            # Every check, positive-data acceptance included.
            # The WSGI transport does not decode gzip (tested on its own in test_api_downloads).
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        check()
