"""Public errors are safe: anonymous readers never see a run's exception text, traceback, paths,
credentials or secrets; token holders and the CLI see the recorded text, redacted.

The sweep plants a secret, a server path and a URL with a password in failing plugins'
exceptions (``broken_sources.LeakySecrets``), refreshes them and others that fail for every
reason the core knows, then requests every GET route of the app (API, portal, CKAN, DCAT,
downloads, runs) with real arguments and follows every link the responses give, checking
each body (and each member of a zip or xlsx) for what was planted.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import zipfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from broken_sources import (
    SECRET,
    SECRET_PATH,
    SECRET_URL,
    LeakyNeverPublished,
    LeakySecrets,
)
from click.testing import CliRunner
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from conftest import make_registry
from opendata.api.ckan.actions import ACTIONS
from opendata.app import create_app, services_of
from opendata.auth import create_token
from opendata.cli import main
from opendata.pipeline.refresh import ErrorKind, RunStatus, refresh
from opendata.redact import redact, strip_paths
from opendata.run_summary import detailed_run, public_summary
from opendata.services import Services
from opendata.sources.sync import sync

PII = "13912345678"  # the mobile number ExampleCatalog's "pii" mode plants
HUGE = "99999999999999999999999999"

# -- the one redaction function -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("postgresql://u:pw@db/x", "postgresql://u:***@db/x", ":pw@"),
        ("see https://ghp_abc123@github.com/o/r", "https://***@github.com/o/r", "ghp_abc123"),
        ("failed: secret=hunter2, retry", "secret=***, retry", "hunter2"),
        ("DB_PASSWORD=s3cr3t make run", "DB_PASSWORD=*** make run", "s3cr3t"),
        ("{'password': 'p@ss word', 'user': 'li'}", "'password': '***', 'user': 'li'", "p@ss"),
        ('{"api_key": "AKIA123"}', '"api_key": "***"', "AKIA123"),
        ("GET /x?access_key=K1&token=T2&page=3", "access_key=***&token=***&page=3", "K1"),
        ("GET /x?access_key=K1&token=T2&page=3", "token=***", "T2"),
        ("Authorization: Bearer od_abc.def", "Authorization: ***", "od_abc"),
        ("passwd: qwerty pwd=zz", "passwd: *** pwd=***", "qwerty"),
        ("aws.key = AK9 and private_key=PK", "aws.key = *** and private_key=***", "AK9"),
        ("client_secret:CS1", "client_secret:***", "CS1"),
    ],
)
def test_redact_removes_credentials_and_secret_values(text: str, kept: str, gone: str) -> None:
    redacted = redact(text)
    assert kept in redacted and gone not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "monkey=3 and turkey: 4",  # 'key' only as a whole name or after a separator
        "primaryKey: id; foreignKeys: []",
        "PASSWORD_FILE=/run/pw",  # names a file, not a secret
        "author: 张三",
        "see https://example.gov.cn/a/b?page=2",
        "row 3, field title: 关于预算的通知",
        "invalid config: {'api_key': ['Missing data for required field.']}",  # no value to hide
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_is_linear_on_long_text() -> None:
    # A pattern with nested repeats would take exponential time on these; bounded ones do not
    # (a regression would hang here, so no timing assertion is needed).
    for text in ("a" * 200_000 + "=", "a_" * 100_000 + ":", "key" * 70_000):
        assert redact(text) == text


def test_strip_paths_removes_server_paths_not_urls() -> None:
    text = r"read /srv/secret/origin.csv and C:\data\in.xlsx; see https://h.gov.cn/a/b"
    out = strip_paths(text)
    assert "/srv" not in out and "C:\\" not in out and out.count("<path>") == 2
    assert "https://h.gov.cn/a/b" in out


# -- summaries, by error kind ---------------------------------------------------------------


def _failed(kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": 1, "status": "failed", "error_kind": kind, **fields}


def _report(*errors: tuple[str, str, int | None], limit: bool = False) -> dict[str, Any]:
    return {
        "valid": False,
        "errors": [
            {"type": t, "resource": r, "row": row, "field": "f", "message": "m", "note": ""}
            for t, r, row in errors
        ],
        "stats": {},
        "error_limit_reached": limit,
    }


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (
            _failed(
                "validation",
                report=_report(*[("type-error", "entries", n) for n in (2, 3, 4)]),
            ),
            "validation: 3 errors in resource entries",
        ),
        (
            _failed(
                "validation",
                report=_report(("type-error", "entries", 2), ("foreign-key", "channels", 9)),
            ),
            "validation: 1 error in resource entries, 1 error in resource channels",
        ),
        (
            _failed("validation", report=_report(("type-error", "entries", 2), limit=True)),
            "validation: 1 error in resource entries (error limit reached: there are more)",
        ),
        (
            _failed(
                "policy",
                report=_report(
                    ("personal-data", "entries", 4),
                    ("personal-data", "entries", 4),
                    ("personal-data", "entries", 7),
                ),
            ),
            "policy: personal data in 2 rows of resource entries",
        ),
        (
            _failed("policy", report=_report(("personal-data", "", None))),
            "policy: personal data in the dataset's descriptive texts",
        ),
        (
            _failed(
                "shrink",
                report={
                    "valid": True,
                    "shrink": [{"resource": "entries", "before": 516, "after": 0}],
                },
            ),
            "shrink: resource entries would fall from 516 to 0 rows; nothing was published",
        ),
        (
            _failed("source", error="origin file broken at /srv/x/y.csv"),
            "source failed: the origin could not be read",
        ),
        (
            _failed("source", error="source 'x' crashed: RuntimeError: boom\nTraceback …"),
            "source failed: the plugin stopped with an unexpected error",
        ),
        (
            _failed("timeout", timings={"total": 600.4}),
            "timeout: the source did not finish within its time limit (stopped after 600 s)",
        ),
        (_failed("transient", error="connection refused"), None),
        (_failed("unknown"), None),
        (_failed("resources", error="MemoryError at /srv/x"), None),
        (_failed(None), "failed: the reason is in the server log"),
        ({"id": 1, "status": "published", "error_kind": None}, None),
    ],
)
def test_summary_is_written_from_what_the_core_knows(
    run: dict[str, Any], expected: str | None
) -> None:
    summary = public_summary(run)
    if expected is None and run["status"] == "failed":
        assert summary is not None and summary.startswith(f"{run['error_kind']}: ")
    else:
        assert summary == expected
    assert "/srv" not in (summary or "") and "boom" not in (summary or "")


def test_token_holders_get_the_detail_redacted() -> None:
    run = _failed("source", error=f"source 'x' crashed: {SECRET_URL} secret={SECRET}")
    shown = detailed_run(run)
    assert shown["error"] == "source failed: the plugin stopped with an unexpected error"
    assert "postgresql://u:***@db/x" in shown["error_detail"] and SECRET not in str(shown)


# -- the whole app, as an anonymous reader sees it ------------------------------------------


def _registry(fails: dict[str, str], **example: Any) -> Any:
    options = {
        "leaky_secrets": {"fail": fails.get("leaky_secrets", "")},
        "leaky_unpublished": {"fail": fails.get("leaky_unpublished", "source")},
        "example_catalog": example,
    }
    return make_registry(ExampleCatalog, LeakySecrets, LeakyNeverPublished, options=options)


@pytest.fixture
def planted(make_services: Any, database_url: str) -> Services:
    """Runs that failed in every way, after versions were published."""
    svc: Services = make_services(ExampleCatalog, DATABASE_URL=database_url)
    steps: list[tuple[str, dict[str, str], dict[str, Any], RunStatus, ErrorKind | None]] = [
        ("example_catalog", {}, {}, RunStatus.PUBLISHED, None),
        ("leaky_secrets", {}, {}, RunStatus.PUBLISHED, None),
        (
            "leaky_secrets",
            {"leaky_secrets": "transient"},
            {},
            RunStatus.FAILED,
            ErrorKind.TRANSIENT,
        ),
        ("leaky_secrets", {"leaky_secrets": "source"}, {}, RunStatus.FAILED, ErrorKind.SOURCE),
        ("leaky_secrets", {"leaky_secrets": "crash"}, {}, RunStatus.FAILED, ErrorKind.SOURCE),
        ("leaky_unpublished", {}, {}, RunStatus.FAILED, ErrorKind.SOURCE),
        ("example_catalog", {}, {"mode": "invalid"}, RunStatus.FAILED, ErrorKind.VALIDATION),
        ("example_catalog", {}, {"mode": "pii"}, RunStatus.FAILED, ErrorKind.POLICY),
        ("example_catalog", {}, {"rows": 2}, RunStatus.FAILED, ErrorKind.SHRINK),
    ]
    for name, fails, example, status, kind in steps:
        svc.registry = _registry(fails, **example)
        result = refresh(svc, name)
        assert (result.status, result.error_kind) == (status, kind), result.error
    return svc


@pytest.fixture
def app(planted: Services, config: dict[str, Any], database_url: str) -> Iterator[Flask]:
    flask_app = create_app({**config, "DATABASE_URL": database_url})
    yield flask_app
    services_of(flask_app).close()


def _forbidden(tmp_path: Path) -> list[str]:
    return [
        SECRET,
        SECRET_PATH,
        "/srv/secret",
        "u:pw@",
        "postgresql://u",
        "Traceback",
        'File "',
        "RuntimeError",
        str(tmp_path),
        PII,
    ]


def _bodies(data: bytes) -> Iterator[bytes]:
    """The bytes a reader gets, and those inside a zip (download.zip, .xlsx)."""
    yield data
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield archive.read(member)


_TABLE_VIEW = re.compile(r"^/datasets/[^/]+/(?!versions/)[^/]+(/rows/\d+)?$")
_HREF = re.compile(r"""(?:href|src)="([^"#]+)""")


