"""Rate limits per client address: classes, envelopes, trusted proxies, tokens, Redis storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.auth import create_token
from opendata.pipeline.refresh import refresh

ROWS = "/api/v1/datasets/example_catalog/resources/entries/rows?_size=5"
CSV = "/api/v1/datasets/example_catalog/resources/entries.csv"
CKAN = "/api/3/action/package_show?id=example_catalog"
SEARCH = "/api/v1/datasets?q=示例"
REDIS_URL = "redis://127.0.0.1:6379/0"

LIMITS = {
    "enabled": True,
    "rows": "3/minute",
    "downloads": "2/minute",
    "ckan": "3/minute",
    "search": "2/minute",
}

AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(config: dict[str, Any], make_services: Any) -> Iterator[AppFactory]:
    svc = make_services(ExampleCatalog)
    assert refresh(svc, "example_catalog").ok
    made: list[Flask] = []

    def factory(rate_limits: dict[str, Any] | None = None, **overrides: Any) -> Flask:
        app = create_app(
            {**config, "TESTING": True, "RATE_LIMITS": dict(rate_limits or {}), **overrides}
        )
        made.append(app)
        return app

    yield factory
    for app in made:
        services_of(app).close()


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def fresh_address() -> str:
    """A client address no other test (or earlier run against the same Redis) has used."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def statuses(client: FlaskClient, url: str, times: int, **kwargs: Any) -> list[int]:
    return [client.get(url, **kwargs).status_code for _ in range(times)]


def test_off_by_default(make_app: AppFactory) -> None:
    client = client_at(make_app(), fresh_address())
    assert statuses(client, ROWS, 12) == [200] * 12


def test_row_queries_are_limited_in_the_api_envelope(make_app: AppFactory) -> None:
    client = client_at(make_app(LIMITS), fresh_address())
    assert statuses(client, ROWS, 3) == [200, 200, 200]
    resp = client.get(ROWS)
    assert resp.status_code == 429
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 60
    error = resp.json["error"]
    assert error["code"] == "too_many_requests"
    assert error["details"]["class"] == "rows"
    assert error["details"]["retry_after"] == retry
    assert "3 per 1 minute" in error["message"]
    # Other classes draw on buckets of their own.
    assert client.get(CSV).status_code == 200
    assert client.get("/api/v1/datasets/example_catalog").status_code == 200


def test_ckan_actions_are_limited_in_ckans_envelope(make_app: AppFactory) -> None:
    client = client_at(make_app(LIMITS), fresh_address())
    assert statuses(client, CKAN, 3) == [200, 200, 200]
    resp = client.get(CKAN)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"]
    body = resp.json
    assert body["success"] is False
    assert body["help"].endswith("/api/3/action/help_show?name=package_show")
    assert body["error"]["__type"] == "Rate Limit Error"


def test_downloads_share_one_bucket_across_formats(make_app: AppFactory) -> None:
    client = client_at(make_app(LIMITS), fresh_address())
    json_url = CSV.replace(".csv", ".json")
    assert [client.get(CSV).status_code, client.get(json_url).status_code] == [200, 200]
    assert client.get(CSV).status_code == 429
    assert client.get(ROWS).status_code == 200


def test_search_is_limited_on_the_api_and_the_portal(make_app: AppFactory) -> None:
    client = client_at(make_app(LIMITS), fresh_address())
    assert statuses(client, SEARCH, 2) == [200, 200]
    assert client.get(SEARCH).status_code == 429
    portal = client.get("/?q=示例")
    assert portal.status_code == 429
    assert portal.mimetype == "text/plain"
    assert portal.headers["Retry-After"]
    # The portal's home page without a search is not one.
    assert statuses(client, "/", 3) == [200, 200, 200]


def test_clients_are_counted_apart(make_app: AppFactory) -> None:
    app = make_app(LIMITS)
    first, second = client_at(app, fresh_address()), client_at(app, fresh_address())
    assert statuses(first, ROWS, 4)[-1] == 429
    assert statuses(second, ROWS, 3) == [200, 200, 200]


def test_forwarded_for_is_believed_from_trusted_proxies_only(make_app: AppFactory) -> None:
    proxy = fresh_address()
    app = make_app(LIMITS, PROXY={"trusted": [proxy], "hops": 1})
    via_proxy = client_at(app, proxy)
    # Behind the trusted proxy each forwarded client has its own count.
    for _ in range(2):
        forwarded = {"X-Forwarded-For": fresh_address()}
        assert statuses(via_proxy, ROWS, 3, headers=forwarded) == [200, 200, 200]
    # A client that is not the proxy cannot escape its limit by inventing addresses.
    direct = client_at(app, fresh_address())
    codes = [
        direct.get(ROWS, headers={"X-Forwarded-For": fresh_address()}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_token_holders_are_exempt(make_app: AppFactory) -> None:
    app = make_app(LIMITS)
    token = create_token(services_of(app).engine, "harvester")
    client = client_at(app, fresh_address())
    assert statuses(client, ROWS, 3) == [200, 200, 200]
    assert client.get(ROWS).status_code == 429
    auth = {"Authorization": f"Bearer {token}"}
    assert statuses(client, ROWS, 5, headers=auth) == [200] * 5
    wrong = {"Authorization": "Bearer od_not-a-token"}
    assert client.get(ROWS, headers=wrong).status_code == 429


def test_token_holders_are_limited_when_not_exempt(make_app: AppFactory) -> None:
    app = make_app({**LIMITS, "exempt_tokens": False})
    token = create_token(services_of(app).engine, "harvester")
    client = client_at(app, fresh_address())
    auth = {"Authorization": f"Bearer {token}"}
    assert statuses(client, ROWS, 4, headers=auth) == [200, 200, 200, 429]


def test_healthz_is_never_limited(make_app: AppFactory) -> None:
    client = client_at(make_app({**LIMITS, "rows": "1/minute"}), fresh_address())
    assert {client.get("/healthz").status_code for _ in range(10)} <= {200}


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return REDIS_URL


def test_a_redis_limit_holds_across_nodes(make_app: AppFactory, redis_url: str) -> None:
    settings = {**LIMITS, "storage_uri": redis_url}
    node1, node2 = make_app(settings), make_app(settings)
    address = fresh_address()
    a, b = client_at(node1, address), client_at(node2, address)
    codes = [a.get(ROWS).status_code, b.get(ROWS).status_code, a.get(ROWS).status_code]
    assert codes == [200, 200, 200]
    assert b.get(ROWS).status_code == 429
    assert a.get(ROWS).status_code == 429
    # Another client on the same nodes is untouched.
    assert client_at(node2, fresh_address()).get(ROWS).status_code == 200


def test_memory_limits_are_per_node(make_app: AppFactory) -> None:
    node1, node2 = make_app(LIMITS), make_app(LIMITS)
    address = fresh_address()
    assert statuses(client_at(node1, address), ROWS, 4)[-1] == 429
    assert client_at(node2, address).get(ROWS).status_code == 200


def test_bad_limit_text_is_refused_at_start(make_app: AppFactory) -> None:
    from opendata.config import ConfigError

    with pytest.raises(ConfigError, match=r"RATE_LIMITS\.rows = \"lots\""):
        make_app({**LIMITS, "rows": "lots"})


def test_requests_are_served_when_redis_is_down(make_app: AppFactory) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    app = make_app({**LIMITS, "storage_uri": f"redis://127.0.0.1:{port}/0"})
    client = client_at(app, fresh_address())
    # Counted in this process's memory meanwhile: served, and still limited.
    assert statuses(client, ROWS, 4) == [200, 200, 200, 429]
