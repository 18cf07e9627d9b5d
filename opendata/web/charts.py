"""The chart views of a resource as the portal's figures (drawn in the browser by charts.js)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opendata.read import fieldinfo


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    resource: str
    chart: dict[str, Any]  # the declaration, with the field titles charts.js labels with
    unit: str
    xlabel: str


def _titles(fields: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {f["name"]: f.get("title") or f["name"] for f in fields}


def figures(resource: Mapping[str, Any], lang: str) -> list[Figure]:
    """One figure per chart view the resource's descriptor carries (``views``)."""
    fields = (resource.get("schema") or {}).get("fields", [])
    titles = _titles(fields)
    by_name = {f["name"]: f for f in fields}
    out = []
    for view in resource.get("views") or []:
        chart = view.get("opendata:chart")
        if not isinstance(chart, Mapping):
            continue  # a view of another kind: not one the portal draws
        ys = [chart["y"]] if isinstance(chart["y"], str) else list(chart["y"])
        xs = [chart["x"]] if isinstance(chart["x"], str) else list(chart["x"])
        unit = fieldinfo.unit(by_name.get(ys[0], {})) if ys else ""
        title = (chart.get("title_en") or chart["title"]) if lang == "en" else chart["title"]
        out.append(
            Figure(
                name=str(view["name"]),
                title=str(title),
                resource=str(chart.get("resource") or resource["name"]),
                chart={**chart, "titles": titles},
                unit=unit,
                xlabel="-".join(titles.get(x.split(":")[0], x) for x in xs),
            )
        )
    return out
