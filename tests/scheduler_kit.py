"""Helpers shared by the scheduler, lease, token, migration and shrink tests.

A helper module, not a test module: its name does not start with ``test_``, so pytest does not
collect it, and test modules import it rather than each other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask

from opendata.app import create_app
from opendata.services import Services
from opendata.sources.sync import sync
from opendata.testing import prepare_database

TESTS = Path(__file__).parent
OPENDATA = Path(sys.executable).parent / "opendata"
T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def make_app(config: Mapping[str, Any]) -> Flask:
    """The real app, as gunicorn would build it, over ``config``, after the sources are synced
    to the catalog as `opendata db upgrade` does before a deployment serves."""
    cfg = dict(config)
    services = Services.from_config(cfg)
    try:
        sync(services)
    finally:
        services.close()
    app = create_app(cfg)
    assert "admin" in app.blueprints, "opendata.api.init_app registers the admin blueprint"
    return app


def scheduler_env(
    tmp_path: Path, database_url: str, scheduler: Mapping[str, Any], sources: Mapping[str, Any]
) -> dict[str, str]:
    """OPENDATA_* variables for a scheduler process over the example sources in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update(
        {
            "OPENDATA_INSTANCE_PATH": str(tmp_path / "instance"),
            "OPENDATA_DATASETS_PATH": str(tmp_path / "datasets"),
            "OPENDATA_DATABASE_URL": database_url,
            "OPENDATA_SOURCES_EXTRA": json.dumps(
                ["example_sources:ExampleCatalog", "example_sources:DerivedSummary"]
            ),
            "OPENDATA_SOURCES_ENABLED": json.dumps(["example_catalog", "derived_summary"]),
            "OPENDATA_SOURCES": json.dumps(dict(sources)),
            "PYTHONPATH": os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]),
        }
    )
    for key, value in scheduler.items():
        env[f"OPENDATA_SCHEDULER__{key.upper()}"] = json.dumps(value)
    return env


def config_for(tmp_path: Path, database_url: str) -> dict[str, Any]:
    """The in-process configuration matching :func:`scheduler_env` (for the app, assertions);
    the database's schema is made, as `opendata db upgrade` would."""
    from opendata.config import load_config

    prepare_database(database_url)

    return load_config(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATASETS_PATH": str(tmp_path / "datasets"),
            "DATABASE_URL": database_url,
            "SOURCES_EXTRA": ["example_sources:ExampleCatalog", "example_sources:DerivedSummary"],
            "SOURCES_ENABLED": ["example_catalog", "derived_summary"],
        },
        environ={},
    )


@contextmanager
def scheduler_process(env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``opendata scheduler``; stop it with SIGTERM (bounded) when the block ends."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(OPENDATA), "scheduler"], env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        stop(proc, log)


def stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            raise AssertionError(f"scheduler ignored SIGTERM; log:\n{log.read_text()}") from None
    assert proc.returncode == 0, f"scheduler exited {proc.returncode}; log:\n{log.read_text()}"


class Webhook:
    """A real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [body["event"] for body in self.received]
