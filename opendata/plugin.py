"""The public face of opendata for plugin authors.

A source plugin imports only this module and :mod:`opendata.testing`; everything else in the
``opendata`` package may change between releases. A source is one small class::

    from opendata.plugin import Source, ResourceSpec

    class ArchiveRoom(Source):
        name = "archive_room"
        title = "档案室"
        ...
        resources = (ResourceSpec("catalogue", "开放档案目录", "schemas/catalogue.json"),)
        samples = {"register_csv": "sample/register.csv"}  # the shipped sample origin

        class Config(Source.Config):
            register_csv = fields.String(load_default=None, allow_none=True)

        def rows(self, resource: str) -> Iterator[Row]:
            path = self.origin("register_csv")  # the configured file, or the sample
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
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote

from marshmallow import Schema, ValidationError, fields, validate

from opendata.ledger import read_ledger
from opendata.plugin_errors import PluginValidationError, SourceError, TransientSourceError
from opendata.recorded import find_recorded, query_text, recorded_name

__all__ = [
    "DISCLOSURE_PUBLIC",
    "DatasetReader",
    "Headers",
    "HttpClient",
    "PluginValidationError",
    "RecordedResponses",
    "ResourceSpec",
    "Row",
    "Source",
    "SourceContext",
    "SourceError",
    "TransientSourceError",
    "ValidationError",
    "fields",
    "read_ledger",
    "recorded_name",
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

    ``charts`` declares chart views of the resource (kind, x, y, series, filter; see
    :mod:`opendata.chartspec`); they are published as the resource's ``views``.
    """

    name: str
    title: str
    schema: str | Mapping[str, Any]
    description: str = ""
    disclosure_field: str | None = None
    charts: tuple[Mapping[str, Any], ...] = ()


#: Request headers, e.g. ``{"Authorization": f"Bearer {token}"}`` (the token from config or
#: the environment, never from code).
Headers = Mapping[str, str]


