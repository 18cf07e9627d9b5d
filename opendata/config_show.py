"""``opendata config show`` and ``opendata config keys``: what is in effect, and what may be set.

``show`` prints every effective value with where it came from (default, file, env, override),
secrets masked, so that an operator can see why the service does what it does without reading
the environment of a running process. ``keys`` prints the table of every setting that
docs/operations.md carries (a test keeps the two equal).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import click
import orjson
from marshmallow import fields

from opendata.config import NOT_SETTINGS, ConfigError, load_layers
from opendata.config_checks import Origins, env_field_at, env_name, known_paths
from opendata.config_schema import (
    SOURCE_OPTION_DESCRIPTIONS,
    default_of,
    expected,
    settings_schema,
    source_option_fields,
)
from opendata.masking import mask_value

# Tables whose keys are names the operator chooses: shown entry by entry.
_MAPS = {("SOURCES",), ("SCHEDULER", "schedules"), ("CKAN", "organization_names")}


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join((path[0].lower(), *path[1:]))


def effective(config: Mapping[str, Any], origins: Origins) -> Iterator[tuple[str, Any, str]]:
    """``(key, shown value, origin)`` for every leaf setting, secrets masked."""
    order = {name.upper(): i for i, name in enumerate(settings_schema().fields)}
    keys = sorted((k for k in config if k in order), key=order.__getitem__)
    for key in keys:
        yield from _leaves(config[key], (key,), origins)


def _expands(path: tuple[str, ...], value: Any) -> bool:
    # Sections and tables of names are shown key by key; a free-form value inside a source's
    # options (a nested table of its own) is shown whole.
    if not isinstance(value, dict) or not value:
        return False
    if path in _MAPS or (len(path) == 2 and path[0] == "SOURCES"):
        return True
    return isinstance(env_field_at(path), fields.Nested)


def _leaves(value: Any, path: tuple[str, ...], origins: Origins) -> Iterator[tuple[str, Any, str]]:
    if _expands(path, value):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)), origins)
        return
    setting = env_field_at(path)
    whole = bool(setting is not None and setting.metadata.get("secret_url"))
    shown = mask_value(path, value, whole_path=whole)
    yield _dotted(path), shown, _origin(path, origins)


def _origin(path: tuple[str, ...], origins: Origins) -> str:
    for cut in range(len(path), 0, -1):
        if path[:cut] in origins:
            return origins[path[:cut]]
    return "default"


def render_show(config: Mapping[str, Any], origins: Origins) -> str:
    lines = [
        f"{key} = {json.dumps(value, ensure_ascii=False)}"
        for key, value, _origin_text in effective(config, origins)
    ]
    width = min(max(len(line) for line in lines), 72)
    out = ["# the configuration in effect (secrets masked); after # where each value came from"]
    for line, (_key, _value, origin) in zip(lines, effective(config, origins), strict=True):
        out.append(f"{line.ljust(width)}  # {origin}")
    return "\n".join(out)


def _default_text(setting: Any) -> str:
    if "default_text" in setting.metadata:
        return str(setting.metadata["default_text"])
    value = default_of(setting)
    if value is None:
        return "none"
    if value == "":
        return "empty"
    return json.dumps(value, ensure_ascii=False)


def _row(key: str, env: str, setting: Any, meaning: str) -> str:
    cells = [f"`{key}`", f"`{env}`", expected(setting), _default_text(setting), meaning]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def keys_table() -> str:
    """The Markdown table of every setting: key, variable, type, default, meaning."""
    rows = ["| key | environment | type | default | meaning |", "|---|---|---|---|---|"]
    for path in known_paths():
        setting = env_field_at(path)
        if setting is None or isinstance(setting, fields.Nested):
            continue  # a section ([scheduler]): its keys have rows of their own
        meaning = str(setting.metadata.get("description", ""))
        rows.append(_row(_dotted(path), env_name(path), setting, meaning))
    for name, setting in source_option_fields().items():
        path = ("SOURCES", "NAME", name)
        meaning = str(
            setting.metadata.get("description") or SOURCE_OPTION_DESCRIPTIONS.get(name, "")
        )
        rows.append(_row(_dotted(path), env_name(path), setting, meaning))
    return "\n".join(rows)


class ConfigAwareGroup(click.Group):
    """A command group that reports a configuration mistake as its message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group("config")
def config_group() -> None:
    """Show the configuration in effect, or every setting there is."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: key → value and origin.")
def config_show(as_json: bool) -> None:
    """Print every setting in effect with its origin (default, file, env); secrets masked."""
    loaded = load_layers()
    if as_json:
        data = {
            key: {"value": value, "origin": origin}
            for key, value, origin in effective(loaded.config, loaded.origins)
        }
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_show(loaded.config, loaded.origins))
        # Variables that are not settings still change what runs (OPENDATA_FAULT_AFTER makes
        # every publish exit mid-way): say which are set, so none is forgotten in production.
        for name, purpose in NOT_SETTINGS.items():
            if name in os.environ:
                click.echo(f"# also set: {name} ({purpose})")


@config_group.command("keys")
def config_keys() -> None:
    """Print the table of every setting: TOML key, environment variable, type, default."""
    click.echo(keys_table())
