"""Check one layer of the configuration against the schema, naming keys as the operator wrote them.

A layer is the defaults, the TOML file, the environment or the overrides given in code. Each key
is checked where it was written, so a bad value is reported with its layer (``keep_versions`` in
the file, ``OPENDATA_KEEP_VERSIONS`` in the environment) and relative paths resolve against that
layer's folder. What passes comes back deserialised (``"30"`` from the environment → ``30.0``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields

from opendata.config_schema import expected, settings_schema, source_option_fields
from opendata.masking import mask_value

ENV_PREFIX = "OPENDATA_"
#: Key path (top-level key upper-case, nested keys as written) → where its value came from.
Origins = dict[tuple[str, ...], str]

_BAD = object()
# marshmallow's own wording of a type or range error adds nothing to "expected …".
_GENERIC = ("Not a valid", "Must be ", "Field may not be null", "Invalid value", "Length must")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, as a clause of the error paragraph."""

    text: str

    @classmethod
    def unknown(cls, where: str, written: str, candidates: Sequence[str]) -> Problem:
        close = difflib.get_close_matches(written, candidates, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else " (see `opendata config keys`)"
        return cls(f"{written} ({where}) is not a setting{hint}")


def _walk_paths(schema: Schema, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for name, setting in schema.fields.items():
        path = (*prefix, name.upper() if not prefix else name)
        yield path
        if isinstance(setting, fields.Nested):
            yield from _walk_paths(setting.schema, path)


@cache
def known_paths() -> tuple[tuple[str, ...], ...]:
    """Every setting's key path: ``("KEEP_VERSIONS",)``, ``("SCHEDULER", "timezone")``, …"""
    return tuple(_walk_paths(settings_schema(), ()))


def env_name(path: Sequence[str]) -> str:
    """The environment variable that sets ``path``: ``OPENDATA_SCHEDULER__TIMEZONE``."""
    return ENV_PREFIX + "__".join(part.upper() for part in path)


def env_field_at(path: Sequence[str]) -> fields.Field[Any] | None:
    """The field that types ``path``, or None where values are free-form (a source's options)."""
    setting: Any = settings_schema().fields.get(path[0].lower())
    for depth, part in enumerate(path[1:], start=1):
        if isinstance(setting, fields.Nested):
            setting = setting.schema.fields.get(part)
        elif depth == 1 and path[0] == "SOURCES":
            setting = None  # a source name; its options come next
        elif depth == 2 and path[0] == "SOURCES":
            setting = source_option_fields().get(part)
        elif isinstance(setting, fields.Dict):
            setting = setting.value_field
        else:
            return None
        if setting is None:
            return None
    return setting if isinstance(setting, fields.Field) else None


def _details(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [
            f"item {int(k) + 1 if isinstance(k, int) else k}: {m}"
            for k, v in messages.items()
            for m in _details(v)
        ]
    if isinstance(messages, list | tuple):
        return [m for item in messages for m in _details(item)]
    text = str(messages)
    return [] if text.startswith(_GENERIC) else [text.rstrip(".")]


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def absolute_sqlite(url: str, base: Path) -> str:
    """A SQLite URL with a relative file path, made absolute against ``base``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return url
    if database.startswith("file:") or Path(database).expanduser().is_absolute():
        return url
    absolute = (base / Path(database).expanduser()).resolve()
    return parsed.set(database=str(absolute)).render_as_string(hide_password=False)


@dataclass
class LayerChecker:
    """Checks one layer; ``problems`` and ``origins`` fill as :meth:`check` walks it."""

    kind: str  # "default", "file", "env", "override"
    label: str  # how an error names the layer: "TOML file /etc/opendata.toml"
    base: Path  # relative paths in this layer resolve against it
    variables: Mapping[tuple[str, ...], str] = field(default_factory=dict)  # env: path → name
    problems: list[Problem] = field(default_factory=list)
    origins: Origins = field(default_factory=dict)

    def check(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The layer's settings, checked and deserialised; what fails is left out."""
        schema = settings_schema()
        out: dict[str, Any] = {}
        for key, value in data.items():
            setting = schema.fields.get(key.lower())
            if setting is None:
                if self.kind == "override":
                    out[key] = value  # Flask's own settings (TESTING) given in code
                else:
                    self._unknown((key,))
                continue
            checked = self._value(setting, value, (key,))
            if checked is not _BAD:
                out[key] = checked
        return out

    # -- naming ----------------------------------------------------------------------------

    def spell(self, path: Sequence[str]) -> str:
        """``path`` as the operator wrote it in this layer."""
        if self.kind == "env":
            for cut in range(len(path), 0, -1):
                var = self.variables.get(tuple(path[:cut]))
                if var:
                    rest = ".".join(path[cut:])
                    return f"{var} (at {rest})" if rest else var
            return env_name(path)
        if self.kind == "override":
            return ".".join(path)
        return ".".join((path[0].lower(), *path[1:]))

    def origin(self, path: Sequence[str]) -> str:
        if self.kind == "env":
            return f"env {self.spell(path)}"
        return self.label.removeprefix("TOML ")

    def _unknown(self, path: tuple[str, ...]) -> None:
        if self.kind == "env":
            candidates = [env_name(p) for p in known_paths()]
        else:
            candidates = [self.spell(p) for p in known_paths()]
        self.problems.append(Problem.unknown(self.label, self.spell(path), candidates))

    def _bad(
        self, path: Sequence[str], value: Any, setting: fields.Field[Any], details: Any
    ) -> None:
        whole = bool(setting.metadata.get("secret_url"))
        shown = _shown(mask_value(path, value, whole_path=whole))
        text = f"{self.spell(path)} = {shown} ({self.label}): expected {expected(setting)}"
        extra = _details(details)
        if self.kind == "env" and isinstance(value, str):
            if isinstance(setting, fields.List):
                extra.append('in the environment as JSON, e.g. ["a", "b"]')
            elif isinstance(setting, fields.Dict | fields.Nested):
                extra.append('in the environment as JSON, e.g. {"name": "value"}')
        self.problems.append(Problem(text + (f" ({'; '.join(extra)})" if extra else "")))

    # -- walking ---------------------------------------------------------------------------

    def _value(self, setting: fields.Field[Any], value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(setting, fields.Nested):
            return self._table(setting, value, path)
        if isinstance(setting, fields.Dict):
            return self._map(setting, value, path)
        return self._leaf(setting, value, path)

    def _table(self, setting: fields.Nested, value: Any, path: tuple[str, ...]) -> Any:
        schema: Schema = setting.schema
        if not isinstance(value, Mapping):
            self._bad(path, value, setting, f"keys: {', '.join(schema.fields)}")
            return _BAD
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = (*path, str(key))
            inner = schema.fields.get(str(key))
            if inner is None:
                self._unknown(sub)
                continue
            checked = self._value(inner, item, sub)
            if checked is not _BAD:
                out[str(key)] = checked
        return out

    def _map(self, setting: fields.Dict, value: Any, path: tuple[str, ...]) -> Any:
        """A table of free names: schedules by source, organization slugs, sources' options."""
        if not isinstance(value, Mapping):
            self._bad(path, value, setting, [])
            return _BAD
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = (*path, str(key))
            if setting.key_field is not None:
                try:
                    setting.key_field.deserialize(key)
                except ValidationError:
                    self.problems.append(
                        Problem(
                            f"{self.spell(sub)} ({self.label}): {_shown(key)} is not a source "
                            "name; expected lower-case letters, digits and _, a letter first"
                        )
                    )
                    continue
            checked = self._entry(setting, item, sub)
            if checked is not _BAD:
                out[str(key)] = checked
        return out

    def _entry(self, setting: fields.Dict, item: Any, path: tuple[str, ...]) -> Any:
        if path[0] == "SOURCES":
            return self._source_options(item, path)
        if setting.value_field is None:
            self.origins[path] = self.origin(path)
            return item
        return self._leaf(setting.value_field, item, path)

    def _source_options(self, options: Any, path: tuple[str, ...]) -> Any:
        # A source's own options are its Config's business (checked at discovery); the core's
        # per-source options (timeout, shrink_fraction, …) are typed here.
        core = source_option_fields()
        if not isinstance(options, Mapping):
            self._bad(path, options, fields.Dict(metadata={"expects": "a table of options"}), [])
            return _BAD
        out: dict[str, Any] = {}
        for key, item in options.items():
            sub = (*path, str(key))
            if key in core:
                checked = self._leaf(core[key], item, sub)
            else:
                self.origins[sub] = self.origin(sub)
                checked = item
            if checked is not _BAD:
                out[str(key)] = checked
        return out

    def _leaf(self, setting: fields.Field[Any], value: Any, path: tuple[str, ...]) -> Any:
        try:
            checked = setting.deserialize(value)
        except ValidationError as exc:
            self._bad(path, value, setting, exc.messages)
            return _BAD
        if checked and setting.metadata.get("path"):
            checked = str((self.base / Path(checked).expanduser()).resolve())
        elif checked and path == ("DATABASE_URL",):
            checked = absolute_sqlite(checked, self.base)
        self.origins[path] = self.origin(path)
        return checked
