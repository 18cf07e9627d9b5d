"""The first rows of a published resource, read from the version's CSV file.

The preview comes from the same immutable file the CSV download serves, so what a researcher
sees on the page is byte for byte what they get; it never touches staging or the datastore.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]]


def read_preview(path: Path, limit: int = PREVIEW_ROWS) -> Preview:
    """The header and up to ``limit`` rows of the CSV at ``path`` (UTF-8, as published).

    Raises ``FileNotFoundError`` when the version was pruned meanwhile; the caller re-reads the
    current version then.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows = list(itertools.islice(reader, limit))
    return Preview(header, rows)
