"""Zip archives whose members all carry one time: the same version gives the same bytes.

Used by the zipped package and by the XLSX writer (an XLSX is a zip): every node, and a node
after a restore, builds the same bytes for the same version, so strong ETags and range requests
hold across nodes.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class FixedTimeZip(zipfile.ZipFile):
    """A zip whose every member carries one time (the version's), so that every node, and a
    node after a restore, builds the same bytes for the same version: strong ETags and range
    requests hold across nodes. openpyxl writes through ``writestr`` and ``write``."""

    def __init__(self, file: Any, when: datetime, **kwargs: Any) -> None:
        super().__init__(file, "w", compression=zipfile.ZIP_DEFLATED, **kwargs)
        self.when = _zip_time(when)

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=self.when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        name = str(arcname if arcname is not None else Path(filename).name)
        with Path(filename).open("rb") as src, self.open(self._info(name), "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    # Zip times start in 1980; the version's time in UTC, to the second.
    when = when.astimezone(UTC) if when.tzinfo else when
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def version_time(descriptor: Mapping[str, Any]) -> datetime:
    """The version's publication time from its descriptor (``created``), else the zip epoch."""
    try:
        return datetime.fromisoformat(str(descriptor.get("created", "")).replace("Z", "+00:00"))
    except ValueError:
        return datetime(1980, 1, 1, tzinfo=UTC)
