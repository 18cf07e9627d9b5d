"""The sources as the processes that load plugins see them: discovered once, written to the catalog.

:func:`registry_of` discovers the installed plugins for a process that runs them (the CLI, the
scheduler, a refresh); the web app never calls it. :func:`sync` writes what serving shows about
sources (names, titles, effective schedules, dependencies, disabled or refused and why) to
``od_sources``; ``opendata db upgrade``, the scheduler at start, ``opendata refresh`` and
``opendata sources sync`` run it.
"""

from __future__ import annotations

from opendata.redact import redact, strip_paths
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.sources.discovery import Registry, configured_entry_points, discover
from opendata.store import sources as stored
from opendata.store.sources import DISABLED, ENABLED, REFUSED, SourceRow


def registry_of(services: Services) -> Registry:
    """The installed sources for ``services``' configuration, discovered on first use."""
    if services.registry is None:
        config = services.config
        services.registry = discover(
            config.get("SOURCES_ENABLED", ["*"]),
            config.get("SOURCES", {}),
            configured_entry_points(config.get("SOURCES_EXTRA", [])),
        )
    registry: Registry = services.registry
    return registry


def rows_of(registry: Registry, settings: SchedulerSettings) -> list[SourceRow]:
    """What serving may show of each installed source."""
    rows = [
        SourceRow(
            name=name,
            state=ENABLED,
            title=loaded.cls.title,
            distribution=loaded.distribution,
            schedule=settings.schedule_for(name, loaded.cls.schedule),
            depends_on=tuple(loaded.cls.depends_on),
        )
        for name, loaded in registry.sources.items()
    ]
    rows += [
        SourceRow(
            name=name, state=DISABLED, distribution=dist, reason="not matched by SOURCES_ENABLED"
        )
        for name, dist in registry.disabled.items()
    ]
    # Shown to anyone: an import error's text may hold a plugin's secrets and server paths.
    rows += [
        SourceRow(name=name, state=REFUSED, reason=strip_paths(redact(err.reason)))
        for name, err in registry.refused.items()
    ]
    return sorted(rows, key=lambda r: r.name)


def sync(services: Services, registry: Registry | None = None) -> list[SourceRow]:
    """Write the installed sources to the catalog; returns what was written."""
    try:
        settings = SchedulerSettings.from_config(services.config)
    except ValueError:  # the scheduler refuses such a config; show the declared schedules
        settings = SchedulerSettings.from_config({})
    rows = rows_of(registry or registry_of(services), settings)
    stored.replace_all(services.engine, rows)
    return rows
