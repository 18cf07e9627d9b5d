"""Configuration: defaults → the TOML file named by ``OPENDATA_CONFIG`` → ``OPENDATA_*`` variables.

The same loader serves the web app, the CLI and the scheduler, so that all three agree on where
the catalog and the published datasets are. Nested keys are reached from the environment with a
double underscore: ``OPENDATA_SCHEDULER__TIMEZONE=UTC`` sets ``scheduler.timezone``.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "OPENDATA_"


def default_config(root: Path | None = None) -> dict[str, Any]:
    """The embedded default: SQLite under ``instance/``, datasets under ``datasets/``."""
    base = (root or Path.cwd()).resolve()
    instance = base / "instance"
    return {
        "INSTANCE_PATH": str(instance),
        "DATASETS_PATH": str(base / "datasets"),
        # None → sqlite:///<instance>/opendata.sqlite3, decided in resolve() so that an
        # INSTANCE_PATH override moves it along.
        "DATABASE_URL": None,
        # Absolute URLs in CKAN, DCAT and schema.org output; empty → the request's own host.
        "SITE_URL": "",
        "SITE_TITLE": "政府信息公开数据开放平台",
        "SITE_DESCRIPTION": "政府信息公开目录、办事指南、财政预决算等公开数据的开放发布平台",
        # The body publishing the data, when the sources do not say (CKAN organization, DCAT).
        "PUBLISHER": None,
        # Which installed sources are enabled: fnmatch globs over source names.
        "SOURCES_ENABLED": ["*"],
        # Sources named by import path ("module:Class") besides the installed entry points.
        "SOURCES_EXTRA": [],
        # Per-source options, keyed by source name, loaded through the source's Config schema.
        "SOURCES": {},
        # How many published versions of each dataset to keep (the current one is never pruned).
        "KEEP_VERSIONS": 5,
        # A refresh fails with 'shrink' when a resource that had rows has none, or loses more
        # than this share of them; per source: [sources.NAME] shrink_fraction / allow_shrink.
        "SHRINK_FRACTION": 0.5,
        "HTTP": {"timeout": 30.0, "allowed_hosts": []},
        "SCHEDULER": {
            "timezone": "Asia/Shanghai",
            "misfire_grace_time": 3600,
            "jitter": 60,
            "poll_seconds": 2.0,
            "retries": 3,
            "retry_backoff": 30.0,
            "lease_seconds": 900,
            "heartbeat_seconds": 10.0,
            "schedules": {},
            "webhook_url": None,
            "webhook_timeout": 10.0,
            "workers": 4,
        },
        "API": {"max_page_size": 1000, "default_page_size": 100},
        "DCAT_PAGE_SIZE": 100,
        # CKAN organization names (slugs) by publisher, for package_show's organization.
        "CKAN": {"organization_names": {}},
    }


def _merge(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _parse_env_value(raw: str) -> Any:
    # JSON lets lists, numbers and booleans come through the environment; anything that is not
    # JSON is a plain string (a URL, a path).
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        path = key[len(ENV_PREFIX) :].split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part.upper() if node is out else part.lower(), {})
        leaf = path[-1].upper() if node is out else path[-1].lower()
        node[leaf] = _parse_env_value(raw)
    return out


def _upper_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """TOML files use lower-case top-level keys (``database_url``); Flask config is upper-case."""
    return {key.upper(): value for key, value in data.items()}


def load_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """Build the configuration in the documented order and resolve derived values."""
    env = os.environ if environ is None else environ
    config = default_config(root)
    config_file = env.get(ENV_PREFIX + "CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            with path.open("rb") as fh:
                _merge(config, _upper_keys(tomllib.load(fh)))
        except FileNotFoundError as exc:
            raise SystemExit(f"OPENDATA_CONFIG names {path}, which does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SystemExit(f"OPENDATA_CONFIG file {path} is not valid TOML: {exc}") from exc
    _merge(config, _env_overrides(env))
    if overrides:
        _merge(config, _upper_keys(overrides))
    return resolve(config)


def resolve(config: dict[str, Any]) -> dict[str, Any]:
    """Fill values derived from others (the default SQLite path sits in the instance folder)."""
    # Relative folders (from a TOML file or the environment) are taken from the working
    # directory once, here, so every part of the app agrees on them (Flask insists on it).
    for key in ("INSTANCE_PATH", "DATASETS_PATH"):
        config[key] = str(Path(config[key]).resolve())
    fraction = config.get("SHRINK_FRACTION")
    if (
        not isinstance(fraction, int | float)
        or isinstance(fraction, bool)
        or not 0 <= fraction <= 1
    ):
        raise SystemExit(
            f"shrink_fraction must be a number from 0 to 1 (0.5: a refresh may lose half of a "
            f"resource's rows), not {fraction!r}"
        )
    if not config.get("DATABASE_URL"):
        instance = Path(config["INSTANCE_PATH"])
        config["DATABASE_URL"] = f"sqlite:///{instance / 'opendata.sqlite3'}"
    return config
