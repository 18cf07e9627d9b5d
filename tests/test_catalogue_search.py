"""Catalogue search in Chinese and English: prefixes, stems, names, English titles, did-you-mean."""

from __future__ import annotations

from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask.testing import FlaskClient

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.read.search import Entry, make_entry, search, stem


def _dataset(name: str, title: str, resources: list[tuple[str, str]], **extra: Any) -> Entry:
    item = {"name": name, "title": title, "keywords": extra.pop("keywords", []), **extra}
    descriptor = {
        "name": name,
        "title": title,
        "resources": [
            {
                "name": res,
                "title": res_title,
                "schema": {"fields": [{"name": "category", "title": "类别"}]},
            }
            for res, res_title in resources
        ],
    }
    if "title_en" in extra:
        descriptor["title_en"] = extra["title_en"]
    return make_entry(item, descriptor)


CATALOGUE = [
    _dataset(
        "fiscal_data",
        "财政预决算",
        [("budgets", "部门预算"), ("final_accounts", "部门决算")],
        keywords=["财政", "预算"],
    ),
    _dataset("archive_room", "档案室", [("lookups", "查阅利用")], keywords=["档案"]),
    _dataset(
        "service_hall",
        "政务服务大厅",
        [("items", "服务事项")],
        title_en="Government service hall: items and guides",
    ),
]


def names(q: str) -> set[str]:
    return {item["name"] for item in search(CATALOGUE, q=q).items}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("budgets", "budget"),
        ("categories", "category"),
        ("statuses", "status"),
        ("archive", "archiv"),
        ("archived", "archiv"),
        ("archiving", "archiv"),
        ("fees", "fee"),
        ("class", "class"),
        ("is", "is"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("budget", {"fiscal_data"}),  # a prefix of budgets
        ("budgets", {"fiscal_data"}),
        ("BUDGET", {"fiscal_data"}),
        ("fiscal", {"fiscal_data"}),  # by the dataset's name
        ("fisc", {"fiscal_data"}),
        ("account", {"fiscal_data"}),
        ("final accounts", {"fiscal_data"}),
        ("categories", {"fiscal_data", "archive_room", "service_hall"}),  # a field's name
        ("archived", {"archive_room"}),
        ("guide", {"service_hall"}),  # the English title
        ("government service", {"service_hall"}),
        ("hall guides", {"service_hall"}),
        ("档案", {"archive_room"}),
        ("预算", {"fiscal_data"}),
        ("budget 预算", {"fiscal_data"}),
        ("budget 档案", set()),  # every word must match
    ],
)
def test_words_find_datasets(q: str, expected: set[str]) -> None:
    assert names(q) == expected


def test_short_words_are_not_prefixes() -> None:
    """``a`` would otherwise match almost everything (archive, accounts…)."""
    assert names("a") == set()
    assert names("fi") == set()


def test_relevance_prefers_the_name_to_a_field() -> None:
    result = search(CATALOGUE, q="fiscal")
    assert result.items[0]["score"] >= 5


@pytest.mark.parametrize(
    ("q", "suggested"),
    [
        ("budgt", "budgets"),
        ("fiscl", "fiscal"),
        ("档案馆", "档案"),
        ("fiscl 预算", "fiscal 预算"),
    ],
)
def test_no_result_suggests_the_closest_words(q: str, suggested: str) -> None:
    result = search(CATALOGUE, q=q)
    assert result.total == 0
    assert suggested in result.suggestions, result.suggestions
    for suggestion in result.suggestions:  # every suggestion finds something
        assert search(CATALOGUE, q=suggestion).total > 0, suggestion


def test_suggestions_only_when_nothing_matched() -> None:
    assert search(CATALOGUE, q="budget").suggestions == []
    assert search(CATALOGUE, q="zzzzqqqq").suggestions == []  # nothing is close
    assert search(CATALOGUE).suggestions == []


def test_api_search_by_name_prefix_and_suggestions(
    config: dict[str, Any], make_services: Any
) -> None:
    svc = make_services(ExampleCatalog, options={"example_catalog": {"rows": 5}})
    assert refresh(svc, "example_catalog").ok
    app = create_app({**config, "TESTING": True})
    client: FlaskClient = app.test_client()
    for q in ("example", "catalogs", "exam", "entry", "channel"):
        body = client.get(f"/api/v1/datasets?q={q}").json
        assert [i["name"] for i in body["items"]] == ["example_catalog"], q
        assert body["suggestions"] == []
    missed = client.get("/api/v1/datasets?q=exmple").json
    assert missed["total"] == 0 and "example" in missed["suggestions"]
    services_of(app).close()


class EnglishTitled(ExampleCatalog):
    name = "example_titled"
    title_en = "Procurement notices"


def test_a_declared_english_title_is_published_and_found(
    config: dict[str, Any], make_services: Any
) -> None:
    svc = make_services(ExampleCatalog, EnglishTitled, options={"example_titled": {"rows": 5}})
    assert refresh(svc, "example_titled").ok and refresh(svc, "example_catalog").ok
    assert svc.catalog.current_version("example_titled")["descriptor"]["title_en"] == (
        "Procurement notices"
    )
    assert "title_en" not in svc.catalog.current_version("example_catalog")["descriptor"]
    app = create_app({**config, "TESTING": True})
    client: FlaskClient = app.test_client()
    for q in ("procurement", "notice"):  # words only the English title holds
        body = client.get(f"/api/v1/datasets?q={q}").json
        assert [i["name"] for i in body["items"]] == ["example_titled"], q
    services_of(app).close()


def test_the_english_portal_shows_the_english_title(
    config: dict[str, Any], make_services: Any
) -> None:
    svc = make_services(EnglishTitled, options={"example_titled": {"rows": 5}})
    assert refresh(svc, "example_titled").ok
    app = create_app({**config, "TESTING": True})
    client: FlaskClient = app.test_client()
    assert "Procurement notices" in client.get("/datasets/example_titled?lang=en").text
    assert "Procurement notices" not in client.get("/datasets/example_titled").text
    services_of(app).close()
