"""Catalogue search, dataset metadata, versions and changes, runs, errors and CORS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from example_sources import DerivedSummary, ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.read.freshness import freshness
from opendata.schedules.settings import SchedulerSettings
from opendata.schedules.triggers import make_trigger

BASE = "/api/v1/datasets/example_catalog"


@pytest.fixture
def app(config: dict[str, Any], database_url: str, make_services: Any) -> Iterator[Flask]:
    svc = make_services(ExampleCatalog, DerivedSummary, DATABASE_URL=database_url)
    assert refresh(svc, "example_catalog").ok
    assert refresh(svc, "derived_summary").ok
    flask_app = create_app({**config, "DATABASE_URL": database_url, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_search_finds_chinese_words_and_counts_facets(client: FlaskClient) -> None:
    everything = client.get("/api/v1/datasets").json
    assert everything["total"] == 2
    assert {f["value"] for f in everything["facets"]["source"]} == {
        "example_catalog",
        "derived_summary",
    }
    assert everything["facets"]["publisher"] == [{"value": "测试机关", "count": 2}]
    for word, expected in (
        ("发布渠道", {"example_catalog"}),
        ("统计", {"derived_summary"}),
        ("公开渠道", {"example_catalog"}),
        ("主题分类", None),
    ):
        names = {i["name"] for i in client.get(f"/api/v1/datasets?q={word}").json["items"]}
        assert names == (expected or {"example_catalog", "derived_summary"}), word
    assert client.get("/api/v1/datasets?q=档案馆").json["total"] == 0
    by_keyword = client.get("/api/v1/datasets?keyword=公开目录").json
    assert [i["name"] for i in by_keyword["items"]] == ["example_catalog"]
    paged = client.get("/api/v1/datasets?_size=1").json
    assert len(paged["items"]) == 1 and "_offset=1" in paged["next_url"]


def test_dataset_metadata_has_dictionary_versions_run_freshness(client: FlaskClient) -> None:
    resp = client.get(BASE)
    body = resp.json
    assert resp.status_code == 200 and body["version"] == resp.headers["X-Opendata-Version"]
    entries = next(r for r in body["resources"] if r["name"] == "entries")
    title = next(f for f in entries["fields"] if f["name"] == "title")
    assert title["title"] == "信息名称" and title["type"] == "string" and title["searchable"]
    category = next(f for f in entries["fields"] if f["name"] == "category")
    assert category["constraints"]["enum"] == ["财政", "档案", "许可", "服务"]
    assert entries["primary_key"] == ["id"]
    assert [v["id"] for v in body["versions"]] == [body["version"]]
    assert body["last_run"]["status"] == "published"
    assert body["freshness"]["status"] == "fresh"
    assert body["freshness"]["expected_interval_seconds"] == 86400
    resource = client.get(f"{BASE}/resources/entries").json
    assert resource["fields"] == entries["fields"]
    package = client.get(f"{BASE}/datapackage.json").json
    assert package["version"] == body["version"] and package["name"] == "example_catalog"


def test_freshness_against_the_schedule() -> None:
    last = datetime(2026, 3, 2, 19, 30, tzinfo=UTC)  # 03:30 in Shanghai
    fresh = freshness("0 3 * * *", last, datetime(2026, 3, 3, 19, 30, tzinfo=UTC))
    assert fresh["status"] == "fresh"
    assert fresh["next_expected"] == datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
    late = freshness("0 3 * * *", last, datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    assert late["status"] == "overdue" and late["overdue_seconds"] > 0
    assert freshness("0 3 * * *", None, last)["status"] == "never"
    assert freshness("", last, last)["status"] == "unscheduled"


def test_freshness_reads_schedules_as_the_scheduler_does() -> None:
    """Crontab weekday 1 is Monday (APScheduler alone would say Tuesday); @every works."""
    last = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # a Sunday
    weekly = freshness("15 3 * * 1", last, last)
    settings = SchedulerSettings.from_config({})
    trigger = make_trigger("15 3 * * 1", settings.timezone)
    assert weekly["next_expected"] == trigger.get_next_fire_time(None, last)
    assert weekly["next_expected"].astimezone(settings.timezone).strftime("%a %H:%M") == "Mon 03:15"
    every = freshness("@every 10m", last, last + timedelta(minutes=5))
    assert every["status"] == "fresh" and every["expected_interval_seconds"] == 600
    # The allowance is the scheduler's: misfire grace plus jitter, not the grace alone.
    due = every["next_expected"]
    edge = due + timedelta(seconds=settings.misfire_grace_time + settings.jitter - 1)
    assert freshness("@every 10m", last, edge)["status"] == "fresh"
    assert freshness("@every 10m", last, edge + timedelta(seconds=2))["status"] == "overdue"


def test_versions_and_changes_by_primary_key(
    app: Flask, client: FlaskClient, database_url: str, make_services: Any
) -> None:
    old = services_of(app).catalog.dataset("example_catalog")["current_version"]
    svc = make_services(
        ExampleCatalog,
        DATABASE_URL=database_url,
        options={"example_catalog": {"rows": 25, "revision": 1}},
    )
    new = refresh(svc, "example_catalog").version
    versions = client.get(f"{BASE}/versions").json
    assert [v["id"] for v in versions["versions"]] == [new, old]
    detail = client.get(f"{BASE}/versions/{old}")
    assert detail.json["descriptor"]["version"] == old
    assert "immutable" in detail.headers["Cache-Control"]
    url = f"{BASE}/versions/{new}/changes?since={old}&resource=entries&_size=7"
    changes: list[dict[str, Any]] = []
    while url:
        resp = client.get(url)
        page = resp.json
        changes += page["changes"]
        url = page["next_url"]
        assert resp.headers.get("Link") == (f'<{url}>; rel="next"' if url else None)
    ops: dict[str, list[int]] = {}
    for change in changes:
        ops.setdefault(change["op"], []).append(change["key"]["id"])
    # 20 → 25 rows: 21–25 are new (the 20th was withheld); every kept title was revised.
    assert ops["added"] == [21, 22, 23, 24, 25]
    assert sorted(ops["changed"]) == [i for i in range(1, 21) if i % 10]
    assert "removed" not in ops
    first = next(c for c in changes if c["op"] == "changed")
    assert first["changed"]["title"]["new"].endswith("（修订）")
    back = client.get(f"{BASE}/versions/{old}/changes?since={new}&resource=entries&_size=100")
    assert sorted(c["key"]["id"] for c in back.json["changes"] if c["op"] == "removed") == [
        21,
        22,
        23,
        24,
        25,
    ]
    need = client.get(f"{BASE}/versions/{new}/changes?since={old}")
    assert need.status_code == 400 and "resource" in need.json["error"]["message"]


def test_runs_with_reports(client: FlaskClient, database_url: str, make_services: Any) -> None:
    svc = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options={"example_catalog": {"mode": "invalid"}}
    )
    failed = refresh(svc, "example_catalog")
    assert not failed.ok
    runs = client.get("/api/v1/runs?dataset=example_catalog").json["runs"]
    assert runs[0]["id"] == failed.run_id
    only_failed = client.get("/api/v1/runs?status=failed").json["runs"]
    assert [r["id"] for r in only_failed] == [failed.run_id]
    detail = client.get(f"/api/v1/runs/{failed.run_id}").json
    assert detail["report"]["valid"] is False and detail["error_kind"] == "validation"
    paged_resp = client.get("/api/v1/runs?_size=1")
    paged = paged_resp.json
    assert len(paged["runs"]) == 1 and paged["next"] is not None
    assert paged_resp.headers["Link"] == f'<{paged["next_url"]}>; rel="next"'
    older = client.get(paged["next_url"]).json["runs"]
    assert older[0]["id"] < paged["runs"][0]["id"]
    assert client.get("/api/v1/runs/999999").status_code == 404


def test_error_envelope_cors_and_docs(client: FlaskClient) -> None:
    for url, status, named in (
        ("/api/v1/nosuch", 404, "/api/v1/nosuch"),
        ("/api/v1/datasets/nosuch", 404, "nosuch"),
        ("/api/v1/datasets/Bad-Name", 400, "Bad-Name"),
        ("/api/v1/datasets/example_catalog/resources/x.y", 400, "x.y"),
        ("/api/v1/datasets?_size=0", 400, "_size"),
    ):
        resp = client.get(url)
        assert resp.status_code == status, url
        assert named in resp.json["error"]["message"], url
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    wrong = client.post("/api/v1/datasets")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    spec = client.get("/api/v1/openapi.json").json
    assert (
        spec["openapi"].startswith("3.")
        and "/api/v1/datasets/{name}/resources/{res}/rows" in spec["paths"]
    )
    assert client.get("/api/v1/docs").status_code == 200


def test_catalogue_pages_read_each_version_once_per_process(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get("/api/v1/datasets").json
    assert client.get("/").status_code == 200
    catalog = services_of(app).catalog

    def no_query(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an immutable version row was read from the catalog again")

    monkeypatch.setattr(catalog, "version", no_query)
    monkeypatch.setattr(catalog, "current_version", no_query)
    assert client.get("/api/v1/datasets").json == first
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/datasets/example_catalog").status_code == 200
