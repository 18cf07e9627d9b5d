"""Catalogue search over the (few) datasets: Chinese-aware ``q``, facets, paging.

A catalogue holds a handful of datasets, so matching runs in Python with the same overlapping
CJK bigrams as the datastore's full-text index (:mod:`opendata.store.fts`): a query term matches
a text when its tokens appear there consecutively, so 档案 is found in 档案室 and 服务指南 in
办事服务指南. Every term must match (AND); fields weigh differently in the ranking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opendata.store.fts import query_phrases, tokens

FACETS = ("publisher", "source", "keyword", "license")
_WEIGHTS = {"title": 5, "keywords": 4, "description": 2, "resources": 2, "fields": 1}


@dataclass(frozen=True)
class Entry:
    """One dataset as the catalogue lists it, with its searchable texts."""

    item: dict[str, Any]
    texts: Mapping[str, Sequence[list[str]]]  # field group → token lists

    def facet_values(self, facet: str) -> list[str]:
        if facet == "keyword":
            return [str(k) for k in self.item.get("keywords") or []]
        value = self.item.get(facet)
        return [str(value)] if value else []


def make_entry(item: dict[str, Any], descriptor: Mapping[str, Any] | None) -> Entry:
    resources = (descriptor or {}).get("resources", [])
    groups: dict[str, list[str]] = {
        "title": [item.get("title") or "", (descriptor or {}).get("title") or ""],
        "keywords": [str(k) for k in item.get("keywords") or []],
        "description": [item.get("description") or "", item.get("publisher") or ""],
        "resources": [
            f"{r.get('title', '')} {r.get('description', '')} {r.get('name', '')}"
            for r in resources
        ],
        "fields": [
            f"{f.get('title', '')} {f.get('description', '')} {f.get('name', '')}"
            for r in resources
            for f in r.get("schema", {}).get("fields", [])
        ],
    }
    texts = {group: [tokens(t) for t in values if t] for group, values in groups.items()}
    return Entry(item, texts)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def score(entry: Entry, phrases: Sequence[list[str]]) -> int:
    """0 when some phrase matches nowhere; else the sum of each phrase's best field weight."""
    total = 0
    for phrase in phrases:
        best = max(
            (
                _WEIGHTS[group]
                for group, lists in entry.texts.items()
                if any(_contains(toks, phrase) for toks in lists)
            ),
            default=0,
        )
        if best == 0:
            return 0
        total += best
    return total


@dataclass
class SearchResult:
    total: int
    items: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]]


def search(
    entries: Iterable[Entry],
    *,
    q: str | None = None,
    filters: Mapping[str, str | None] | None = None,
    sort: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchResult:
    """Match, filter by facet values, count facets over the matches, sort and slice."""
    phrases = query_phrases(q or "")
    ranked: list[tuple[int, Entry]] = []
    for entry in entries:
        points = score(entry, phrases) if phrases else 0
        if phrases and points == 0:
            continue
        if any(
            value and value not in entry.facet_values(facet)
            for facet, value in (filters or {}).items()
        ):
            continue
        ranked.append((points, entry))
    facets: dict[str, list[dict[str, Any]]] = {}
    for facet in FACETS:
        counts = Counter(v for _, e in ranked for v in e.facet_values(facet))
        facets[facet] = [
            {"value": v, "count": c}
            for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    order = sort or ("relevance" if phrases else "name")
    if order == "relevance":
        ranked.sort(key=lambda pe: (-pe[0], pe[1].item["name"]))
    elif order == "modified":
        ranked.sort(
            key=lambda pe: (str(pe[1].item.get("modified") or ""), pe[1].item["name"]), reverse=True
        )
    else:
        ranked.sort(key=lambda pe: pe[1].item["name"])
    items = []
    for points, entry in ranked[offset : offset + limit]:
        items.append({**entry.item, "score": points} if phrases else dict(entry.item))
    return SearchResult(len(ranked), items, facets)
