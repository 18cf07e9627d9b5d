"""Meta-test: every installed source plugin keeps the contract the core enforces at start-up."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from opendata.sources.contract import check_contract
from opendata.sources.discovery import GROUP

INSTALLED = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)


def test_the_built_in_plugins_are_installed() -> None:
    names = {ep.name for ep in INSTALLED}
    assert {
        "disclosure_catalog",
        "service_hall",
        "archive_room",
        "fiscal_data",
        "disclosure_requests",
    } <= names


@pytest.mark.parametrize("ep", INSTALLED, ids=lambda ep: ep.name)
def test_installed_source_keeps_the_contract(ep) -> None:  # type: ignore[no-untyped-def]
    cls = ep.load()
    assert check_contract(cls) == []
    assert cls.name == ep.name
    cls.Config().load({})  # the defaults point at the shipped sample origin
