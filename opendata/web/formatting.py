"""Jinja filters: local times, sizes, durations, Table Schema constraints in words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from opendata.web.i18n import STRINGS, translate

DEFAULT_TZ = "Asia/Shanghai"


def site_timezone() -> ZoneInfo:
    """The scheduler's time zone: the one the published schedules are written in."""
    name = current_app.config.get("SCHEDULER", {}).get("timezone") or DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return ZoneInfo(DEFAULT_TZ)


def localtime(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in the site's time zone (the catalog stores UTC)."""
    if value is None:
        return "—"
    return value.astimezone(site_timezone()).strftime("%Y-%m-%d %H:%M")


def isotime(value: datetime | None) -> str:
    """The machine-readable form for ``<time datetime=…>``."""
    return value.isoformat(timespec="seconds") if value is not None else ""


def filesize(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def duration(started: datetime | None, finished: datetime | None) -> str:
    if started is None or finished is None:
        return "—"
    seconds = (finished - started).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def constraints_text(
    constraints: Mapping[str, Any] | None, lang: str, example: str = ""
) -> list[str]:
    """Each constraint as a short phrase, e.g. ``必填``, ``取值：财政、档案``.

    A ``pattern`` reads as an example value when one is given (``格式如：11220000-01-2018-0001``):
    a regular expression means little to most readers; the page keeps it in a tooltip.
    """
    out: list[str] = []
    for key, value in (constraints or {}).items():
        if key in ("required", "unique"):
            if value:
                out.append(translate(lang, key))
            continue
        if key == "pattern" and example:
            out.append(translate(lang, "pattern_like") + translate(lang, "colon") + example)
            continue
        label = translate(lang, key) if key in STRINGS else key
        sep = "、" if lang == "zh" else ", "
        shown = sep.join(str(v) for v in value) if isinstance(value, list) else str(value)
        out.append(label + translate(lang, "colon") + shown)
    return out


def register(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(isotime, "isotime")
    app.add_template_filter(filesize, "filesize")