def _links(data: bytes, mimetype: str) -> list[str]:
    """Same-site GET links a response offers: HTML hrefs, and URL strings in JSON."""
    text = data.decode("utf-8", "replace")
    if mimetype == "text/html":
        return [h.replace("&amp;", "&") for h in _HREF.findall(text)]
    if "json" in mimetype:
        return re.findall(r'"((?:https?://localhost)?/[^"\s]*)"', text)
    return []


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/static/", "/portal-static/", "/api/v1/docs/assets/")):
        return None  # files shipped in the repository
    if any(int(v) > 100 for k, v in parse_qsl(parts.query) if k == "offset" and v.isdigit()):
        return None  # CKAN's datastore_search links a next page past the end, forever
    if _TABLE_VIEW.match(parts.path) and (parts.query or "/rows/" in parts.path):
        return None  # the portal table view's sort/facet/page variants and row pages: seeded
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _ckan_urls(client: FlaskClient, names: list[str]) -> list[str]:
    urls = [f"/api/3/action/{a}" for a in sorted(ACTIONS)]
    urls += [f"/api/3/action/help_show?name={a}" for a in sorted(ACTIONS)]
    urls += [f"/api/3/action/package_show?id={n}" for n in names]
    urls += ["/api/3/action/package_search?q=通知", "/api/action/package_list"]
    for name in names:
        shown = client.get(f"/api/3/action/package_show?id={name}").get_json()
        for res in (shown.get("result") or {}).get("resources", []) if shown else []:
            rid = res["id"]
            urls += [
                f"/api/3/action/resource_show?id={rid}",
                f"/api/3/action/datastore_search?resource_id={rid}&q=通知&limit=5",
                f"/api/3/action/datastore_search?resource_id={rid}&offset={HUGE}",
                f"/datastore/dump/{rid}",
            ]
    orgs = client.get("/api/3/action/organization_list").get_json()["result"]
    urls += [f"/api/3/action/organization_show?id={o}" for o in orgs]
    return urls


