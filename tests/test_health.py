"""/healthz is read by anyone (load balancers, monitors): what it says of a failure is a fixed
sentence, never the exception's text, which may hold a database URL with its password."""

from __future__ import annotations

from typing import Any

import pytest

from opendata import health
from opendata.app import create_app


def test_a_failing_scheduler_check_shows_no_exception_text(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "postgresql://opendata:hunter2@db.internal/opendata at /srv/secret/instance"

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"could not read the heartbeat from {secret}")

    monkeypatch.setattr(health.heartbeat, "latest", broken)
    client = create_app(config).test_client()
    response = client.get("/healthz")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.get_json()["checks"]["scheduler"]["status"] == "error"
    assert "hunter2" not in body and "/srv/secret" not in body and "RuntimeError" not in body
    assert "hunter2" in caplog.text  # the operator still finds it in the server log
