"""`opendata sources sync`: what serving shows of sources is what the plugin loader found.

The web app reads od_sources only; these tests check what a sync writes (enabled with the
effective schedule, disabled, refused with a redacted reason), that the API shows exactly that,
that a sync replaces the previous set, and that syncs running at once (two schedulers starting
together) neither fail nor leave a mixed set.
"""

from __future__ import annotations

import threading
from typing import Any

from click.testing import CliRunner
from example_sources import ExampleCatalog

from opendata.app import create_app, services_of
from opendata.cli import main
from opendata.services import Services
from opendata.sources.sync import sync
from opendata.store.sources import SourceRow, all_sources, replace_all


def test_sync_writes_what_discovery_found_and_the_api_shows_it(
    config: dict[str, Any], database_url: str
) -> None:
    cfg = {
        **config,
        "DATABASE_URL": database_url,
        "SOURCES_ENABLED": ["archive_room", "fiscal_data", "leaky_import*"],
        "SOURCES_EXTRA": ["leaky_import:Source"],
        "SCHEDULER": {"schedules": {"fiscal_data": "30 4 * * 1"}},
    }
    svc = Services.from_config(cfg)
    try:
        written = {r.name: r for r in sync(svc)}
    finally:
        svc.close()
    assert written["archive_room"].state == "enabled"
    assert written["fiscal_data"].schedule == "30 4 * * 1"  # the configured override
    assert written["service_hall"].state == "disabled"
    refused = [r for r in written.values() if r.state == "refused"]
    assert len(refused) == 1 and "cannot be imported" in (refused[0].reason or "")
    app = create_app({**cfg, "TESTING": True})
    try:
        shown = {s["name"]: s for s in app.test_client().get("/api/v1/sources").json["sources"]}
    finally:
        services_of(app).close()
    assert set(shown) == set(written)
    assert shown["fiscal_data"]["schedule"] == "30 4 * * 1"
    assert shown["archive_room"]["title"] == written["archive_room"].title
    assert shown["service_hall"]["state"] == "disabled"
    assert shown[refused[0].name]["reason"] == refused[0].reason


def test_a_sync_replaces_the_previous_set(config: dict[str, Any], make_services: Any) -> None:
    svc = make_services(ExampleCatalog)
    replace_all(svc.engine, [SourceRow(name="gone_plugin", state="enabled")])
    sync(svc)
    assert [r.name for r in all_sources(svc.engine)] == ["example_catalog"]


def test_syncs_at_once_neither_fail_nor_mix(database_url: str, config: dict[str, Any]) -> None:
    svc = Services.from_config({**config, "DATABASE_URL": database_url})
    # The same names in every set (as two schedulers of one deployment write), a title per set.
    sets = [
        [SourceRow(name=f"s{i}", state="enabled", title=f"set {k}") for i in range(20)]
        for k in range(4)
    ]
    errors: list[str] = []

    def writer(rows: list[SourceRow]) -> None:
        try:
            for _ in range(30):
                replace_all(svc.engine, rows)
        except Exception as exc:  # the test reports what failed
            errors.append(repr(exc)[:300])

    threads = [threading.Thread(target=writer, args=(rows,)) for rows in sets]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        found = all_sources(svc.engine)
    finally:
        svc.close()
    assert not errors, errors
    assert len(found) == 20 and len({r.title for r in found}) == 1  # one whole set


def test_the_command_reports_its_counts(config: dict[str, Any], monkeypatch: Any) -> None:
    for key, value in (
        ("DATABASE_URL", config["DATABASE_URL"]),
        ("DATASETS_PATH", config["DATASETS_PATH"]),
        ("INSTANCE_PATH", config["INSTANCE_PATH"]),
    ):
        monkeypatch.setenv(f"OPENDATA_{key}", value)
    monkeypatch.setenv("OPENDATA_SOURCES_ENABLED", '["archive_room"]')
    done = CliRunner().invoke(main, ["sources", "sync"])
    assert done.exit_code == 0, done.output
    assert "1 enabled" in done.output and "0 refused" in done.output