def _seeds(app: Flask, client: FlaskClient, svc: Services) -> list[str]:
    """Every GET route of the url_map with each real value of its arguments, and a few bad ones."""
    names = [d["name"] for d in svc.catalog.datasets()]
    runs = [r["id"] for r in svc.catalog.runs(limit=100)]
    values: dict[str, list[str]] = {
        "name": [*names, "no_such"],
        "run_id": [str(r) for r in runs],
        "res": ["entries", "channels", "nosuch"],
        "v": [v["id"] for n in names for v in svc.catalog.versions(n)] + ["20000101T000000Z"],
        "year": ["2018", "2022", "1999"],  # annual reports (API and portal)
        "row_id": ["1", "7", "999999"],  # the portal's row detail
    }
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or "filename" in rule.arguments:
            continue
        if "logic_function" in rule.arguments or "resource_id" in rule.arguments:
            continue  # CKAN: below, with real ids
        path = re.sub(r"<(?:[^:>]+:)?ext>", "", rule.rule)
        paths = [path]
        for arg in sorted(rule.arguments - {"ext"}):
            pattern = re.compile(rf"<(?:[^>]*:)?{arg}>")
            paths = [pattern.sub(value, p) for p in paths for value in values[arg]]
        urls += paths
    urls += _ckan_urls(client, names)
    urls += [
        f"/api/v1/runs/{HUGE}",
        f"/api/v1/runs?_next={HUGE}",
        f"/api/v1/runs?_size={HUGE}",
        f"/runs?before={HUGE}",
        f"/runs?before=-{HUGE}",
        "/api/v1/runs?status=failed",
        "/?lang=en",
        "/runs?lang=en&status=failed",
    ]
    urls += [f"/datasets/{n}?lang=en" for n in names]
    urls += [f"/runs?dataset={n}" for n in names]
    return urls


