"""Chart views a source declares for a resource, as the published descriptor carries them.

A source declares charts on :class:`opendata.plugin.ResourceSpec` (``charts=``) as plain
mappings::

    {"name": "monthly_received", "title": "每月收到申请", "title_en": "Applications by month",
     "kind": "bar",                   # bar | line
     "x": ["year", "month"],          # one field, or several joined (2021-03); a date's
                                      # "published:year" or "published:month"
     "y": "received",                 # a numeric field summed per x (a list; "_count": rows)
     "series": "outcome",             # optional: one series per value of this field
     "filter": {"code_system": "功能分类"},  # optional: equality filters of the row API
     "stack": True,                   # optional: stacked bars
     "layers": [{"resource": "final_accounts", "label": "决算", "label_en": "Final",
                 "filter": {…}}]}     # optional: one series per layer, each its own rows

The descriptor's resource gets them as ``views`` in the shape of Data Package Views
(``name``, ``title``, ``resources``, ``specType: "simple"``, ``spec: {type, group, series}``)
with the declaration itself kept beside (the portal draws from it). The portal renders them
in the browser from the row API with the app's own copy of Apache ECharts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

KINDS = ("bar", "line")
#: ``y`` that counts rows instead of summing a field.
COUNT = "_count"
#: Parts of a date usable as x: ``published:year`` (2021), ``published:month`` (2021-03).
PARTS = ("year", "month")
_KEYS = {"name", "title", "title_en", "kind", "x", "y", "series", "filter", "stack", "layers"}


class ChartSpecError(ValueError):
    """A chart declaration that cannot be drawn (names the chart and the problem)."""


def _field(name: str) -> str:
    """``published`` of ``published:year`` (a date field's year or month as the x value)."""
    field, _, part = name.partition(":")
    if part and part not in PARTS:
        raise ChartSpecError(f"{name!r}: the part after ':' is one of {', '.join(PARTS)}")
    return field


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check(resource: str, chart: Mapping[str, Any], fields: Sequence[str]) -> None:
    """Raise :class:`ChartSpecError` unless ``chart`` names fields of ``resource``."""
    where = f"chart {chart.get('name')!r} of resource {resource!r}"
    unknown = set(chart) - _KEYS
    if unknown:
        raise ChartSpecError(f"{where}: unknown keys {sorted(unknown)}")
    if chart.get("kind", "bar") not in KINDS:
        raise ChartSpecError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if not chart.get("name") or not chart.get("title") or not chart.get("x") or not chart.get("y"):
        raise ChartSpecError(f"{where}: name, title, x and y are required")
    named = _names(chart["x"]) + _names(chart["y"]) + _names(chart.get("series") or [])
    if not chart.get("layers"):
        named += list(chart.get("filter") or {})
    missing = [n for n in (_field(n) for n in named) if n != COUNT and n not in fields]
    if missing:
        raise ChartSpecError(f"{where}: no field(s) {missing}")


def descriptor_views(resource: str, charts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The resource's ``views`` for the descriptor (Data Package Views style)."""
    views = []
    for chart in charts:
        layers = [dict(layer) for layer in chart.get("layers") or []]
        resources = [resource] + [
            str(layer["resource"])
            for layer in layers
            if layer.get("resource", resource) != resource
        ]
        views.append(
            {
                "name": chart["name"],
                "title": chart["title"],
                "resources": list(dict.fromkeys(resources)),
                "specType": "simple",
                "spec": {
                    "type": chart.get("kind", "bar"),
                    "group": chart["x"],
                    "series": _names(chart["y"]),
                },
                "opendata:chart": {"resource": resource, **dict(chart), "layers": layers},
            }
        )
    return views


def chart_views(source_cls: Any, resource: Mapping[str, Any]) -> dict[str, Any]:
    """``{"views": [...]}`` for a built resource whose spec declares charts, else ``{}``."""
    spec = next((r for r in source_cls.resources if r.name == resource["name"]), None)
    charts = getattr(spec, "charts", ()) or ()
    if not charts:
        return {}
    fields = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
    for chart in charts:
        check(resource["name"], chart, fields)
    return {"views": descriptor_views(resource["name"], charts)}
