"""Planting text into the built-in sources' sample origins, and looking for it afterwards.

Every built-in plugin's ``samplegen.write_origin(dest, planted=[(resource, field, text), …])``
appends text to a published field (its ``PLANTABLE``) or to a place no published byte carries
(its ``UNPUBLISHED_PLANTABLE``: private columns, withheld entries, registers that are published
only as counts), in the plugin's own origin format. These helpers run a refresh over such an
origin and search every byte a reader could get for what was planted.
"""

from __future__ import annotations

import html
import importlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from flask.testing import FlaskClient
from personal_forms import Written

from opendata.config import load_config
from opendata.services import Services
from opendata.sources.sync import registry_of
from opendata.testing import prepare_database

BUILT_IN = (
    "disclosure_catalog",
    "service_hall",
    "archive_room",
    "fiscal_data",
    "disclosure_requests",
)

#: The origin format each source reads, for messages.
ORIGIN_FORMAT = {
    "disclosure_catalog": "GB18030 CSV and XLSX",
    "service_hall": "JSON API",
    "archive_room": "SQL database",
    "fiscal_data": "XLSX",
    "disclosure_requests": "CSV (UTF-8 with BOM)",
}


def samplegen(source: str) -> ModuleType:
    return importlib.import_module(f"opendata_{source}.samplegen")


def targets(*, published: bool) -> list[tuple[str, str, str]]:
    """``(source, resource, field)`` for every plantable place that is (or is never) published."""
    attr = "PLANTABLE" if published else "UNPUBLISHED_PLANTABLE"
    return [
        (source, resource, field)
        for source in BUILT_IN
        for resource, fields in getattr(samplegen(source), attr, {}).items()
        for field in fields
    ]


def config_for(root: Path, options: Mapping[str, Any], sources: Iterable[str]) -> dict[str, Any]:
    base = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
        },
        environ={},
    )
    return {**base, "SOURCES_ENABLED": list(sources), "SOURCES": dict(options)}


def services_for(root: Path, options: Mapping[str, Any], sources: Iterable[str]) -> Services:
    config = config_for(root, options, sources)
    prepare_database(config["DATABASE_URL"])  # as `opendata db upgrade` does; no-op when current
    services = Services.from_config(config)
    assert not registry_of(services).refused, {
        k: str(v) for k, v in registry_of(services).refused.items()
    }
    return services


def served_files(root: Path) -> list[Path]:
    """Every file a refresh wrote: published packages, the database (datastore tables, run
    reports, the catalog) — everything under ``root`` except the origins."""
    return sorted(
        p for folder in ("datasets", "instance") for p in (root / folder).rglob("*") if p.is_file()
    )


@cache
def _needles(written: Written) -> tuple[bytes, ...]:
    return tuple(n.encode("utf-8") for n in written.needles())


def _has_digits(data: bytes, digits: bytes) -> bool:
    """``digits`` in ``data``, not inside a longer run of digits (a date or an amount)."""
    at = data.find(digits)
    while at != -1:
        end = at + len(digits)
        if not data[at - 1 : at].isdigit() and not data[end : end + 1].isdigit():
            return True
        at = data.find(digits, at + 1)
    return False


def _found(data: bytes, written: Written) -> bool:
    # Plain substring searches (C speed): bodies are tens of MB in all.
    if any(n in data for n in _needles(written)):
        return True
    digits = written.digits()
    return digits is not None and _has_digits(data, digits.encode())


def _collapsed(data: bytes) -> str:
    """The bytes as text in one spelling: NFKC, separators between digits removed, so that a
    value published in yet another written form (138 0013 8000, full-width) is found too."""
    text = unicodedata.normalize("NFKC", data.decode("utf-8", errors="ignore"))
    return _BETWEEN_DIGITS.sub("", text)


_BETWEEN_DIGITS = re.compile(r"(?<=\d)[ .\-]+(?=\d)")


