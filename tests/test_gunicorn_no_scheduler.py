"""Web workers never schedule refreshes, however many gunicorn runs (APScheduler's own FAQ: a
scheduler started inside a web app runs every job once per worker)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from opendata.services import Services
from opendata.store import db

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_three_gunicorn_workers_run_no_job(config: dict[str, Any], tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    log_file = log_path.open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update(
        OPENDATA_INSTANCE_PATH=config["INSTANCE_PATH"],
        OPENDATA_DATASETS_PATH=config["DATASETS_PATH"],
        OPENDATA_DATABASE_URL=config["DATABASE_URL"],
        OPENDATA_SOURCES_EXTRA=json.dumps(["example_sources:ExampleCatalog"]),
        OPENDATA_SCHEDULER__SCHEDULES=json.dumps({"example_catalog": "@every 1s"}),
        PYTHONPATH=str(ROOT / "tests"),
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",  # as the README's production command
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    health = json.load(resp)
                break
            except OSError:
                time.sleep(0.2)
        log = log_path.read_text(encoding="utf-8", errors="replace")
        assert health, f"gunicorn did not answer within 30 s; its log:\n{log[-4000:]}"
        time.sleep(3)  # three scheduled seconds pass while three workers serve
        services = Services.from_config(config)
        with services.engine.connect() as conn:
            runs = conn.execute(select(func.count()).select_from(db.runs)).scalar_one()
            beats = conn.execute(select(func.count()).select_from(db.heartbeats)).scalar_one()
        services.close()
        assert (runs, beats) == (0, 0)
        assert health["checks"]["scheduler"]["status"] == "missing"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log_file.close()
