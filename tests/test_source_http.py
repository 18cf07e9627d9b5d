"""The HTTP client sources get, against a real HTTP server on the loopback interface.

Headers (an API token), POST with a JSON or a form body, the host allow-list (redirects too),
the size limit, and errors sorted into transient (retried) and permanent.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from opendata.plugin import SourceError, TransientSourceError
from opendata.sources.http import SourceHttpClient


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Origin:
    """A loopback server whose answer per path is set by the test; it records every request."""

    port: int = 0
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, path: str, status: int = 200, body: Any = None, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.answers[path] = (status, headers, raw)


def _handler(origin: Origin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            origin.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            status, headers, raw = origin.answers.get(self.path.split("?")[0], (404, {}, b"{}"))
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def origin() -> Iterator[Origin]:
    state = Origin()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_get_sends_headers_and_params(origin: Origin) -> None:
    origin.answer("/items", body={"data": [1, 2]})
    client = SourceHttpClient({"127.0.0.1"})
    got = client.get_json(
        origin.url("/items"), {"page": 2}, headers={"Authorization": "Bearer t0ken"}
    )
    assert got == {"data": [1, 2]}
    [seen] = origin.seen
    assert (seen.method, seen.path) == ("GET", "/items?page=2")
    assert seen.headers["Authorization"] == "Bearer t0ken"
    assert seen.headers["User-Agent"].startswith("opendata/")


def test_post_sends_a_json_body(origin: Origin) -> None:
    origin.answer("/query", body={"total": 3})
    client = SourceHttpClient({"127.0.0.1"})
    got = client.post_json(origin.url("/query"), json={"年度": 2018}, headers={"X-Api-Key": "k"})
    assert got == {"total": 3}
    [seen] = origin.seen
    assert seen.method == "POST"
    assert json.loads(seen.body) == {"年度": 2018}
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["X-Api-Key"] == "k"


def test_post_sends_a_form_body(origin: Origin) -> None:
    origin.answer("/export", body=b"id\n1\n", Content_Type="text/csv")
    client = SourceHttpClient({"127.0.0.1"})
    assert client.post_bytes(origin.url("/export"), data={"年度": "2018"}) == b"id\n1\n"
    [seen] = origin.seen
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen.body.decode()) == {"年度": ["2018"]}


def test_post_refuses_two_bodies(origin: Origin) -> None:
    client = SourceHttpClient({"127.0.0.1"})
    with pytest.raises(SourceError, match="either a JSON body or a form body"):
        client.post_json(origin.url("/query"), json={}, data={"a": "1"})
    assert origin.seen == []


def test_a_host_not_allowed_is_refused_before_any_request(origin: Origin) -> None:
    client = SourceHttpClient({"example.org"})
    with pytest.raises(SourceError, match=r"host '127\.0\.0\.1' is not named"):
        client.post_json(origin.url("/query"), json={})
    assert origin.seen == []


def test_a_redirect_to_a_host_not_allowed_is_refused(origin: Origin) -> None:
    origin.answer("/moved", 302, {}, Location=origin.url("/elsewhere", host="localhost"))
    client = SourceHttpClient({"127.0.0.1"})
    with pytest.raises(SourceError, match="host 'localhost' is not named"):
        client.get_json(origin.url("/moved"))
    assert [s.path for s in origin.seen] == ["/moved"]


def test_a_redirect_after_post_is_followed_as_get(origin: Origin) -> None:
    origin.answer("/submit", 303, {}, Location="/result")
    origin.answer("/result", body={"ok": True})
    client = SourceHttpClient({"127.0.0.1"})
    assert client.post_json(origin.url("/submit"), json={"q": 1}) == {"ok": True}
    assert [(s.method, s.path, s.body) for s in origin.seen] == [
        ("POST", "/submit", b'{"q": 1}'),
        ("GET", "/result", b""),
    ]


def test_a_body_over_the_size_limit_fails(origin: Origin) -> None:
    origin.answer("/big", body=b"x" * 2000)
    client = SourceHttpClient({"127.0.0.1"}, max_bytes=1000)
    with pytest.raises(SourceError, match="larger than the limit of 1000 bytes"):
        client.get_bytes(origin.url("/big"))
    assert SourceHttpClient({"127.0.0.1"}, max_bytes=2000).get_bytes(origin.url("/big"))


def test_server_errors_are_transient_client_errors_are_not(origin: Origin) -> None:
    origin.answer("/busy", 503, {"msg": "busy"})
    origin.answer("/denied", 401, {"msg": "token expired"})
    client = SourceHttpClient({"127.0.0.1"})
    with pytest.raises(TransientSourceError, match="HTTP 503"):
        client.post_json(origin.url("/busy"), json={})
    with pytest.raises(SourceError, match=r"HTTP 401.*token expired") as caught:
        client.get_json(origin.url("/denied"))
    assert not isinstance(caught.value, TransientSourceError)


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = SourceHttpClient({"127.0.0.1"}, timeout=5)
    with pytest.raises(TransientSourceError, match="could not reach"):
        client.get_json(f"http://127.0.0.1:{port}/items")


def test_json_in_a_declared_charset_is_read(origin: Origin) -> None:
    body = json.dumps({"名称": "档案室"}, ensure_ascii=False).encode("gbk")
    origin.answer("/gbk", body=body, Content_Type="application/json; charset=GBK")
    assert SourceHttpClient({"127.0.0.1"}).get_json(origin.url("/gbk")) == {"名称": "档案室"}


def test_a_body_that_is_not_json_names_the_url(origin: Origin) -> None:
    origin.answer("/html", body=b"<html>login</html>", Content_Type="text/html")
    with pytest.raises(SourceError, match=r"/html did not return JSON"):
        SourceHttpClient({"127.0.0.1"}).get_json(origin.url("/html"))
