"""/metrics: requests, downloads and refreshes counted as they happen, in one process and
summed over gunicorn's workers; the request id; JSON logs."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from opendata import metrics as od_metrics
from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.sources.sync import sync
from opendata.store import heartbeat

ROOT = Path(__file__).resolve().parents[1]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def samples(text: str) -> Samples:
    """Every sample of a scrape by (name, sorted labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def app(config: dict[str, Any], database_url: str, make_services: Any) -> Iterator[Flask]:
    svc = make_services(
        ExampleCatalog, DATABASE_URL=database_url, options={"example_catalog": {"rows": 60}}
    )
    sync(svc)
    assert refresh(svc, "example_catalog").ok
    flask_app = create_app({**config, "DATABASE_URL": database_url, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


def scrape(app: Flask) -> Samples:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def test_requests_downloads_and_refreshes_are_counted(app: Flask) -> None:
    client = app.test_client()
    base = "/api/v1/datasets/example_catalog"
    assert client.get(f"{base}/resources/entries/rows?_size=5").status_code == 200
    assert client.get(f"{base}/resources/entries/rows?_size=5").status_code == 200
    csv = client.get(f"{base}/resources/entries.csv")
    assert csv.status_code == 200
    exported = client.get(f"{base}/resources/entries.csv?category=财政")  # streamed export
    assert exported.status_code == 200
    # Bytes are counted as they are sent: the whole body is read before the scrape.
    sent = len(csv.get_data()) + len(exported.get_data())
    assert client.get("/api/v1/datasets/no_such").status_code == 404
    assert client.get("/api/3/action/package_list").status_code == 200
    assert client.get("/catalog.ttl").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200
    found = scrape(app)

    def requests(endpoint: str, status: str) -> float | None:
        return value(found, "opendata_http_requests_total", endpoint=endpoint, status=status)

    assert requests("api_v1_rows", "200") == 2
    assert requests("download", "200") == 2
    assert requests("api_v1_other", "404") == 1
    assert requests("ckan", "200") == 1
    assert requests("dcat", "200") == 1
    assert requests("portal", "200") == 1
    assert requests("health", "200") == 1
    assert requests("metrics", "200") is None  # a scrape is counted after it is answered
    rows_latency = value(
        found,
        "opendata_http_request_duration_seconds_count",
        endpoint="api_v1_rows",
        status="200",
    )
    assert rows_latency == 2
    assert value(found, "opendata_download_bytes_total", endpoint="download") == sent

    # From the catalog: the refresh, its duration, what it published, since its success.
    svc = services_of(app)
    assert (
        value(found, "opendata_refresh_runs_total", source="example_catalog", outcome="published")
        == 1
    )
    assert value(found, "opendata_refresh_duration_seconds_count", source="example_catalog") == 1
    current = svc.catalog.current_version("example_catalog")
    assert current is not None
    for resource, count in current["rows"].items():
        assert (
            value(found, "opendata_rows_published", source="example_catalog", resource=resource)
            == count
        )
    since = value(found, "opendata_source_seconds_since_last_success", source="example_catalog")
    assert since is not None and 0 <= since < 3600
    assert value(found, "opendata_source_overdue", source="example_catalog") == 0
    assert value(found, "opendata_catalog_up") == 1
    # No scheduler has run: no age, until one beats.
    assert value(found, "opendata_scheduler_heartbeat_age_seconds") is None
    heartbeat.beat(svc.engine, "test-scheduler", {})
    age = value(scrape(app), "opendata_scheduler_heartbeat_age_seconds")
    assert age is not None and 0 <= age < 60


def test_rate_limited_requests_are_counted(app: Flask) -> None:
    with app.test_request_context("/api/3/action/package_search"):
        od_metrics.count_rate_limited("ckan")
        od_metrics.count_rate_limited()  # the current request's class
    od_metrics.count_rate_limited("ckan")  # outside a request: nothing, no error
    found = scrape(app)
    assert value(found, "opendata_rate_limited_requests_total", endpoint="ckan") == 2


def test_metrics_through_a_proxy_is_judged_by_the_client_address(
    config: dict[str, Any], database_url: str
) -> None:
    # nginx on the same host relays everyone from 127.0.0.1: unless it is a trusted proxy (whose
    # X-Forwarded-For then gives the client), a relayed request is not "from loopback".
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    untrusted = create_app({**config, "DATABASE_URL": database_url, "TESTING": True})
    assert untrusted.test_client().get("/metrics", headers=relayed).status_code == 403
    assert untrusted.test_client().get("/metrics").status_code == 200
    services_of(untrusted).close()
    trusted = create_app(
        {
            **config,
            "DATABASE_URL": database_url,
            "PROXY": {"trusted": ["127.0.0.1/32"], "hops": 1},
            "TESTING": True,
        }
    )
    client = trusted.test_client()
    assert client.get("/metrics", headers=relayed).status_code == 403
    local = {"X-Forwarded-For": "127.0.0.1"}
    assert client.get("/metrics", headers=local).status_code == 200
    services_of(trusted).close()


def test_metrics_is_restricted_to_networks_or_the_token(
    config: dict[str, Any], database_url: str
) -> None:
    token = "m" * 24
    app = create_app(
        {**config, "DATABASE_URL": database_url, "METRICS": {"token": token}, "TESTING": True}
    )
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403
    assert "metrics.allowed_networks" in refused.get_data(as_text=True)
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 403
    opened = client.get(
        "/metrics", environ_base=outside, headers={"Authorization": f"Bearer {token}"}
    )
    assert opened.status_code == 200 and b"opendata_catalog_up 1.0" in opened.get_data()
    assert client.get("/metrics").status_code == 200  # loopback by default
    services_of(app).close()
    closed = create_app(
        {**config, "DATABASE_URL": database_url, "METRICS": {"enabled": False}, "TESTING": True}
    )
    assert closed.test_client().get("/metrics").status_code == 404
    services_of(closed).close()


def test_an_unreadable_catalog_is_a_scrape_that_says_so(app: Flask) -> None:
    svc = services_of(app)
    if svc.engine.dialect.name == "sqlite":
        gone = "sqlite:////dev/null/nonexistent/x.sqlite3"
    else:
        gone = svc.engine.url.set(database="no_such_database_x").render_as_string(False)
    svc.engine = create_engine(gone)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert value(samples(response.get_data(as_text=True)), "opendata_catalog_up") == 0
    for secret in (b"nonexistent", b"no_such_database", b"Traceback"):
        assert secret not in response.get_data()
    svc.engine.dispose()


def test_the_request_id_is_echoed_when_sane_and_made_otherwise(app: Flask) -> None:
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-Id": "nginx-5f3a.9_b:1"})
    assert given.headers["X-Request-Id"] == "nginx-5f3a.9_b:1"
    for bad in ("", "a b", "<script>", "x" * 129, "标识"):
        made = client.get("/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"]), bad
    one, two = client.get("/"), client.get("/")
    assert one.headers["X-Request-Id"] != two.headers["X-Request-Id"]
    limited = client.get("/api/v1/datasets?q=" + "x" * 20000)  # refused by the bounds
    assert limited.status_code == 400 and "X-Request-Id" in limited.headers


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The JSON handler's output; the ``opendata`` logger is put back as it was after."""
    logger = logging.getLogger("opendata")
    before = (list(logger.handlers), logger.propagate, logger.level)
    stream = io.StringIO()
    yield stream
    logger.handlers[:] = before[0]
    logger.propagate, logger.level = before[1], before[2]


def test_json_logs_carry_the_request_id(
    config: dict[str, Any], database_url: str, json_log: io.StringIO
) -> None:
    app = create_app(
        {
            **config,
            "DATABASE_URL": database_url,
            "LOGS": {"format": "json", "requests": True},
        }
    )
    handler = next(h for h in logging.getLogger("opendata").handlers if hasattr(h, "setStream"))
    handler.setStream(json_log)  # type: ignore[attr-defined]

    @app.get("/boom-for-test")
    def boom() -> str:
        logging.getLogger("opendata.test").warning("一条警告 %s", 42)
        raise RuntimeError("the detail")

    client = app.test_client()
    assert client.get("/boom-for-test", headers={"X-Request-Id": "req-1"}).status_code == 500
    assert client.get("/healthz", headers={"X-Request-Id": "req-2"}).status_code == 200
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    warning = next(r for r in lines if r["logger"] == "opendata.test")
    assert warning["message"] == "一条警告 42" and warning["request_id"] == "req-1"
    crash = next(r for r in lines if "exception" in r)
    assert crash["request_id"] == "req-1" and "RuntimeError: the detail" in crash["exception"]
    access = [r for r in lines if r["logger"] == "opendata.request"]
    assert [(r["request_id"], r["status"], r["endpoint_class"]) for r in access] == [
        ("req-1", 500, "portal"),
        ("req-2", 200, "health"),
    ]
    services_of(app).close()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


@pytest.mark.slow
def test_gunicorn_workers_add_up(
    config: dict[str, Any], make_services: Any, tmp_path: Path
) -> None:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 30}})
    sync(svc)
    assert refresh(svc, "example_catalog").ok
    port = free_port()
    # No PROMETHEUS_MULTIPROC_DIR: the shipped configuration chooses the folder itself.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENDATA_", "PROMETHEUS"))}
    env.update(
        OPENDATA_INSTANCE_PATH=config["INSTANCE_PATH"],
        OPENDATA_DATASETS_PATH=config["DATASETS_PATH"],
        OPENDATA_DATABASE_URL=config["DATABASE_URL"],
        TMPDIR=str(tmp_path),
        OPENDATA_LOGS__FORMAT="json",
        OPENDATA_LOGS__REQUESTS="true",
    )
    log_path = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), *_two_workers(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    metrics_dir = tmp_path / f"opendata-prometheus-{server.pid}"  # the master's own
    try:
        _wait_for(f"{base}/healthz", log_path)
        rows = f"{base}/api/v1/datasets/example_catalog/resources/entries/rows?_size=3"
        # Side by side, so that both sync workers answer some (batches until both have).
        sent, workers = 0, set[str]()
        with ThreadPoolExecutor(8) as pool:
            while len(workers) < 2 and sent < 400:
                list(pool.map(_get, [rows] * 40))
                sent += 40
                workers = {p.stem.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
        print(f"{sent} requests; counter files of {len(workers)} worker(s): {sorted(workers)}")
        assert len(workers) == 2, "both workers answered and wrote their counters"
        for _ in range(4):  # whichever worker answers the scrape, it reports the node's total
            found = samples(_get(f"{base}/metrics").decode())
            assert (
                value(found, "opendata_http_requests_total", endpoint="api_v1_rows", status="200")
                == sent
            )
        # The request id sent is echoed and is in the worker's JSON log line of the request.
        asked = urllib.request.Request(f"{base}/healthz", headers={"X-Request-Id": "probe-7f3a"})
        with urllib.request.urlopen(asked, timeout=10) as response:
            assert response.headers["X-Request-Id"] == "probe-7f3a"
        logged = [
            json.loads(line)
            for line in log_path.read_text(encoding="utf-8").splitlines()
            if line.startswith("{")
        ]
        probe = [r for r in logged if r.get("request_id") == "probe-7f3a"]
        assert [(r["logger"], r["path"], r["status"]) for r in probe] == [
            ("opendata.request", "/healthz", 200)
        ]
        # A worker that dies keeps its counts; its replacement adds to them.
        os.kill(int(sorted(workers)[0]), signal.SIGKILL)
        time.sleep(1.5)
        _wait_for(f"{base}/healthz", log_path)
        _get(rows)
        found = samples(_get(f"{base}/metrics").decode())
        assert (
            value(found, "opendata_http_requests_total", endpoint="api_v1_rows", status="200")
            == sent + 1
        )
        assert (
            value(
                found, "opendata_refresh_runs_total", source="example_catalog", outcome="published"
            )
            == 1
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert not metrics_dir.exists(), "the master removes the folder it chose when it exits"


def _two_workers(port: int) -> list[str]:
    return ["--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)]


def _wait_for(url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    raise AssertionError(f"gunicorn did not answer within 30 s; its log:\n{log[-4000:]}")


def _runs(found: Samples) -> Samples:
    return {k: v for k, v in found.items() if k[0].startswith("opendata_refresh_")}


def test_run_totals_follow_runs_that_start_and_finish(app: Flask, config: dict[str, Any]) -> None:
    """Finished runs are added up once per process; newer ones, and a run that was running when
    they were, are read again at each scrape — and the totals equal a fresh count."""
    svc = services_of(app)
    first = scrape(app)
    assert value(first, "opendata_refresh_running", source="example_catalog") is None
    early = svc.catalog.start_run("example_catalog", "cli")  # still running at the next scrape
    later = svc.catalog.start_run("example_catalog", "cli")
    svc.catalog.finish_run(later, status="failed", error_kind="source")
    second = scrape(app)
    assert value(second, "opendata_refresh_running", source="example_catalog") == 1
    assert (
        value(second, "opendata_refresh_runs_total", source="example_catalog", outcome="failed")
        == 1
    )
    svc.catalog.finish_run(early, status="unchanged")
    third = scrape(app)
    assert value(third, "opendata_refresh_running", source="example_catalog") is None
    assert (
        value(third, "opendata_refresh_runs_total", source="example_catalog", outcome="unchanged")
        == 1
    )
    assert value(third, "opendata_refresh_duration_seconds_count", source="example_catalog") == 3
    fresh = create_app(
        {**config, "DATABASE_URL": str(svc.engine.url.render_as_string(False)), "TESTING": True}
    )
    assert _runs(samples(fresh.test_client().get("/metrics").get_data(as_text=True))) == _runs(
        third
    )
    services_of(fresh).close()


@pytest.mark.parametrize(
    ("path", "endpoint", "expected"),
    [
        ("/metrics", "metrics", "metrics"),
        ("/healthz", "health.healthz", "health"),
        ("/api/v1/datasets/x/resources/y/rows", "rows.rows", "api_v1_rows"),
        ("/api/v1/datasets/x/resources/y.csv", "downloads.resource_csv", "download"),
        ("/datastore/dump/abc", None, "download"),  # even when no rule matched
        ("/reports/annual/2022.pdf", "reports.pdf", "download"),
        ("/reports/annual/2022", "reports.annual", "portal"),
        ("/api/v1/no/such/path", None, "api_v1_other"),
        ("/api/v1", None, "api_v1_other"),
        ("/api", "ckan.api", "ckan"),
        ("/api/3/action/package_list", "ckan.action_v3", "ckan"),
        ("/api/action/whatever", None, "ckan"),
        ("/catalog.ttl", "dcat.catalog_ttl", "dcat"),
        ("/dataset/x.jsonld", "dcat.dataset_jsonld", "dcat"),
        ("/datasets/x", "web.dataset", "portal"),
        ("/metricsx", None, "portal"),
        ("/healthz/../x", None, "portal"),
        ("/任意/路径", None, "portal"),
    ],
)
def test_every_request_falls_in_one_endpoint_class(
    path: str, endpoint: str | None, expected: str
) -> None:
    assert od_metrics.endpoint_class(path, endpoint) == expected
    assert expected in od_metrics.ENDPOINT_CLASSES


_CLOCKED = (
    "opendata_source_seconds_since_last_success",
    "opendata_scheduler_heartbeat_age_seconds",
)


def _catalog_figures(found: Samples) -> Samples:
    return {
        k: v
        for k, v in found.items()
        if not k[0].startswith(("opendata_http_", "opendata_download_", "opendata_rate_"))
        and not k[0].startswith(_CLOCKED)
        and not k[0].endswith("_created")
    }


def test_two_nodes_report_the_same_catalog_figures(app: Flask, config: dict[str, Any]) -> None:
    """What comes from the catalog is the same whichever node is scraped, whatever each served."""
    url = services_of(app).engine.url.render_as_string(False)
    other = create_app({**config, "DATABASE_URL": url, "TESTING": True})
    heartbeat.beat(services_of(app).engine, "test-scheduler", {})
    for _ in range(3):
        app.test_client().get("/api/v1/datasets")  # only this node serves
    one, two = scrape(app), scrape(other)
    assert _catalog_figures(one) == _catalog_figures(two)
    assert len(_catalog_figures(one)) > 10
    assert value(one, "opendata_http_requests_total", endpoint="api_v1_other", status="200") == 3
    assert value(two, "opendata_http_requests_total", endpoint="api_v1_other", status="200") is None
    services_of(other).close()


def test_a_multiprocess_folder_that_cannot_be_read_is_a_503_in_plain_text(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"\x00\x01 not a prometheus_client file")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    response = app.test_client().get("/metrics")
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert str(tmp_path).encode() not in response.get_data()
