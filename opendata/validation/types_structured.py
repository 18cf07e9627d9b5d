"""Value readers of the structured types: geopoint, array and object (JSON).

Each is a line-for-line port of the frictionless 5.21 type's ``create_value_reader``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NamedTuple

from .fieldspec import ValueReader


class geopoint(NamedTuple):
    lon: Decimal
    lat: Decimal


def geopoint_reader(fmt: str) -> ValueReader:
    """The geopoint reader for a format ("lon, lat", a JSON array or a JSON object)."""

    def read_geopoint(cell: Any) -> Any:
        if isinstance(cell, str):
            try:
                if fmt == "default":
                    lon, lat = cell.split(",")
                    lon, lat = lon.strip(), lat.strip()
                elif fmt == "array":
                    lon, lat = json.loads(cell)
                elif fmt == "object":
                    obj = json.loads(cell)
                    if len(obj) != 2:
                        return None
                    lon, lat = obj["lon"], obj["lat"]
                cell = (Decimal(lon), Decimal(lat))
            except Exception:
                return None
        try:
            point = geopoint(*cell)
            if point.lon > 180 or point.lon < -180 or point.lat > 90 or point.lat < -90:
                return None
        except Exception:
            return None
        return point

    return read_geopoint


def json_reader(kind: type) -> ValueReader:
    """The array (``list``) or object (``dict``) reader: JSON text of that kind."""

    def read_json(cell: Any) -> Any:
        if isinstance(cell, kind):
            return cell
        if isinstance(cell, tuple) and kind is list:
            return list(cell)
        if not isinstance(cell, str):
            return None
        try:
            value = json.loads(cell)
        except Exception:
            return None
        return value if isinstance(value, kind) else None

    return read_json
