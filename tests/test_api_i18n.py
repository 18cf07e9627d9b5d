"""API errors in English or Chinese by Accept-Language, with the same codes in both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.messages import CATALOGUE, message, negotiate
from opendata.pipeline.refresh import refresh

ROWS = "/api/v1/datasets/example_catalog/resources/entries/rows"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(config: dict[str, Any], make_services: Any) -> Iterator[FlaskClient]:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 30}})
    assert refresh(svc, "example_catalog").ok
    app: Flask = create_app({**config, "TESTING": True})
    yield app.test_client()
    services_of(app).close()


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-Hans-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en-US,zh-CN;q=0.5", "en"),
        ("fr-FR,zh;q=0.3", "zh-CN"),
        ("fr", "en"),
        ("*", "en"),
        ("en;q=0.2,zh;q=0.9", "zh-CN"),
        ("zh;q=0,en", "en"),
        ("zh;q=abc", "en"),
    ],
)
def test_negotiate(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_negotiate_default_is_the_callers() -> None:
    """The portal asks for zh-CN by default, the API for English."""
    assert negotiate(None, default="zh-CN") == "zh-CN"
    assert negotiate("de", default="zh-CN") == "zh-CN"


def test_every_code_speaks_both_languages() -> None:
    for code, variants in CATALOGUE.items():
        assert variants, code
        for english, chinese in variants:
            assert not CJK.search(english.replace("<令牌>", "")), (code, english)
            assert CJK.search(chinese), (code, chinese)
            # Both languages name the same details.
            names = set(re.findall(r"{(\w+)}", english))
            assert names == set(re.findall(r"{(\w+)}", chinese)), code
        # The last variant needs no details: a message never shows a placeholder.
        for lang in ("en", "zh-CN"):
            assert "{" not in message(code, lang), (code, lang)  # type: ignore[arg-type]


def test_message_fills_details_and_falls_back() -> None:
    text = message(
        "invalid_value", "zh-CN", field="channel", value="微信", allowed=["网站", "报刊"]
    )
    assert text == "字段 channel 不接受取值 微信；可选取值：网站、报刊"
    assert message("invalid_value", "en", field="channel", value="x") == (
        "value x for field channel is not valid"
    )
    assert message("unknown_dataset", "zh-CN") == "没有这个数据集"
    assert message("no_such_code", "zh-CN", field="x") == "请求失败"


def test_english_by_default(client: FlaskClient) -> None:
    resp = client.get("/api/v1/datasets/nosuch")
    assert resp.status_code == 404
    assert resp.json["error"]["message"] == "no dataset named 'nosuch'"
    assert resp.headers["Content-Language"] == "en"
    assert "Accept-Language" in resp.headers["Vary"]


@pytest.mark.parametrize(
    ("path", "status", "code", "words"),
    [
        ("/api/v1/datasets/nosuch", 404, "unknown_dataset", ["nosuch", "数据集"]),
        (
            "/api/v1/datasets/example_catalog/resources/nosuch",
            404,
            "unknown_resource",
            ["nosuch", "资源"],
        ),
        (ROWS + "?category=微信", 400, "invalid_value", ["微信", "财政、档案、许可、服务"]),
        (ROWS + "?published__between=2020-01-01", 400, "unknown_operator", ["between", "gte"]),
        (ROWS + "?nosuch=1", 400, "unknown_field", ["nosuch", "published"]),
        (ROWS + "?amount__gt=abc", 400, "invalid_value", ["abc", "amount"]),
        (ROWS + "?_size=abc", 400, "invalid_parameter", ["_size", "不是有效的整数"]),
        (ROWS + "?_size=0", 400, "invalid_parameter", ["_size", "1 到 1000 之间"]),
        (ROWS + "?_bogus=1", 400, "unknown_parameter", ["_bogus"]),
        (ROWS + "?_next=garbage", 400, "invalid_token", ["_next"]),
        ("/api/v1/no/such/path", 404, "not_found", ["/api/v1/no/such/path"]),
        ("/api/v1/runs/999999", 404, "unknown_run", ["999999"]),
    ],
)
def test_chinese_on_request_with_the_same_code(
    client: FlaskClient, path: str, status: int, code: str, words: list[str]
) -> None:
    english = client.get(path)
    chinese = client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert english.status_code == chinese.status_code == status
    assert english.json["error"]["code"] == chinese.json["error"]["code"] == code
    assert english.json["error"]["details"] == chinese.json["error"]["details"]
    text = chinese.json["error"]["message"]
    assert CJK.search(text) and "{" not in text, text
    # The English text is written in English (it may quote Chinese values).
    assert re.match(r"^[A-Za-z_]", english.json["error"]["message"]), english.json
    for word in words:
        assert word in text, (word, text)
    assert chinese.headers["Content-Language"] == "zh-CN"


def test_wrong_method_and_token_errors_in_chinese(client: FlaskClient) -> None:
    zh = {"Accept-Language": "zh"}
    resp = client.delete("/api/v1/datasets", headers=zh)
    assert resp.status_code == 405
    assert resp.json["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.json["error"]["message"] and CJK.search(resp.json["error"]["message"])
    resp = client.post("/api/v1/datasets/example_catalog/refresh", headers=zh)
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized" and "令牌" in resp.json["error"]["message"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
