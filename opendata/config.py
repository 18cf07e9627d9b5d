"""Configuration: defaults → the TOML file named by ``OPENDATA_CONFIG`` → ``OPENDATA_*`` variables.

The same loader serves the web app, the CLI and the scheduler, so that all three agree on where
the catalog and the published datasets are. Nested keys are reached from the environment with a
double underscore: ``OPENDATA_SCHEDULER__TIMEZONE=UTC`` sets ``scheduler.timezone``.

Every layer is checked against :mod:`opendata.config_schema` as it is read, so that a mistake is
refused at start naming the key as the operator wrote it, the layer it came from and what is
expected, instead of failing the next refresh and being blamed on a source. Unknown keys in the
file and unknown ``OPENDATA_*`` variables are refused with the closest known name. Relative paths
in the file resolve against the file's folder; from the environment, against the working
directory.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gunicorn.errors import AppImportError
from marshmallow import fields

from opendata.config_checks import (
    ENV_PREFIX,
    LayerChecker,
    Origins,
    Problem,
    env_field_at,
    env_name,
    known_paths,
)
from opendata.config_schema import default_of, settings_schema

CONFIG_ENV = ENV_PREFIX + "CONFIG"

#: ``OPENDATA_*`` variables that are not settings, read by something else (docs/operations.md).
NOT_SETTINGS = {
    CONFIG_ENV: "the TOML file to read",
    "OPENDATA_FAULT_AFTER": "test hook: a refresh process exits right after this publish step",
    "OPENDATA_TEST_POSTGRES_URL": "the PostgreSQL database the test suite uses",
    "OPENDATA_CHROMIUM": "the browser the portal's browser test drives",
}


class ConfigError(AppImportError):  # type: ignore[misc]  # flask.cli is untyped here
    """A configuration an operator must fix; the message is one paragraph saying what and where.

    An :class:`AppImportError` because gunicorn reports one raised while a worker loads the app
    as its message alone and stops the master ("App failed to load"), where any other exception
    is logged with a traceback and workers are booted again and again. The CLI turns it into a
    click error: the message and exit status 1.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class LoadedConfig:
    """The effective configuration and, per key path, where its value came from."""

    config: dict[str, Any]
    origins: Origins = field(default_factory=dict)


def default_config(root: Path | None = None) -> dict[str, Any]:
    """The embedded default: SQLite under ``instance/``, datasets under ``datasets/``."""
    base = (root or Path.cwd()).resolve()
    config: dict[str, Any] = {}
    for name, setting in settings_schema().fields.items():
        if isinstance(setting, fields.Nested):
            config[name.upper()] = {k: default_of(f) for k, f in setting.schema.fields.items()}
        else:
            config[name.upper()] = default_of(setting)
    config["INSTANCE_PATH"] = str(base / "instance")
    config["DATASETS_PATH"] = str(base / "datasets")
    return config


def _merge(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _parse_env_value(raw: str, path: tuple[str, ...]) -> Any:
    # Values are JSON when they parse as JSON, so that lists, numbers and booleans come through
    # the environment, and plain text otherwise, for the schema to judge. A text setting takes
    # the variable as written (OPENDATA_SITE_TITLE=2024 is a title, not a number) unless it is
    # a JSON string or null, as scripts that JSON-encode every value write it.
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    setting = env_field_at(path)
    if not isinstance(setting, fields.String):
        return value
    if setting.allow_none and raw in ("", "null"):
        return None  # unset: the default (an empty OPENDATA_DATABASE_URL is the SQLite file)
    return value if isinstance(value, str) else raw


def _source_names() -> set[str]:
    # Entry-point names only: nothing is imported, so serving still never loads a plugin.
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="opendata.sources")}


