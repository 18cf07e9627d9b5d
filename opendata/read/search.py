"""Catalogue search over the (few) datasets: Chinese- and English-aware ``q``, facets, paging.

A catalogue holds a handful of datasets, so matching runs in Python with the same overlapping
CJK bigrams as the datastore's full-text index (:mod:`opendata.store.fts`): a query term matches
a text when its tokens appear there consecutively, so 档案 is found in 档案室 and 服务指南 in
办事服务指南. Latin words match by prefix and by a simple English stem, so ``budget`` finds
``budgets``, ``accounts`` finds ``final_accounts`` and ``fisc`` finds ``fiscal_data``; a dataset
is found by its name and by its English title when its descriptor has one (``title_en``).
Every term must match (AND); fields weigh differently in the ranking. A search that finds
nothing suggests the closest words of the catalogue's own vocabulary (did you mean …).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opendata.limits import words
from opendata.store.fts import query_phrases, query_tokens, tokens

FACETS = ("publisher", "source", "keyword", "license")
_WEIGHTS = {"title": 5, "name": 5, "keywords": 4, "description": 2, "resources": 2, "fields": 1}
#: Latin query tokens shorter than this match whole words (or stems) only, not as prefixes:
#: ``a`` or ``de`` would otherwise match almost every dataset.
MIN_PREFIX = 3
MAX_SUGGESTIONS = 5
#: How alike (difflib's ratio) a catalogue word must be to be suggested: 0.7 keeps typos
#: (budgt → budgets 0.91, 档案馆 → 档案 0.8) and drops chance likeness (guide → index 0.6).
CUTOFF = 0.7
_LATIN = re.compile(r"^[0-9a-z\u00c0-\u024f]+$")
_CJK_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def stem(word: str) -> str:
    """A light English stem (plural and common verb endings), enough for a catalogue's titles
    and names: budgets → budget, categories → category, statuses → status, archive, archived,
    archiving → archiv. Not Porter: a wrong cut here only widens a match a little."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ses", "s"), ("xes", "x")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + replacement
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) > len(suffix) + 2:
            word = word[: -len(suffix)]
            break
    # archive, archived and archiving share "archiv"
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _token_matches(text_token: str, query_token: str) -> bool:
    if text_token == query_token:
        return True
    if not _LATIN.match(query_token):
        return False  # CJK bigrams match exactly
    if len(query_token) >= MIN_PREFIX and text_token.startswith(query_token):
        return True
    return stem(text_token) == stem(query_token)


@dataclass(frozen=True)
class Entry:
    """One dataset as the catalogue lists it, with its searchable texts and vocabulary."""

    item: dict[str, Any]
    texts: Mapping[str, Sequence[list[str]]]  # field group → token lists
    #: The words a suggestion may offer: Latin words, keywords and Chinese titles' words.
    vocabulary: frozenset[str] = field(default_factory=frozenset)

    def facet_values(self, facet: str) -> list[str]:
        if facet == "keyword":
            return [str(k) for k in self.item.get("keywords") or []]
        value = self.item.get(facet)
        return [str(value)] if value else []


def _groups(item: dict[str, Any], descriptor: Mapping[str, Any]) -> dict[str, list[str]]:
    resources = descriptor.get("resources", [])
    return {
        "title": [
            item.get("title") or "",
            descriptor.get("title") or "",
            item.get("title_en") or "",
            descriptor.get("title_en") or "",
        ],
        "name": [item.get("name") or "", descriptor.get("name") or ""],
        "keywords": [str(k) for k in item.get("keywords") or []],
        "description": [item.get("description") or "", item.get("publisher") or ""],
        "resources": [
            f"{r.get('title', '')} {r.get('title_en', '')} {r.get('description', '')} "
            f"{r.get('name', '')}"
            for r in resources
        ],
        "fields": [
            f"{f.get('title', '')} {f.get('description', '')} {f.get('name', '')}"
            for r in resources
            for f in r.get("schema", {}).get("fields", [])
        ],
    }


def _vocabulary(
    groups: Mapping[str, list[str]], texts: Mapping[str, Sequence[list[str]]]
) -> set[str]:
    latin = {t for lists in texts.values() for toks in lists for t in toks if _LATIN.match(t)}
    vocabulary = {t for t in latin if len(t) >= MIN_PREFIX and not t.isdigit()}
    vocabulary.update(k for k in groups["keywords"] if k)
    for group in ("title", "resources", "fields"):
        for text in groups[group]:
            vocabulary.update(_CJK_WORD.findall(text))
    return vocabulary


