"""API tokens: shown once, stored as hashes, checked before anything is looked up."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scheduler_kit import config_for, make_app
from sqlalchemy import select

from opendata.auth import TokenError, create_token, list_tokens, revoke_token, verify_token
from opendata.cli import main
from opendata.services import Services
from opendata.store import db


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return make_app(config_for(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"))


@pytest.fixture
def services(app: Any) -> Services:
    svc: Services = app.extensions["opendata"]
    return svc


def test_a_token_is_stored_only_as_its_hash(services: Services) -> None:
    token = create_token(services.engine, "ops")
    with services.engine.connect() as conn:
        stored = conn.execute(select(db.tokens)).mappings().one()
    assert token not in str(dict(stored))
    assert stored["hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert verify_token(services.engine, token) == "ops"
    assert verify_token(services.engine, token + "x") is None
    assert verify_token(services.engine, "") is None
    with pytest.raises(TokenError, match="already exists"):
        create_token(services.engine, "ops")
    assert [t.name for t in list_tokens(services.engine)] == ["ops"]
    assert revoke_token(services.engine, "ops") and not revoke_token(services.engine, "ops")
    assert verify_token(services.engine, token) is None


def test_cli_shows_a_token_once_and_revokes_it(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENDATA_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("OPENDATA_DATASETS_PATH", str(tmp_path / "datasets"))
    monkeypatch.delenv("OPENDATA_DATABASE_URL", raising=False)
    monkeypatch.delenv("OPENDATA_CONFIG", raising=False)
    runner = CliRunner()
    refused = runner.invoke(main, ["token", "create", "harvester"])
    assert refused.exit_code != 0 and "opendata db upgrade" in refused.output  # no schema yet
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(main, ["token", "create", "harvester"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("od_") and len(token) > 40
    listed = runner.invoke(main, ["token", "list"])
    assert "harvester" in listed.output and token not in listed.output
    again = runner.invoke(main, ["token", "create", "harvester"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert runner.invoke(main, ["token", "revoke", "harvester"]).exit_code == 0
    gone = runner.invoke(main, ["token", "revoke", "harvester"])
    assert gone.exit_code != 0 and "no token named" in gone.output


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets/example_catalog/refresh",
        "/api/v1/datasets/no_such_dataset/refresh",
        "/api/v1/refresh",
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer od_wrong", "Basic b3BzOnNlY3JldA==", "Bearer "])
def test_without_a_valid_token_the_answer_is_401_whatever_the_dataset(
    app: Any, services: Services, path: str, header: str | None
) -> None:
    create_token(services.engine, "ops")
    headers = {"Authorization": header} if header is not None else {}
    response = app.test_client().post(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and "token" in error["message"]
    assert "no_such_dataset" not in response.get_data(as_text=True)


def test_a_valid_token_queues_and_an_unknown_dataset_is_404(app: Any, services: Services) -> None:
    token = create_token(services.engine, "ops")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    queued = client.post("/api/v1/datasets/example_catalog/refresh", headers=auth)
    assert queued.status_code == 202
    body = queued.get_json()
    assert body["dataset"] == "example_catalog" and body["status"] == "queued"
    assert isinstance(body["request_id"], int) and body["requested_by"] == "ops"
    assert client.post("/api/v1/datasets/no_such_dataset/refresh", headers=auth).status_code == 404
    revoke_token(services.engine, "ops")
    assert client.post("/api/v1/refresh", headers=auth).status_code == 401
