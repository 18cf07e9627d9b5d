"""The test kit for plugin authors: run a source offline through the core's own stages.

``run_source`` calls the very stage runner a refresh calls (:func:`opendata.pipeline.stages.
run_stages`: the publication policy, the build into a Data Package, every validation rule) and
leaves out only the catalog and the publish, so a plugin's tests see what the core would publish
and fail as the core would fail. ``check_contract`` is the check the core runs at start-up.
"""

from __future__ import annotations

import csv
import logging
import threading
import traceback
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from opendata.pipeline.stages import (
    ErrorKind,
    StageFailure,
    StageOutcome,
    new_builder,
    run_stages,
)
from opendata.plugin import Row, Source, SourceContext, SourceError
from opendata.recorded import find_recorded
from opendata.sources.contract import check_contract
from opendata.sources.discovery import load_config
from opendata.sources.http import SourceHttpClient, hosts_in
from opendata.validation import ValidationReport

__all__ = [
    "SourceRun",
    "assert_contract",
    "assert_not_published",
    "check_contract",
    "find_published",
    "prepare_database",
    "run_source",
    "serve_directory",
]


@dataclass
class SourceRun:
    """What running a source offline produced."""

    status: str  # "valid", "invalid" (validation or policy) or "error" (the source raised)
    package_dir: Path
    report: ValidationReport
    error: str | None = None
    exception: BaseException | None = None
    withheld: dict[str, dict[str, int]] = field(default_factory=dict)
    dropped_fields: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    #: The failure as a refresh would record it: its error kind, message and report.
    failure: StageFailure | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    def published_files(self) -> list[Path]:
        """Every file of the built package (CSV, descriptor)."""
        return sorted(p for p in self.package_dir.rglob("*") if p.is_file())

    def rows(self, resource: str) -> list[dict[str, str]]:
        """The published rows of ``resource`` as CSV text, keyed by field name."""
        with (self.package_dir / f"{resource}.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


class _StaticDatasets:
    def __init__(self, data: Mapping[str, Mapping[str, list[Row]]]) -> None:
        self.data = data

    def rows(self, dataset: str, resource: str) -> Iterator[Row]:
        try:
            yield from self.data[dataset][resource]
        except KeyError:
            raise SourceError(
                f"no published dataset {dataset!r} with resource {resource!r}"
            ) from None


def run_source(
    source_cls: type[Source],
    workdir: Path,
    config: Mapping[str, Any] | None = None,
    *,
    datasets: Mapping[str, Mapping[str, list[Row]]] | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> SourceRun:
    """Run ``source_cls`` offline into ``workdir/<name>`` with the core's policy and validation.

    ``config`` is loaded through the source's Config schema (None → its defaults, the shipped
    sample origin). ``datasets`` feeds a derived source the rows of the datasets it reads.
    """
    problems = check_contract(source_cls)
    if problems:
        raise AssertionError(f"{source_cls.__name__} breaks the contract: " + "; ".join(problems))
    loaded = load_config(source_cls, config or {})
    warnings: list[str] = []
    context = SourceContext(
        config=loaded,
        http=SourceHttpClient(hosts_in(loaded.values()) | set(allowed_hosts)),
        log=logging.getLogger(f"opendata.sources.{source_cls.name}"),
        datasets=_StaticDatasets(datasets or {}),
        warnings=warnings,
    )
    directory = Path(workdir) / source_cls.name
    builder = new_builder(source_cls, directory)
    try:
        # The very runner a refresh calls; only publishing is left out.
        outcome = run_stages(
            lambda: source_cls(context), builder, loaded, version="test", created=datetime.now(UTC)
        )
    finally:
        builder.close()
    return _source_run(outcome, directory, warnings)


def _source_run(outcome: StageOutcome, directory: Path, warnings: list[str]) -> SourceRun:
    failure, staged = outcome.failure, outcome.staged
    if failure is None:
        status, error = "valid", None
    elif failure.kind in (ErrorKind.POLICY, ErrorKind.VALIDATION):
        status = "invalid"
        # An invalid package is summed up by its report; an early stop by its reason.
        error = failure.message if staged is None else outcome.report.summary()
    else:
        status = "error"
        exc = failure.exception
        error = failure.message if exc is None else _exception_text(exc)
    return SourceRun(
        status,
        directory,
        outcome.report,
        error,
        None if failure is None else failure.exception,
        withheld=staged.withheld if staged else {},
        dropped_fields=staged.dropped_fields if staged else {},
        warnings=warnings,
        row_counts=staged.rows if staged else {},
        failure=failure,
    )


def _exception_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


def prepare_database(url: str) -> None:
    """Create or migrate the catalog schema at ``url``, as ``opendata db upgrade`` does.

    For tests that build the services or the web app over a database of their own: those
    refuse a database whose schema is missing, as they do in production. ``run_source`` needs
    no database.
    """
    from opendata.store.db import make_engine
    from opendata.store.schema import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def find_published(files: Iterable[Path], values: Iterable[str]) -> list[tuple[str, str]]:
    """``(file name, value)`` for every value whose UTF-8 bytes occur in one of ``files``."""
    needles = [(v, v.encode("utf-8")) for v in values]
    found = []
    for path in files:
        data = path.read_bytes()  # once per file, not once per value
        found += [(path.name, value) for value, needle in needles if needle in data]
    return found


def assert_not_published(run: SourceRun, *values: str) -> None:
    """Fail if any of ``values`` (planted ID numbers, names…) is in any published byte.

    Also fails when the run published nothing, which would make the check empty.
    """
    files = run.published_files()
    assert any(p.suffix == ".csv" for p in files), f"the run published no CSV: {run.error}"
    leaks = find_published(files, values)
    assert not leaks, f"private values in published files: {leaks}"


def assert_contract(source_cls: type) -> None:
    """Fail with every contract problem of ``source_cls`` listed."""
    problems = check_contract(source_cls)
    if problems:
        raise AssertionError("contract problems:\n- " + "\n- ".join(problems))


def _recorded_path(root: Path, request_path: str) -> Path | None:
    # The one layout of opendata.recorded, shared with the plugins' RecordedResponses.
    parts = urlsplit(request_path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    return find_recorded(root, unquote(parts.path), query)


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering from recorded files; yields its base URL.

    The folder has the layout of :mod:`opendata.recorded`: ``/items?page=2&size=10`` is
    answered from ``items/page=2&size=10.json`` (query keys sorted), ``/items`` from the file
    ``items`` itself or ``items.json``. Unknown paths get 404. The same folder is what
    :class:`opendata.plugin.RecordedResponses` reads without a server.
    """
    base = Path(root)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = _recorded_path(base, self.path)
            if path is None or not path.is_file():
                self.send_error(404, "no recorded response")
                return
            body = path.read_bytes()
            self.send_response(200)
            kind = "application/json" if path.suffix == ".json" else "application/octet-stream"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
