"""``package_search``: q / fq / rows / start / sort / facets over the published packages.

A government body publishes tens of datasets, not millions: the packages are built in memory
from one catalog query and filtered here, which keeps CKAN's semantics (``count`` is the number
of hits, facets count over all hits, not the page) without a search server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from opendata.api.ckan import params as p
from opendata.api.ckan.errors import SearchQueryError
from opendata.api.ckan.query import Query, parse, search_doc
from opendata.licenses import LICENSES

ROWS_MAX = 1000  # ckan.search.rows_max, and ckanapi's ROWS_PER_QUERY
DEFAULT_SORT = "score desc, metadata_modified desc"
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")

#: Every key package_search accepts (CKAN's ``default_package_search_schema`` plus the Solr
#: pass-through whitelist); Solr tuning keys are accepted and have no effect here.
KNOWN = frozenset(
    {
        "q",
        "fq",
        "fq_list",
        "rows",
        "start",
        "sort",
        "facet",
        "facet.field",
        "facet.limit",
        "facet.mincount",
        "include_private",
        "include_drafts",
        "include_deleted",
        "fl",
        "use_default_schema",
        "qf",
        "bf",
        "boost",
        "tie",
        "defType",
        "mm",
        "wt",
        "df",
        "extras",
        "q.op",
        "hl",
    }
)

_SORT_KEYS: dict[str, Callable[[dict[str, Any], float], Any]] = {
    "score": lambda pkg, score: score,
    "metadata_modified": lambda pkg, score: pkg["metadata_modified"],
    "metadata_created": lambda pkg, score: pkg["metadata_created"],
    "name": lambda pkg, score: pkg["name"],
    "title": lambda pkg, score: pkg["title"],
    "title_string": lambda pkg, score: pkg["title"],
    "num_resources": lambda pkg, score: pkg["num_resources"],
    "num_tags": lambda pkg, score: pkg["num_tags"],
}


def check_keys(data: Mapping[str, Any]) -> None:
    unknown = sorted(k for k in data if k not in KNOWN and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")


def parse_sort(sort: str) -> list[tuple[str, bool]]:
    """``"a asc, b desc"`` → [(a, False), (b, True)]; unknown fields are a query error."""
    keys = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise SearchQueryError(f"Can not sort on {part.strip()!r}: use 'field asc|desc'")
        if words[0] not in _SORT_KEYS:
            raise SearchQueryError(
                f"Can not sort on field {words[0]!r} (sortable: {', '.join(sorted(_SORT_KEYS))})"
            )
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return keys


def _facets(
    docs: list[dict[str, Any]],
    fields: list[str],
    limit: int,
    mincount: int,
    org_titles: Mapping[str, str],
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in fields:
        if name not in FACET_FIELDS:
            raise SearchQueryError(
                f"Can not facet on field {name!r} (facetable: {', '.join(FACET_FIELDS)})"
            )
        counts: Counter[str] = Counter()
        for doc in docs:
            value = doc[name]
            counts.update(value if isinstance(value, list) else [value])
        # Solr's order: most frequent first, then by value; facet.limit < 0 means no limit.
        ranked = sorted(
            ((v, c) for v, c in counts.items() if c >= mincount), key=lambda vc: (-vc[1], vc[0])
        )
        if limit >= 0:
            ranked = ranked[:limit]
        facets[name] = dict(ranked)
        # CKAN sorts the items by display_name, descending, after the plugins had their turn.
        labelled = sorted(((_display(name, v, org_titles), v, c) for v, c in ranked), reverse=True)
        items = [{"name": v, "display_name": label, "count": c} for label, v, c in labelled]
        search_facets[name] = {"title": name, "items": items}
    return facets, search_facets


def _display(field: str, value: str, org_titles: Mapping[str, str]) -> str:
    if field == "organization":
        return org_titles.get(value, value) or value
    if field == "license_id":
        return next((lic["title"] for lic in LICENSES.values() if lic["ckan_id"] == value), value)
    return value


def _int_param(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SearchQueryError(f"{key} must be an integer, not {value!r}") from None


def package_search(packages: list[dict[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    """Filter, sort, page and facet ``packages`` (full package dicts) as CKAN would."""
    check_keys(data)
    rows = p.natural(data, "rows", 10, cap=ROWS_MAX)
    start = p.natural(data, "start", 0)
    sort = p.text(data, "sort") or DEFAULT_SORT
    sort_keys = parse_sort(sort)  # before q: a bad sort is reported first, as before
    hits = _sorted(_hits(packages, data), sort_keys)
    facets, search_facets = _requested_facets(packages, hits, data)
    page = [h[0] for h in hits[start : start + rows]]
    fl = _fields_list(data)
    if fl:
        page = [{k: pkg.get(k) for k in fl} for pkg in page]
    return {
        "count": len(hits),
        "facets": facets,
        "results": page,
        "sort": sort,
        "search_facets": search_facets,
    }


Hit = tuple[dict[str, Any], dict[str, Any], float]  # package, search doc, score


def _hits(packages: list[dict[str, Any]], data: Mapping[str, Any]) -> list[Hit]:
    query = parse(p.text(data, "q"), "q")
    filters = [parse(p.text(data, "fq"), "fq")]
    filters += [parse(fq, "fq_list") for fq in p.string_list(data, "fq_list") or []]
    hits: list[Hit] = []
    for pkg in packages:
        doc = search_doc(pkg)
        if query.matches(doc) and all(f.matches(doc) for f in filters):
            hits.append((pkg, doc, _score(query, doc)))
    return hits


def _sorted(hits: list[Hit], sort_keys: list[tuple[str, bool]]) -> list[Hit]:
    # Stable sorts from the last key to the first give a multi-key sort with mixed directions;
    # the name is the final tie-break so that paging with start is deterministic.
    hits.sort(key=lambda h: h[0]["name"])
    for key, desc in reversed(sort_keys):
        sort_key = _SORT_KEYS[key]
        hits.sort(key=lambda h: sort_key(h[0], h[2]), reverse=desc)
    return hits


def _requested_facets(
    packages: list[dict[str, Any]], hits: list[Hit], data: Mapping[str, Any]
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    facet_fields = p.string_list(data, "facet.field") or []
    if not (p.boolean(data, "facet", True) and facet_fields):
        return {}, {}
    org_titles = {pkg["organization"]["name"]: pkg["organization"]["title"] for pkg in packages}
    return _facets(
        [h[1] for h in hits],
        facet_fields,
        _int_param(data, "facet.limit", 50),
        _int_param(data, "facet.mincount", 1),
        org_titles,
    )


def _score(query: Query, doc: dict[str, Any]) -> float:
    return query.score(doc) if query.clauses else 1.0


def _fields_list(data: Mapping[str, Any]) -> list[str] | None:
    value = data.get("fl")
    if isinstance(value, str) and not value.strip().startswith("["):
        return [f for f in value.replace(",", " ").split() if f] or None
    return p.string_list(data, "fl")