class HttpClient(Protocol):
    """The HTTP client the core gives a source: time-outs, a host allow-list and a size limit.

    ``get_*`` send ``params`` as the query string; ``post_*`` send ``json`` (a JSON body) or
    ``data`` (a form body), never both. ``headers`` are added to the request. Connection
    failures, time-outs and HTTP 5xx raise :class:`TransientSourceError`; HTTP 4xx, a host not
    on the allow-list and a body larger than the limit raise :class:`SourceError`.
    """

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> Any: ...

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> bytes: ...

    def post_json(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> Any: ...

    def post_bytes(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> bytes: ...


def describe_request(url: str, params: Mapping[str, Any] | None = None) -> str:
    """``GET url?query`` as a person would paste it, for error messages."""
    query = query_text(params)
    return f"GET {url}{'?' + query if query else ''}"


class RecordedResponses:
    """An :class:`HttpClient` answering GET requests from a folder of recorded responses.

    The folder has the layout of :mod:`opendata.recorded` (``items/page=2&pageSize=10.json``
    answers ``{base_url}/items?page=2&pageSize=10``), the same the test kit's
    ``serve_directory`` serves over HTTP: a plugin reads its shipped sample through exactly
    the parsing path it uses live, by being given this client and :attr:`base_url`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        #: The URL to hand the plugin's API reader in place of the live one.
        self.base_url = self.root.resolve().as_uri()

    def path(self, url: str, params: Mapping[str, Any] | None = None) -> Path:
        """The recorded file answering ``GET url?params``; SourceError naming it if missing."""
        where = describe_request(url, params)
        if not url.startswith(self.base_url + "/"):
            raise SourceError(f"{where}: outside the recorded folder {self.root}")
        relative = unquote(url[len(self.base_url) + 1 :])  # files are named unquoted, as served
        found = find_recorded(self.root, relative, params)
        if found is None:
            expected = self.root / recorded_name(relative, params)
            raise SourceError(f"{where}: no recorded response (expected the file {expected})")
        return found

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> bytes:
        """The recorded body (headers are not part of the layout: they are ignored)."""
        return self.path(url, params).read_bytes()

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> Any:
        """The recorded body parsed as JSON; a file that is not UTF-8 JSON is a SourceError."""
        path = self.path(url, params)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = describe_request(url, params)
            raise SourceError(f"{where}: {path} is not UTF-8 JSON ({exc})") from exc

    def post_json(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> Any:
        raise SourceError(f"POST {url}: recorded responses answer GET requests only")

    def post_bytes(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> bytes:
        raise SourceError(f"POST {url}: recorded responses answer GET requests only")


class DatasetReader(Protocol):
    """Read access to the current published version of another dataset (derived sources).

    ``rows`` yields typed values as the published schema declares them (``int``,
    ``Decimal``, ``date``, ``bool``, ``None`` for a missing value…), read by the core's one
    value codec, so a derived source computes on values and never re-parses text.
    """

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
    #: The dataset's title in English, optional: published as the descriptor's ``title_en``,
    #: shown by the portal in English and found by catalogue search ("budget" → 财政预决算).
    title_en: ClassVar[str] = ""
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
    #: Where the data comes from, in words, for the descriptor's ``sources`` (e.g. "档案室管理
    #: 系统（SQL 数据库）"). Classes written before :meth:`origin` became a method may still set
    #: ``origin = "…"``: it is read as this title.
    origin_title: ClassVar[str] = ""
    #: The shipped sample origin: config key → path of a file or folder inside the plugin's
    #: package (``{"register_path": "sample/register.csv"}``); :meth:`origin` falls back to it.
    samples: ClassVar[Mapping[str, str]] = {}

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        legacy = cls.__dict__.get("origin")
        if isinstance(legacy, str):
            # The attribute predates the method: keep it as the title, give back the method.
            cls.origin_title = legacy
            delattr(cls, "origin")

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        self.config: Mapping[str, Any] = context.config
        self.log = context.log

    # -- the origin: configured path or shipped sample ----------------------------------------

    def origin(self, key: str) -> Path:
        """The path configured under option ``key``, else (None) the shipped sample as a file.

        The sample is the one :attr:`samples` names for ``key``. A package installed as a zip
        has no file on disk: the sample is then copied to a temporary file (or folder) that
        lives until :meth:`close`, so a reader that wants a path (openpyxl, sqlite3, csv) works
        the same in every install.
        """
        configured = self.config.get(key)
        if configured is not None:
            if not str(configured).strip():
                # Never fall back to the demo data for a path someone meant to set.
                raise SourceError(f"{type(self).__name__}: option {key!r} is empty")
            return Path(str(configured))
        if key not in self.samples:
            raise SourceError(
                f"{type(self).__name__}: option {key!r} is not set and no shipped sample is "
                f"declared for it in {type(self).__name__}.samples"
            )
        return self.shipped(self.samples[key])

    def shipped(self, relative: str) -> Path:
        """The file or folder ``relative`` inside the plugin's package, as a real path.

        Kept on disk (when it had to be extracted from a zip) until :meth:`close`.
        """
        resource = _package_root(type(self)).joinpath(*relative.split("/"))
        if not (resource.is_file() or resource.is_dir()):
            raise SourceError(f"{type(self).__name__}: the package ships no {relative!r}")
        if isinstance(resource, Path):
            return resource  # an ordinary install: the file itself, nothing to clean up
        return _real_copy(resource, self._held())

    @classmethod
    def sample_problems(cls) -> list[str]:
        """Contract problems of :attr:`samples`: an option Config lacks, a file not shipped."""
        options = getattr(cls.Config, "_declared_fields", {})  # not a Schema: reported apart
        problems = [
            f"samples names {key!r}, which is not an option of Config"
            for key in cls.samples
            if key not in options
        ]
        try:
            root = _package_root(cls)
        except FileNotFoundError as exc:
            return [*problems, f"samples cannot be looked up: {exc}"]
        for key, relative in cls.samples.items():
            shipped = root.joinpath(*relative.split("/"))
            if not (shipped.is_file() or shipped.is_dir()):
                problems.append(f"samples[{key!r}]: the package ships no {relative!r}")
        return problems

    def _held(self) -> ExitStack:
        stack: ExitStack | None = self.__dict__.get("_held_stack")
        if stack is None:
            stack = self.__dict__["_held_stack"] = ExitStack()
            # A core that never calls close() still removes the copies with the source.
            weakref.finalize(self, stack.close)
        return stack

    def close(self) -> None:
        """Remove what :meth:`origin` extracted; the core calls it when the run is over."""
        stack: ExitStack | None = self.__dict__.pop("_held_stack", None)
        if stack is not None:
            stack.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

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
        """The Table Schema of ``spec`` as a dict; a path is read beside the class's module.

        "Beside" is the package the class is defined in (``opendata_x/schemas/…`` for a class
        in ``opendata_x/__init__.py`` or ``opendata_x/source.py``), or the folder of the module
        for a class in a plain module (a test file, a script run as ``__main__``). A schema
        that is not there raises ``FileNotFoundError`` naming where it was looked for.
        """
        if isinstance(spec.schema, Mapping):
            return dict(spec.schema)
        resource = _package_root(cls).joinpath(*spec.schema.split("/"))
        if not resource.is_file():
            raise FileNotFoundError(
                f"{cls.__name__}: schema {spec.schema!r} of resource {spec.name!r} not found "
                f"at {resource} (a schema path is relative to the package of the module "
                f"{cls.__module__!r}; or give the schema as a dict)"
            )
        loaded: dict[str, Any] = json.loads(resource.read_text("utf-8"))
        return loaded

    @classmethod
    def resource(cls, name: str) -> ResourceSpec:
        for spec in cls.resources:
            if spec.name == name:
                return spec
        raise KeyError(f"{cls.__name__} has no resource {name!r}")


def _package_root(cls: type) -> Traversable:
    """Where a class's package data lies: its package, or the folder of a plain module."""
    module = sys.modules.get(cls.__module__)
    if module is None:
        raise FileNotFoundError(f"{cls.__name__}: its module {cls.__module__!r} is not loaded")
    if hasattr(module, "__path__"):  # defined in a package's __init__
        return importlib_resources.files(module)
    # A module on disk (in a package, a test file under --import-mode=importlib, ``__main__``):
    # its folder, found from the file, so that no parent package needs to be importable.
    filename = getattr(module, "__file__", None)
    if filename and Path(filename).is_file():
        return Path(filename).resolve().parent
    spec = getattr(module, "__spec__", None)
    if spec is not None and spec.parent:  # a module inside a zipped package
        return importlib_resources.files(spec.parent)
    raise FileNotFoundError(
        f"{cls.__name__}: module {cls.__module__!r} has no package or file to look beside"
    )


def _real_copy(resource: Traversable, stack: ExitStack) -> Path:
    """``resource`` (inside a zip) copied to a temporary path that ``stack`` removes."""
    if resource.is_file():
        return stack.enter_context(importlib_resources.as_file(resource))
    folder = Path(tempfile.mkdtemp(prefix="opendata-sample-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    target = folder / resource.name
    _copy_tree(resource, target)
    return target


def _copy_tree(resource: Traversable, target: Path) -> None:
    # importlib.resources.as_file takes folders only from Python 3.12.
    target.mkdir(parents=True, exist_ok=True)
    for child in resource.iterdir():
        if child.is_dir():
            _copy_tree(child, target / child.name)
        else:
            (target / child.name).write_bytes(child.read_bytes())
