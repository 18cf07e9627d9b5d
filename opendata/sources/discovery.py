"""Discover source plugins through the ``opendata.sources`` entry-point group.

One load per entry point, at start-up, filtered by ``SOURCES_ENABLED`` globs. A plugin that fails
to import, breaks the contract or cannot load its configuration is refused with its name and the
reason; the others still load (pluggy's ``PluginValidationError``, udata's backend registry).
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from marshmallow import ValidationError

from opendata.plugin import PluginValidationError, Source
from opendata.sources.contract import check_contract

GROUP = "opendata.sources"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedSource:
    """A source class that passed its checks, with its loaded configuration."""

    cls: type[Source]
    config: Mapping[str, Any]
    distribution: str

    @property
    def name(self) -> str:
        return self.cls.name


@dataclass
class Registry:
    """What discovery found: enabled sources, disabled ones, and refused ones with reasons."""

    sources: dict[str, LoadedSource] = field(default_factory=dict)
    disabled: dict[str, str] = field(default_factory=dict)  # name → distribution
    refused: dict[str, PluginValidationError] = field(default_factory=dict)

    def get(self, name: str) -> LoadedSource:
        if name in self.sources:
            return self.sources[name]
        if name in self.refused:
            raise KeyError(str(self.refused[name]))
        if name in self.disabled:
            raise KeyError(f"source {name!r} is installed but not enabled (SOURCES_ENABLED)")
        known = ", ".join(sorted(self.sources)) or "none"
        raise KeyError(f"no source named {name!r}; enabled sources: {known}")


def load_config(cls: type[Source], options: Mapping[str, Any]) -> dict[str, Any]:
    """Load a source's options through its Config schema; refuse it with the field errors."""
    try:
        loaded: dict[str, Any] = cls.Config().load(dict(options))
    except ValidationError as exc:
        raise PluginValidationError(cls.name, f"invalid config: {exc.messages}") from exc
    return loaded


def validate_class(entry_name: str, cls: Any) -> type[Source]:
    problems = check_contract(cls)
    if not problems and cls.name != entry_name:
        problems.append(f"entry point name {entry_name!r} differs from Source.name {cls.name!r}")
    if problems:
        raise PluginValidationError(entry_name, "; ".join(problems))
    checked: type[Source] = cls
    return checked


def enabled(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def discover(
    enabled_patterns: Iterable[str],
    options: Mapping[str, Mapping[str, Any]],
    eps: Iterable[EntryPoint] | None = None,
) -> Registry:
    """Load, check and configure every installed source plugin."""
    registry = Registry()
    patterns = list(enabled_patterns)
    found = list(entry_points(group=GROUP) if eps is None else eps)
    for ep in sorted(found, key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else "?"
        if ep.name in registry.sources or ep.name in registry.refused:
            registry.refused[ep.name] = PluginValidationError(
                ep.name, f"registered twice (again by {dist}); uninstall one of them"
            )
            registry.sources.pop(ep.name, None)
            continue
        if not enabled(ep.name, patterns):
            registry.disabled[ep.name] = dist
            continue
        try:
            try:
                cls = ep.load()
            except Exception as exc:
                raise PluginValidationError(ep.name, f"cannot be imported: {exc!r}") from exc
            cls = validate_class(ep.name, cls)
            config = load_config(cls, options.get(ep.name, {}))
        except PluginValidationError as exc:
            log.error("%s", exc)
            registry.refused[ep.name] = exc
            continue
        registry.sources[ep.name] = LoadedSource(cls, config, dist)
    return registry


def configured_entry_points(extra: Iterable[str] = ()) -> list[EntryPoint] | None:
    """The installed entry points plus ``SOURCES_EXTRA`` ("module:Class" import paths).

    Extras let tests and local development schedule a source that is not installed as a
    distribution. Each becomes an entry point named after its class's ``name``, so enable
    globs, contract checks and refusals apply to it exactly as to an installed plugin; one
    that cannot be imported keeps its import path as name and is refused by :func:`discover`.
    None when there are no extras (``discover`` then reads the installed ones itself).
    """
    refs = [str(ref) for ref in extra]
    if not refs:
        return None
    found = list(entry_points(group=GROUP))
    for ref in refs:
        try:
            name = str(EntryPoint(name=ref, value=ref, group=GROUP).load().name)
        except Exception:  # any failure: discover() refuses it with the import error
            name = ref
        found.append(EntryPoint(name=name, value=ref, group=GROUP))
    return found


def refresh_order(sources: Mapping[str, LoadedSource]) -> list[str]:
    """Source names ordered so that a derived source comes after those it depends on."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise PluginValidationError(name, f"dependency cycle: {' → '.join((*path, name))}")
        state[name] = 1
        for dep in sources[name].cls.depends_on:
            if dep in sources:
                visit(dep, (*path, name))
        state[name] = 2
        order.append(name)

    for name in sorted(sources):
        visit(name, ())
    return order
