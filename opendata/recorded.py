"""The one layout of recorded HTTP responses: a folder that answers requests as a server would.

A request for ``<base>/items?page=2&pageSize=10`` is answered from the file
``items/page=2&pageSize=10.json`` (query pairs sorted by key, joined with ``&``), and
``<base>/items/X/guide`` from ``items/X/guide.json`` (or from the file ``items/X/guide`` itself,
for a recorded body that is not JSON). The same folder is read three ways, all through this
module: by a plugin reading its shipped sample (:class:`opendata.plugin.RecordedResponses`), by
the test kit serving it over real HTTP (:func:`opendata.testing.serve_directory`), and by a
sample generator writing it (:func:`recorded_name`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["find_recorded", "query_text", "recorded_name"]


def query_text(params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> str:
    """The query part of a recorded file's name: ``key=value`` pairs sorted, joined with ``&``."""
    pairs = params.items() if isinstance(params, Mapping) else (params or ())
    return "&".join(f"{key}={value}" for key, value in sorted(pairs, key=_pair_order))


def _pair_order(pair: tuple[str, Any]) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])


def recorded_name(path: str, params: Mapping[str, Any] | None = None) -> str:
    """The file (relative, ``/``-separated) that records the answer to ``GET path?params``.

    Raises ``ValueError`` for a path that would leave the folder (``..``) or names nothing.
    """
    relative = _relative(path)
    query = query_text(params)
    return f"{relative}/{query}.json" if query else f"{relative}.json"


def find_recorded(
    root: Path,
    path: str,
    params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
) -> Path | None:
    """The recorded file answering ``GET path?params`` under ``root``, or None if none is."""
    try:
        relative = _relative(path)
    except ValueError:
        return None
    query = query_text(params)
    if query:
        candidates = [root / relative / f"{query}.json"]
    else:
        candidates = [root / relative, root / f"{relative}.json"]
    return next((c for c in candidates if c.is_file()), None)


def _relative(path: str) -> str:
    relative = path.strip("/")
    parts = PurePosixPath(relative).parts
    if not parts or ".." in parts or "." in relative.split("/"):
        raise ValueError(f"{path!r} is not a path inside a recorded folder")
    return relative
