"""Planting text into the built-in sources' sample origins, and looking for it afterwards.

Every built-in plugin's ``samplegen.write_origin(dest, planted=[(resource, field, text), …])``
appends text to a published field (its ``PLANTABLE``) or to a place no published byte carries
(its ``UNPUBLISHED_PLANTABLE``: private columns, withheld entries, registers that are published
only as counts), in the plugin's own origin format. These helpers run a refresh over such an
origin and search every byte a reader could get for what was planted.
"""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from personal_forms import Written

from opendata.config import load_config
from opendata.services import Services

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
    services = Services.from_config(config_for(root, options, sources))
    assert not services.registry.refused, {k: str(v) for k, v in services.registry.refused.items()}
    return services


def served_files(root: Path) -> list[Path]:
    """Every file a refresh wrote: published packages, the database (datastore tables, run
    reports, the catalog) — everything under ``root`` except the origins."""
    return sorted(
        p for folder in ("datasets", "instance") for p in (root / folder).rglob("*") if p.is_file()
    )


def _patterns(written: Written) -> list[re.Pattern[bytes]]:
    patterns = [re.compile(re.escape(n.encode("utf-8"))) for n in written.needles()]
    digits = written.digits()
    if digits:
        # The digits alone, not inside a longer run of digits (a date or an amount elsewhere).
        patterns.append(re.compile(rb"(?<![0-9])" + digits.encode() + rb"(?![0-9])"))
    return patterns


def _collapsed(data: bytes) -> str:
    """The bytes as text in one spelling: NFKC, separators between digits removed, so that a
    value published in yet another written form (138 0013 8000, full-width) is found too."""
    text = unicodedata.normalize("NFKC", data.decode("utf-8", errors="ignore"))
    return _BETWEEN_DIGITS.sub("", text)


_BETWEEN_DIGITS = re.compile(r"(?<=\d)[ .\-]+(?=\d)")


def leaks_in_bytes(data: bytes, values: Iterable[Written]) -> list[str]:
    values = list(values)
    found = [w.label for w in values if any(p.search(data) for p in _patterns(w))]
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
                parts += [book.read(n).decode("utf-8") for n in book.namelist()]
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