def make_entry(item: dict[str, Any], descriptor: Mapping[str, Any] | None) -> Entry:
    groups = _groups(item, descriptor or {})
    texts = {group: [tokens(t) for t in values if t] for group, values in groups.items()}
    return Entry(item, texts, frozenset(_vocabulary(groups, texts)))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(
        all(_token_matches(haystack[i + k], needle[k]) for k in range(n))
        for i in range(len(haystack) - n + 1)
    )


def _phrase_weight(entry: Entry, phrase: list[str]) -> int:
    return max(
        (
            _WEIGHTS[group]
            for group, lists in entry.texts.items()
            if any(_contains(toks, phrase) for toks in lists)
        ),
        default=0,
    )


def score(entry: Entry, phrases: Sequence[list[str]]) -> int:
    """0 when some phrase matches nowhere; else the sum of each phrase's best field weight."""
    total = 0
    for phrase in phrases:
        best = _phrase_weight(entry, phrase)
        if best == 0:
            return 0
        total += best
    return total


@dataclass
class SearchResult:
    total: int
    items: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]]
    #: Queries to try instead when nothing matched (closest catalogue words), else empty.
    suggestions: list[str] = field(default_factory=list)


def _selected(entry: Entry, filters: Mapping[str, str | None]) -> bool:
    return all(not value or value in entry.facet_values(facet) for facet, value in filters.items())


def _facets(ranked: Sequence[tuple[int, Entry]]) -> dict[str, list[dict[str, Any]]]:
    facets: dict[str, list[dict[str, Any]]] = {}
    for facet in FACETS:
        counts = Counter(v for _, e in ranked for v in e.facet_values(facet))
        facets[facet] = [
            {"value": v, "count": c}
            for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    return facets


def _sort(ranked: list[tuple[int, Entry]], order: str) -> None:
    if order == "relevance":
        ranked.sort(key=lambda pe: (-pe[0], pe[1].item["name"]))
    elif order == "modified":
        ranked.sort(
            key=lambda pe: (str(pe[1].item.get("modified") or ""), pe[1].item["name"]), reverse=True
        )
    else:
        ranked.sort(key=lambda pe: pe[1].item["name"])


def _close_words(word: str, vocabulary: Sequence[str]) -> list[str]:
    """Catalogue words spelled like ``word`` (difflib's ratio), the closest first."""
    lowered = word.lower()
    return difflib.get_close_matches(lowered, vocabulary, n=MAX_SUGGESTIONS, cutoff=CUTOFF)


def _fixes(entries: Sequence[Entry], terms: Sequence[str]) -> dict[int, list[str]]:
    """For each term that matches no dataset, the closest words of the catalogue."""
    vocabulary = sorted(frozenset().union(*(e.vocabulary for e in entries)))
    fixes: dict[int, list[str]] = {}
    for i, term in enumerate(terms):
        phrase = query_tokens(term)
        if phrase and not any(_phrase_weight(e, phrase) for e in entries):
            fixes[i] = _close_words(term, vocabulary)
    return fixes


def suggest(entries: Sequence[Entry], q: str) -> list[str]:
    """Queries close to ``q`` that find something: each word that matches no dataset is
    replaced by the closest words of the catalogue's vocabulary (did you mean …)."""
    terms = words(q)
    fixes = _fixes(entries, terms)
    if not fixes or not all(fixes.values()):
        return []
    suggestions: list[str] = []
    for rank in range(min(len(f) for f in fixes.values())):
        candidate = " ".join(fixes[i][rank] if i in fixes else t for i, t in enumerate(terms))
        if any(score(e, query_phrases(candidate)) for e in entries):
            suggestions.append(candidate)
    return suggestions


def _match(
    entries: Iterable[Entry], phrases: Sequence[list[str]], filters: Mapping[str, str | None]
) -> list[tuple[int, Entry]]:
    """The entries every phrase matches (all when there is none) and the filters select."""
    ranked: list[tuple[int, Entry]] = []
    for entry in entries:
        points = score(entry, phrases) if phrases else 0
        if (points or not phrases) and _selected(entry, filters):
            ranked.append((points, entry))
    return ranked


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
    every = list(entries)
    ranked = _match(every, phrases, filters or {})
    _sort(ranked, sort or ("relevance" if phrases else "name"))
    items = [
        {**entry.item, "score": points} if phrases else dict(entry.item)
        for points, entry in ranked[offset : offset + limit]
    ]
    suggestions = suggest(every, q or "") if phrases and not ranked else []
    return SearchResult(len(ranked), items, _facets(ranked), suggestions)
