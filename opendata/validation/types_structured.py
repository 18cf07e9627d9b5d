"""Value readers of the structured types: geopoint, array, object, list and geojson.

Each is a line-for-line port of the frictionless 5.21 type's ``create_value_reader``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
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


def list_reader(item: ValueReader, delimiter: str) -> ValueReader:
    """The list reader: text split at ``delimiter``, every item read with ``item`` (the item
    type's default reader); one unreadable item makes the whole cell unreadable."""

    def read_list(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.split(delimiter)
        elif isinstance(cell, tuple):
            cell = list(cell)
        elif not isinstance(cell, list):
            return None
        items: list[Any] = []
        for raw in cell:
            value = item(raw)
            if value is None:
                return None
            items.append(value)
        return items

    return read_list


@cache
def _geojson_check(fmt: str) -> Callable[[Any], None]:
    """frictionless's own JSON Schema profile of GeoJSON (or TopoJSON), compiled once."""
    import jsonschema  # frictionless's dependency; only schemas with a geojson field need it

    profile = json.loads((_frictionless_assets() / "profiles" / f"{fmt}.json").read_text("utf-8"))
    validator = jsonschema.validators.validator_for(profile)(profile)
    check: Callable[[Any], None] = validator.validate
    return check


def _frictionless_assets() -> Path:
    # find_spec locates the installed package without importing it (~0.3 s, ~40 MB)
    spec = importlib.util.find_spec("frictionless")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("frictionless is not installed; geojson fields need it")
    return Path(spec.origin).parent / "assets"


def geojson_reader(fmt: str) -> ValueReader:
    """The geojson reader: a JSON object valid against the GeoJSON (or TopoJSON) profile."""
    check = _geojson_check("geojson" if fmt == "default" else fmt)

    def read_geojson(cell: Any) -> Any:
        if isinstance(cell, str):
            try:
                cell = json.loads(cell)
            except Exception:
                return None
        if not isinstance(cell, dict):
            return None
        try:
            check(cell)
        except Exception:
            return None
        return cell

    return read_geojson