def test_no_anonymous_response_carries_what_a_plugin_leaked(
    app: Flask, planted: Services, tmp_path: Path
) -> None:
    client = app.test_client()
    forbidden = _forbidden(tmp_path)
    queue = deque(_seeds(app, client, planted))  # breadth first: every seed, then links
    seen: set[str] = set()
    failures: list[str] = []
    while queue and len(seen) < 2000:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        data = response.get_data()
        if response.status_code >= 500:
            failures.append(f"{url}: HTTP {response.status_code}")
        for body in _bodies(data):
            failures += [f"{url}: has {f!r}" for f in forbidden if f.encode() in body]
        for link in _links(data, response.mimetype or ""):
            local = _local(link)
            if local is not None and local not in seen:
                queue.append(local)
    print(f"requested {len(seen)} URLs, {len(queue)} links left")
    assert not failures, "\n".join(failures[:40])
    # the sweep reached the places the runs are shown, and the planted runs in them
    for must in ("/runs", "/api/v1/runs", "/datasets/leaky_unpublished", "/catalog.ttl"):
        assert must in seen
    crash = planted.catalog.runs(dataset="leaky_secrets", status="failed", limit=1)[0]
    assert f"/api/v1/runs/{crash['id']}" in seen
    assert not queue and len(seen) > 150, (len(seen), len(queue))  # the sweep was complete


def test_runs_show_status_kind_and_summary(app: Flask, planted: Services) -> None:
    client = app.test_client()
    runs = client.get("/api/v1/runs?_size=200").get_json()["runs"]
    by_kind: dict[str, set[str]] = {}
    for run in runs:
        assert "error_detail" not in run
        if run["status"] == "failed":
            by_kind.setdefault(run["error_kind"], set()).add(run["error"])
    assert by_kind["source"] == {
        "source failed: the origin could not be read",
        "source failed: the plugin stopped with an unexpected error",
    }
    assert by_kind["validation"] == {"validation: 1 error in resource entries"}
    assert by_kind["policy"] == {"policy: personal data in 1 row of resource entries"}
    assert by_kind["shrink"] == {
        "shrink: resource channels would fall from 18 to 2 rows; "
        "resource entries would fall from 18 to 2 rows; nothing was published"
    }
    assert next(iter(by_kind["transient"])).startswith("transient: ")
    last = client.get("/api/v1/datasets/example_catalog").get_json()["last_run"]
    assert last["error_kind"] == "shrink" and last["error"].startswith("shrink: resource ")
    # the validation report keeps resource, row, field and type, with no value of personal data
    policy = next(r for r in runs if r["error_kind"] == "policy")
    report = client.get(f"/api/v1/runs/{policy['id']}").get_json()["report"]
    found = [e for e in report["errors"] if e["type"] == "personal-data"]
    assert [(e["resource"], e["row"], e["field"]) for e in found] == [("entries", 5, "title")]


