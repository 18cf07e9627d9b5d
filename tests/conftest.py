"""Fixtures shared by the core tests: configs on tmp folders, SQLite and PostgreSQL, the app."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from opendata.config import load_config
from opendata.plugin import Source
from opendata.services import Services
from opendata.sources.discovery import LoadedSource, Registry
from opendata.sources.discovery import load_config as load_source_config
from opendata.testing import prepare_database

sys.path.insert(0, str(Path(__file__).parent))  # tests import example_sources

PG_URL = os.environ.get(
    "OPENDATA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    if not _postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    return PG_URL


@pytest.fixture
def empty_postgres_url(postgres_base_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{postgres_base_url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def postgres_url(empty_postgres_url: str) -> str:
    """A fresh PostgreSQL schema with the catalog schema made, as `opendata db upgrade` does."""
    prepare_database(empty_postgres_url)
    return empty_postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs on SQLite and on PostgreSQL, with the catalog schema made."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"
        prepare_database(url)
        return url
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    """An embedded-default configuration rooted in this test's tmp folder, its schema made."""
    config = load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}",
        },
        environ={},
    )
    prepare_database(config["DATABASE_URL"])
    return config


def make_registry(*classes: type[Source], options: dict[str, Any] | None = None) -> Registry:
    """A registry of the given source classes, as discovery would build it."""
    registry = Registry()
    for cls in classes:
        config = load_source_config(cls, (options or {}).get(cls.name, {}))
        registry.sources[cls.name] = LoadedSource(cls, config, "tests")
    return registry


@pytest.fixture
def make_services(config: dict[str, Any]) -> Iterator[Any]:
    """Build Services over test sources: ``make_services(SourceA, SourceB, DATABASE_URL=...)``."""
    made: list[Services] = []

    def factory(
        *classes: type[Source], options: dict[str, Any] | None = None, **overrides: Any
    ) -> Services:
        cfg = {**config, **overrides}
        prepare_database(cfg["DATABASE_URL"])  # a DATABASE_URL of the test's own, too
        services = Services.from_config(cfg)
        services.registry = make_registry(*classes, options=options)
        made.append(services)
        return services

    yield factory
    for services in made:
        services.close()