def _env_layer(
    environ: Mapping[str, str], problems: list[Problem]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """The ``OPENDATA_*`` settings as one nested mapping, and which variable set which path."""
    out: dict[str, Any] = {}
    variables: dict[tuple[str, ...], str] = {}
    top_level = {name.upper() for name in settings_schema().fields}
    sources: set[str] | None = None
    for var, raw in sorted(environ.items()):
        if not var.startswith(ENV_PREFIX) or var in NOT_SETTINGS:
            continue
        parts = var[len(ENV_PREFIX) :].split("__")
        path = (parts[0].upper(), *(part.lower() for part in parts[1:]))
        if path[0] not in top_level:
            # A variable named after an installed source is that source's own (its Config reads
            # it, e.g. OPENDATA_ARCHIVE_ROOM_DATABASE_URL).
            sources = _source_names() if sources is None else sources
            if not any(var.startswith(f"{ENV_PREFIX}{s.upper()}_") for s in sources):
                problems.append(Problem.unknown("environment", var, _env_candidates()))
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break  # set whole by a shorter variable, whose value the schema judges
        else:
            node[path[-1]] = _parse_env_value(raw, path)
            variables[path] = var
    return out, variables


def _env_candidates() -> list[str]:
    return [env_name(path) for path in known_paths()] + list(NOT_SETTINGS)


def _read_toml(config_file: str) -> tuple[dict[str, Any], Path]:
    path = Path(config_file).expanduser().resolve()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{CONFIG_ENV} names {path}, which does not exist") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{CONFIG_ENV} names {path}, which is a folder, not a file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{CONFIG_ENV} file {path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{CONFIG_ENV} file {path} is not UTF-8 text") from exc
    return {key.upper(): value for key, value in data.items()}, path


def load_layers(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> LoadedConfig:
    """Build the configuration in the documented order, checking each layer as it is read."""
    env = os.environ if environ is None else environ
    problems: list[Problem] = []
    origins: Origins = {}
    cwd = Path.cwd()
    config: dict[str, Any] = {}
    layers: list[tuple[LayerChecker, Mapping[str, Any]]] = [
        (LayerChecker("default", "default", cwd), default_config(root))
    ]
    config_file = env.get(CONFIG_ENV)
    if config_file:
        data, path = _read_toml(config_file)
        layers.append((LayerChecker("file", f"TOML file {path}", path.parent), data))
    env_data, variables = _env_layer(env, problems)
    layers.append((LayerChecker("env", "environment", cwd, variables), env_data))
    if overrides:
        upper = {key.upper(): value for key, value in overrides.items()}
        layers.append((LayerChecker("override", "override", cwd), upper))
    for checker, values in layers:
        _merge(config, checker.check(values))
        problems.extend(checker.problems)
        origins.update(checker.origins)
    problems.extend(_cross_checks(config, origins))
    if problems:
        raise ConfigError(_paragraph(problems))
    return LoadedConfig(_derive(config, origins), origins)


def load_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """The effective configuration, as a Flask config mapping (top-level keys upper-case)."""
    return load_layers(overrides, environ=environ, root=root).config


def _cross_checks(config: Mapping[str, Any], origins: Origins) -> list[Problem]:
    api = config.get("API", {})
    default, largest = api.get("default_page_size"), api.get("max_page_size")
    if isinstance(default, int) and isinstance(largest, int) and default > largest:
        where = origins.get(("API", "default_page_size"), "default")
        return [
            Problem(
                f"api.default_page_size = {default} ({where}) is larger than "
                f"api.max_page_size = {largest}: expected at most the largest page"
            )
        ]
    return []


def _derive(config: dict[str, Any], origins: Origins) -> dict[str, Any]:
    """Fill values derived from others (the default SQLite path sits in the instance folder)."""
    if not config.get("DATABASE_URL"):
        instance = Path(config["INSTANCE_PATH"])
        config["DATABASE_URL"] = f"sqlite:///{instance / 'opendata.sqlite3'}"
        origins[("DATABASE_URL",)] = "default (in instance_path)"
    return config


def _paragraph(problems: list[Problem]) -> str:
    listed = "; ".join(problem.text for problem in problems)
    return (
        f"The configuration cannot be used: {listed}. Correct it where it is set (the TOML file "
        f"named by {CONFIG_ENV}, or the environment); `opendata config keys` lists every "
        "setting with its type and default."
    )
