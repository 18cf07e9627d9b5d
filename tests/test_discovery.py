"""Discovery through entry points: a broken plugin is refused by name, the others still load."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest
from click.testing import CliRunner

from opendata.cli import main
from opendata.plugin import PluginValidationError
from opendata.sources.discovery import discover, refresh_order


def eps(**targets: str) -> list[EntryPoint]:
    return [EntryPoint(name, value, "opendata.sources") for name, value in targets.items()]


def test_broken_plugins_are_refused_with_their_name_and_reason() -> None:
    registry = discover(
        ["*"],
        {"needs_url": {"base_url": "not a url"}},
        eps(
            example_catalog="example_sources:ExampleCatalog",
            bad_schema="broken_sources:BadSchema",
            english_titles="broken_sources:EnglishTitles",
            needs_url="broken_sources:NeedsUrl",
            not_a_source="broken_sources:NotASource",
            missing="no_such_module:Thing",
            wrong_name="example_sources:DerivedSummary",
        ),
    )
    assert list(registry.sources) == ["example_catalog"]
    reasons = {name: err.reason for name, err in registry.refused.items()}
    assert 'field type "intger" is not supported' in reasons["bad_schema"]
    assert "field 'id' needs a Chinese title" in reasons["english_titles"]
    assert "invalid config" in reasons["needs_url"] and "base_url" in reasons["needs_url"]
    assert "not a subclass of opendata.plugin.Source" in reasons["not_a_source"]
    assert "cannot be imported" in reasons["missing"]
    assert "differs from Source.name 'derived_summary'" in reasons["wrong_name"]
    for name, err in registry.refused.items():
        assert str(err).startswith(f"plugin {name!r} refused:")
    with pytest.raises(KeyError, match="refused"):
        registry.get("bad_schema")


def test_enable_list_filters_sources() -> None:
    registry = discover(
        ["example_*"],
        {},
        eps(
            example_catalog="example_sources:ExampleCatalog",
            derived_summary="example_sources:DerivedSummary",
        ),
    )
    assert list(registry.sources) == ["example_catalog"]
    assert "derived_summary" in registry.disabled


def test_refresh_order_puts_dependencies_first() -> None:
    registry = discover(
        ["*"],
        {},
        eps(
            derived_summary="example_sources:DerivedSummary",
            example_catalog="example_sources:ExampleCatalog",
        ),
    )
    assert refresh_order(registry.sources) == ["example_catalog", "derived_summary"]


def test_dependency_cycles_are_refused() -> None:
    from example_sources import DerivedSummary

    from opendata.sources.discovery import LoadedSource

    class Loop(DerivedSummary):
        name = "loop"
        depends_on = ("derived_summary",)

    class Back(DerivedSummary):
        depends_on = ("loop",)

    sources = {"loop": LoadedSource(Loop, {}, "t"), "derived_summary": LoadedSource(Back, {}, "t")}
    with pytest.raises(PluginValidationError, match="dependency cycle"):
        refresh_order(sources)


def test_sources_command_lists_installed_plugins(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENDATA_INSTANCE_PATH", config["INSTANCE_PATH"])
    monkeypatch.setenv("OPENDATA_DATASETS_PATH", config["DATASETS_PATH"])
    monkeypatch.setenv("OPENDATA_DATABASE_URL", config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    for name in (
        "disclosure_catalog",
        "service_hall",
        "archive_room",
        "fiscal_data",
        "disclosure_requests",
    ):
        assert name in result.output
    assert "enabled" in result.output
