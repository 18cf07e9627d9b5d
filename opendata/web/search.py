"""Catalogue search and facets for the portal's home page.

The catalogue is small (tens of datasets), so it is searched in memory on every request rather
than indexed. Matching uses the same tokens as the datastore's full-text index
(:mod:`opendata.store.fts`: overlapping CJK bigrams), so a query means the same thing on the
portal as in the row API: every whitespace-separated term must occur, and a term of two or more
Chinese characters is found inside longer words (档案 in 档案室).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opendata.store.fts import query_phrases, tokens

# How much a hit in each part of a dataset counts when ordering results: a word in the title
# says more about what the dataset is than the same word in one column's title.
WEIGHTS = {"title": 8, "keywords": 4, "description": 2, "fields": 1}


@dataclass(frozen=True)
class Entry:
    """One dataset as the catalogue page lists it."""

    name: str
    title: str
    description: str
    publisher: str
    keywords: tuple[str, ...]
    license: str
    schedule: str
    #: (resource name, resource title) in descriptor order; empty before the first publish.
    resources: tuple[tuple[str, str], ...]
    version: dict[str, Any] | None
    #: Texts searched besides title/description/keywords: resource and field titles and names.
    field_texts: tuple[str, ...] = field(default=(), repr=False)


def entry(dataset: Mapping[str, Any], version: Mapping[str, Any] | None) -> Entry:
    """Build an :class:`Entry` from a catalog dataset row and its current version (if any)."""
    descriptor: Mapping[str, Any] = (version or {}).get("descriptor") or {}
    resources: list[tuple[str, str]] = []
    texts: list[str] = []
    for res in descriptor.get("resources", []):
        resources.append((res["name"], res.get("title") or res["name"]))
        texts.extend(str(res.get(k) or "") for k in ("title", "description"))
        for fld in res.get("schema", {}).get("fields", []):
            texts.extend(str(fld.get(k) or "") for k in ("name", "title", "description"))
    return Entry(
        name=dataset["name"],
        title=dataset["title"],
        description=dataset.get("description") or "",
        publisher=dataset.get("publisher") or "",
        keywords=tuple(dataset.get("keywords") or ()),
        license=dataset.get("license") or "",
        schedule=dataset.get("schedule") or "",
        resources=tuple(resources),
        version=dict(version) if version else None,
        field_texts=tuple(t for t in texts if t),
    )


def _contains(haystack: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether ``phrase`` occurs as adjacent tokens in ``haystack`` (an FTS phrase match)."""
    n = len(phrase)
    return any(list(haystack[i : i + n]) == list(phrase) for i in range(len(haystack) - n + 1))


def score(item: Entry, query: str) -> int:
    """0 when some term of ``query`` is missing from ``item``; else a weight for ordering."""
    phrases = query_phrases(query)
    if not phrases:
        return 0
    # Each text is tokenised separately so a phrase never matches across two fields.
    parts: dict[str, list[list[str]]] = {
        "title": [tokens(item.title)],
        "keywords": [tokens(k) for k in item.keywords],
        "description": [tokens(item.description)],
        "fields": [tokens(t) for t in item.field_texts],
    }
    total = 0
    for phrase in phrases:
        hit = sum(
            weight
            for part, weight in WEIGHTS.items()
            if any(_contains(toks, phrase) for toks in parts[part])
        )
        if not hit:
            return 0
        total += hit
    return total


def search(
    items: Iterable[Entry], q: str = "", publisher: str = "", keyword: str = ""
) -> list[Entry]:
    """Entries matching the query and facet filters, best first (then by title)."""
    found: list[tuple[int, Entry]] = []
    for item in items:
        if publisher and item.publisher != publisher:
            continue
        if keyword and keyword not in item.keywords:
            continue
        weight = score(item, q) if q.strip() else 1
        if weight:
            found.append((weight, item))
    found.sort(key=lambda pair: (-pair[0], pair[1].title, pair[1].name))
    return [item for _, item in found]


def facets(items: Iterable[Entry]) -> dict[str, list[tuple[str, int]]]:
    """Publisher and keyword counts over ``items``, most frequent first."""
    publishers: Counter[str] = Counter()
    keywords: Counter[str] = Counter()
    for item in items:
        if item.publisher:
            publishers[item.publisher] += 1
        keywords.update(set(item.keywords))
    return {
        "publisher": sorted(publishers.items(), key=lambda kv: (-kv[1], kv[0])),
        "keyword": sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0])),
    }
