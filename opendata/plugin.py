"""The public face of opendata for plugin authors.

A source plugin imports only this module and :mod:`opendata.testing`; everything else in the
``opendata`` package may change between releases. A source is one small class::

    from opendata.plugin import Source, ResourceSpec

    class ArchiveRoom(Source):
        name = "archive_room"
        title = "档案室"
        ...
        resources = (ResourceSpec("catalogue", "开放档案目录", "schemas/catalogue.json"),)

        class Config(Source.Config):
            database_url = fields.String(load_default=...)

        def rows(self, resource: str) -> Iterator[Row]:
            ...

The core discovers it through the entry-point group ``opendata.sources`` (entry name equal to
``Source.name``), loads its configuration through ``Config``, hands it a :class:`SourceContext`
(an HTTP client with time-outs and a host allow-list, a logger, read access to other published
datasets) and streams what it yields through validation and the publication policy. A source never
writes files, opens storage of its own or imports Flask.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from typing import Any, ClassVar, Protocol

from marshmallow import Schema, ValidationError, fields, validate

__all__ = [
    "DISCLOSURE_PUBLIC",
    "DatasetReader",
    "HttpClient",
    "PluginValidationError",
    "ResourceSpec",
    "Row",
    "Source",
    "SourceContext",
    "SourceError",
    "TransientSourceError",
    "fields",
    "validate",
]

#: A row as a source yields it: keys are the Table Schema field names of its resource.
Row = dict[str, Any]

#: The only 公开属性 (disclosure attribute) whose records may be published.
DISCLOSURE_PUBLIC = "主动公开"

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

#: The smallest address space a refresh process can start in (the interpreter, numpy and the
#: database driver already take about 200 MiB of it).
MIN_MEMORY_LIMIT_MIB = 256


def _memory_limit(mib: int) -> None:
    # A small number is most likely meant as GiB: refuse it rather than fail every run later.
    if mib != 0 and mib < MIN_MEMORY_LIMIT_MIB:
        raise ValidationError(
            f"memory_limit is in MiB: 0 (no limit) or at least {MIN_MEMORY_LIMIT_MIB}, not {mib}"
        )


class SourceError(Exception):
    """The source cannot produce its data; retrying will not help (bad origin file, bad layout).

    The message should say what is wrong and where (file, sheet, cell, URL), so that the person
    reading the run report can act on it.
    """


class TransientSourceError(SourceError):
    """A failure that may pass on its own (connection refused, time-out, HTTP 5xx).

    The scheduler retries these with exponential backoff; every other exception fails the run
    at once.
    """


class PluginValidationError(Exception):
    """A plugin breaks the contract; raised at registration with the plugin's name and why."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r} refused: {message}")
        self.plugin = plugin
        self.reason = message


@dataclass(frozen=True)
class ResourceSpec:
    """One output table of a source.

    ``schema`` is a Table Schema, either a dict or the path of a JSON file relative to the
    plugin's package. Field titles are Chinese. Besides the standard Table Schema properties a
    field may carry these opendata properties:

    - ``"private": true``: dropped before build; never published (e.g. an applicant's name).
    - ``"publicContact": true``: may hold phone numbers or e-mail addresses (an office's
      consultation phone); other fields holding them fail the run.
    - ``"filterable": true``: indexed in the datastore for row queries.
    - ``"searchable": true``: included in the full-text index of row queries.

    ``disclosure_field`` names the field holding the 公开属性; rows whose value is not
    ``主动公开`` are withheld by the core. The field itself is published unless marked private.
    """

    name: str
    title: str
    schema: str | Mapping[str, Any]
    description: str = ""
    disclosure_field: str | None = None


class HttpClient(Protocol):
    """The HTTP client the core gives a source: time-outs and a host allow-list built in."""

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any: ...

    def get_bytes(self, url: str, params: Mapping[str, Any] | None = None) -> bytes: ...


class DatasetReader(Protocol):
    """Read access to the current published version of another dataset (derived sources)."""

    def rows(self, dataset: str, resource: str) -> Iterator[Row]: ...


@dataclass(frozen=True)
class SourceContext:
    """What the core hands a source: its loaded configuration and the services it may use."""

    config: Mapping[str, Any]
    http: HttpClient
    log: logging.Logger
    datasets: DatasetReader
    #: Warnings a source wants in the run report (e.g. "working-day calendar fell back").
    warnings: list[str] = field(default_factory=list)


class Source:
    """Base class of every source plugin.

    Subclasses declare their metadata as class attributes and implement :meth:`rows` (one
    generator per resource) or override :meth:`extract` (one generator of ``(resource, row)``).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    publisher: ClassVar[str] = ""
    #: An SPDX-style id understood by :data:`opendata.licenses`, e.g. ``"CC-BY-4.0"``.
    license: ClassVar[str] = "CC-BY-4.0"
    #: Five-field cron expression in the scheduler's time zone (Asia/Shanghai by default).
    schedule: ClassVar[str] = "0 2 * * *"
    keywords: ClassVar[tuple[str, ...]] = ()
    resources: ClassVar[tuple[ResourceSpec, ...]] = ()
    #: Names of datasets this source reads; the scheduler refreshes it after them.
    depends_on: ClassVar[tuple[str, ...]] = ()
    #: Where the data comes from, for the descriptor's ``sources`` (title, path or URL).
    origin: ClassVar[str] = ""

    class Config(Schema):
        """Options of the source; subclasses add fields. Unknown keys are refused."""

        #: Seconds the source may take to yield its rows before it is stopped and recorded as
        #: failed (``timeout``).
        timeout = fields.Float(load_default=600.0, validate=validate.Range(min=0.1))
        #: Seconds the refresh process may run past ``timeout`` (validating, loading, publishing
        #: after the last row) before it and everything it started are killed.
        kill_after = fields.Float(load_default=300.0, validate=validate.Range(min=0.1))
        #: The refresh process's address-space limit in MiB (0: none); beyond it the run fails
        #: with ``resources`` instead of taking the host's memory.
        memory_limit = fields.Integer(load_default=2048, validate=_memory_limit)
        #: Let every refresh publish even when a resource empties or shrinks past the guard.
        allow_shrink = fields.Boolean(load_default=False)
        #: The share of a resource's rows a refresh may lose (None: the global shrink_fraction).
        shrink_fraction = fields.Float(
            load_default=None, allow_none=True, validate=validate.Range(min=0, max=1)
        )

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        self.config: Mapping[str, Any] = context.config
        self.log = context.log

    def rows(self, resource: str) -> Iterator[Row]:
        """Yield the rows of one resource, keyed by the schema's field names."""
        raise NotImplementedError(f"{type(self).__name__} implements neither rows() nor extract()")

    def extract(self) -> Iterator[tuple[str, Row]]:
        """Yield ``(resource_name, row)`` for every resource; by default calls :meth:`rows`."""
        for spec in self.resources:
            for row in self.rows(spec.name):
                yield spec.name, row

    # -- helpers the core uses; plugins rarely need to override them -------------------------

    @classmethod
    def load_schema(cls, spec: ResourceSpec) -> dict[str, Any]:
        """The Table Schema of ``spec`` as a dict, read from the plugin's package if a path."""
        if isinstance(spec.schema, Mapping):
            return dict(spec.schema)
        package = cls.__module__.rpartition(".")[0] or cls.__module__
        text = importlib_resources.files(package).joinpath(spec.schema).read_text("utf-8")
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    @classmethod
    def resource(cls, name: str) -> ResourceSpec:
        for spec in cls.resources:
            if spec.name == name:
                return spec
        raise KeyError(f"{cls.__name__} has no resource {name!r}")