def test_a_token_holder_sees_the_redacted_detail(app: Flask, planted: Services) -> None:
    client = app.test_client()
    crash = planted.catalog.runs(dataset="leaky_secrets", status="failed", limit=1)[0]
    url = f"/api/v1/runs/{crash['id']}"
    token = create_token(planted.engine, "ops")
    held = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert held.status_code == 200
    detail = held.get_json()["error_detail"]
    assert "RuntimeError" in detail and "Traceback" in detail and SECRET_PATH in detail
    assert "postgresql://u:***@db/x" in detail and "secret=***" in detail
    assert SECRET not in detail and "u:pw@" not in detail
    # never cached for others, and the anonymous variant is told apart by the header
    assert (
        "private" in held.headers["Cache-Control"] and "no-store" in held.headers["Cache-Control"]
    )
    anonymous = client.get(url)
    assert "error_detail" not in anonymous.get_json()
    assert "Authorization" in anonymous.headers.get("Vary", "")
    wrong = client.get(url, headers={"Authorization": "Bearer od_not_a_token"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"


def test_the_server_log_has_the_full_text_redacted(
    make_services: Any, caplog: pytest.LogCaptureFixture
) -> None:
    svc: Services = make_services(ExampleCatalog)
    svc.registry = _registry({"leaky_secrets": "crash"})
    with caplog.at_level(logging.WARNING, logger="opendata.pipeline.refresh"):
        result = refresh(svc, "leaky_secrets")
    assert result.status is RunStatus.FAILED
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback" in logged and "RuntimeError" in logged and SECRET_PATH in logged
    assert "secret=***" in logged and SECRET not in logged and "u:pw@" not in logged
    recorded = svc.catalog.run(result.run_id or 0) or {}
    assert SECRET not in str(recorded) and "u:pw@" not in str(recorded)


def _token(payload: dict[str, Any]) -> str:
    """A ``_next`` token as the API writes them (URL-safe base64 of JSON, unpadded)."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_out_of_range_ids_are_404_or_400_in_the_envelope(app: Flask) -> None:
    client = app.test_client()
    rows = "/api/v1/datasets/example_catalog/resources/entries/rows"
    versions = client.get("/api/v1/datasets/example_catalog/versions").get_json()["versions"]
    changes = f"/api/v1/datasets/example_catalog/versions/{versions[0]['id']}/changes"
    big = int(HUGE)
    for url, status in (
        (f"/api/v1/runs/{HUGE}", 404),
        ("/api/v1/runs/2147483648", 404),
        (f"/api/v1/runs?_next={HUGE}", 400),
        (f"/api/v1/runs?_size={HUGE}", 400),
        (f"/api/v1/datasets/example_catalog/versions/{HUGE}", 404),
        (f"{rows}?_size={HUGE}", 400),
        (f"{rows}?_next={_token({'s': None, 'd': False, 'v': None, 'i': big})}", 400),
        (f"{rows}?_next={_token({'s': None, 'd': False, 'v': None, 'i': -big})}", 400),
        (f"{rows}?_sort=id&_next={_token({'s': 'id', 'd': False, 'v': big, 'i': 1})}", 200),
        (f"{rows}?id__gt={HUGE}", 200),
        (
            f"{changes}?since={versions[0]['id']}&resource=entries&_next={_token({'k': 'added', 'i': big})}",
            400,
        ),
        (f"{changes}?since={versions[0]['id']}&resource=entries&_size={HUGE}", 400),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert status == 200 or response.get_json()["error"]["code"], url
    assert client.get(f"/runs?before={HUGE}").status_code == 404
    for action in ("datastore_search", "package_search", "package_list", "organization_list"):
        for key in ("offset", "start", "limit"):
            response = client.get(f"/api/3/action/{action}?{key}={HUGE}&resource_id=x")
            assert response.status_code < 500, (action, key)  # refused or served, in CKAN's
            assert response.get_json()["success"] is (response.status_code == 200)  # envelope


def test_banner_of_a_never_published_dataset_says_what_is_true(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/datasets/leaky_unpublished").get_data(as_text=True)
    assert "尚未发布任何版本；最近一次更新失败" in html
    assert "source failed: the origin could not be read" in html
    assert "上一个成功发布的版本" not in html
    english = client.get("/datasets/leaky_unpublished?lang=en").get_data(as_text=True)
    assert "No version has been published yet; the last refresh failed" in english
    assert "last published version" not in english
    published = client.get("/datasets/leaky_secrets").get_data(as_text=True)
    assert "上一个成功发布的版本" in published
    assert "source failed: the plugin stopped with an unexpected error" in published


def test_runs_full_prints_the_redacted_detail(
    planted: Services, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any], database_url: str
) -> None:
    for key, value in (
        ("INSTANCE_PATH", config["INSTANCE_PATH"]),
        ("DATASETS_PATH", config["DATASETS_PATH"]),
        ("DATABASE_URL", database_url),
    ):
        monkeypatch.setenv(f"OPENDATA_{key}", value)
    short = CliRunner().invoke(main, ["runs", "--dataset", "leaky_secrets"])
    assert short.exit_code == 0, short.output
    assert "source failed: the plugin stopped with an unexpected error" in short.output
    assert SECRET_PATH not in short.output and "Traceback" not in short.output
    full = CliRunner().invoke(main, ["runs", "--dataset", "leaky_secrets", "--full"])
    assert full.exit_code == 0, full.output
    assert "Traceback" in full.output and SECRET_PATH in full.output
    assert "secret=***" in full.output and SECRET not in full.output


def test_a_refused_plugin_reason_keeps_its_secrets(
    config: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = {**config, "SOURCES_EXTRA": ["leaky_import:Source"], "TESTING": True}
    loader = Services.from_config(cfg)  # as `opendata sources sync` (or db upgrade) does
    try:
        with caplog.at_level(logging.ERROR):
            sync(loader)
    finally:
        loader.close()
    app = create_app(cfg)
    try:
        body = app.test_client().get("/api/v1/sources").get_data(as_text=True)
    finally:
        services_of(app).close()
    refused = [s for s in json.loads(body)["sources"] if s["state"] == "refused"]
    assert refused and "cannot be imported" in refused[0]["reason"]
    for planted in (SECRET, SECRET_PATH, "u:pw@"):
        assert planted not in body