def leaks_in_bytes(data: bytes, values: Iterable[Written]) -> list[str]:
    values = tuple(values)
    found = [w.label for w in values if _found(data, w)]
    long_digits = [(w, w.digits()) for w in values if len(w.digits() or "") >= 11]
    if long_digits:
        # IDs, mobiles and cards in any spelling; 11+ specific digits do not occur by chance.
        text = _collapsed(data)
        found += [w.label for w, d in long_digits if d and d in text and w.label not in found]
    return found


def leaks(files: Iterable[Path], values: Iterable[Written]) -> list[tuple[str, str]]:
    """``(file, form)`` for every value found in a file as written, NFKC-normalised, as the
    value itself, as its digits alone, or (11 digits or more) in any spelling."""
    values = list(values)
    found = []
    for path in files:
        data = path.read_bytes()
        found += [(str(path), label) for label in leaks_in_bytes(data, values)]
    return found


def report_leaks(services: Services, values: Iterable[Written]) -> list[tuple[int, str]]:
    """The same search over every run report the catalog serves."""
    values = list(values)
    found = []
    for run in services.catalog.runs(limit=1000):
        text = json.dumps(services.catalog.run(run["id"]), default=str, ensure_ascii=False)
        found += [(run["id"], label) for label in leaks_in_bytes(text.encode("utf-8"), values)]
    return found


def origin_text(folder: Path) -> str:
    """Everything the origin files hold as text: CSV in its encoding, JSON, the SQLite file's
    bytes, the XML inside workbooks — to show that planted text really is in the origin."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                # With lxml installed openpyxl writes non-ASCII text as character references
                # (&#36213;): unescape, or planted text would not be found where it is.
                parts += [html.unescape(book.read(n).decode("utf-8")) for n in book.namelist()]
        elif path.suffix == ".csv":
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    parts.append(data.decode(encoding))
                    break
                except UnicodeDecodeError:
                    continue
        else:
            parts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _expanded(url: str, body: bytes) -> Iterator[tuple[str, bytes]]:
    """A response body; each member of it when it is a zip (XLSX, the package); and JSON
    written again without \\u escapes, so that escaped text is searched too."""
    yield url, body
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.namelist():
                yield from _expanded(f"{url}!{member}", archive.read(member))
    elif body[:1] in (b"{", b"["):
        try:
            value = json.loads(body)
        except ValueError:
            return
        yield f"{url} (JSON)", json.dumps(value, ensure_ascii=False).encode("utf-8")


def served_responses(client: FlaskClient, services: Services) -> Iterator[tuple[str, bytes]]:
    """Every body a reader can get for the current versions: CSV (with and without BOM), JSON,
    XLSX, the zipped package, every page of ``/rows``, CKAN ``datastore_search`` and both dumps,
    CKAN ``package_show``, the portal's pages, the run reports of the API and the portal."""
    urls = ["/", "/runs", "/api/v1/runs?_size=200", "/api/v1/datasets"]
    for dataset in services.catalog.datasets():
        name = dataset["name"]
        current = services.catalog.current_version(name)
        if current is None:
            continue
        api = f"/api/v1/datasets/{name}"
        urls += [f"/datasets/{name}", api, f"{api}/download.zip"]
        urls.append(f"/api/3/action/package_show?id={name}")
        for resource in current["descriptor"]["resources"]:
            res = f"{api}/resources/{resource['name']}"
            urls += [f"{res}.csv", f"{res}.csv?bom=1", f"{res}.json", f"{res}.xlsx"]
            rid = f"{name}.{resource['name']}"
            urls += [f"/datastore/dump/{rid}", f"/datastore/dump/{rid}?format=json"]
            search = {"resource_id": rid, "limit": 32000}
            body = client.post("/api/3/action/datastore_search", json=search)
            assert body.status_code == 200, (rid, body.get_data(as_text=True)[:300])
            yield from _expanded(f"datastore_search {rid}", body.get_data())
            page: str | None = f"{res}/rows?_size=1000"
            while page:
                response = client.get(page)
                assert response.status_code == 200, (page, response.status_code)
                yield from _expanded(page, response.get_data())
                page = response.get_json().get("next_url")
    for run in services.catalog.runs(limit=1000):
        urls.append(f"/api/v1/runs/{run['id']}")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        yield from _expanded(url, response.get_data())
