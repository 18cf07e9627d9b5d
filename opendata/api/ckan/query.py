"""The subset of Solr query syntax that CKAN clients send in ``q`` and ``fq``.

``field:value``, ``field:"a phrase"``, ``field:(a OR b)``, a leading ``+`` (must) or ``-``
(must not), bare words (full text, all must match) and ``*:*``. That covers what ``ckanapi``,
CKAN's own front end and the harvesters we know send; anything else is a ``Search Query Error``
naming what we could not read, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opendata.api.ckan.errors import SearchQueryError

_CLAUSE = re.compile(
    r"""\s*(?P<sign>[+-]?)
        (?:(?P<field>[A-Za-z_][\w.]*):)?
        (?P<value>"(?:[^"\\]|\\.)*"|\((?:[^()"]|"[^"]*")*\)|[^\s()"]+)""",
    re.VERBOSE,
)
_CONNECTIVES = {"AND", "&&"}

#: Fields a clause may name, and what they match: exact values or a text search.
EXACT_FIELDS = frozenset(
    {
        "name",
        "id",
        "tags",
        "organization",
        "res_format",
        "license_id",
        "groups",
        "capacity",
        "state",
        "dataset_type",
        "type",
        "owner_org",
    }
)
TEXT_FIELDS = frozenset({"title", "notes", "text", "res_name", "res_description"})


@dataclass(frozen=True)
class Clause:
    field: str | None  # None: full text over every field
    values: tuple[str, ...]  # alternatives (OR)
    negate: bool = False


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)

    def matches(self, doc: Mapping[str, Any]) -> bool:
        return all(_clause_matches(c, doc) != c.negate for c in self.clauses)

    def score(self, doc: Mapping[str, Any]) -> float:
        """Relevance for ``score desc``: term hits, weighted towards the title and tags."""
        total = 0.0
        for clause in self.clauses:
            if clause.negate or clause.field not in (None, "text", "title"):
                continue
            for value in clause.values:
                term = value.lower()
                total += 3 * doc["title"].lower().count(term)
                total += 2 * sum(term in t.lower() for t in doc["tags"])
                total += doc["text"].count(term)
        return total


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _alternatives(value: str) -> tuple[str, ...]:
    if value.startswith("("):
        parts = re.findall(r'"(?:[^"\\]|\\.)*"|[^\s()]+', value[1:-1])
        return tuple(_unquote(p) for p in parts if p not in ("OR", "||"))
    return (_unquote(value),)


def parse(text: str | None, param: str) -> Query:
    """Parse ``q`` or ``fq``; raises :class:`SearchQueryError` for syntax we do not support."""
    query = Query()
    if not text or text.strip() in ("*:*", "*"):
        return query
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _CLAUSE.match(text, pos)
        if match is None or match.end() == pos:
            raise SearchQueryError(f"Could not parse {param} near {text[pos : pos + 30]!r}")
        pos = match.end()
        name, value, sign = match["field"], match["value"], match["sign"]
        if name is None and value in _CONNECTIVES:
            continue
        if name is not None and name not in EXACT_FIELDS | TEXT_FIELDS:
            raise SearchQueryError(f"undefined field {name}")
        if name is None and value == "*:*":
            continue
        values = _alternatives(value)
        if not values:
            raise SearchQueryError(f"empty value for {name or 'text'} in {param}")
        query.clauses.append(Clause(name, values, sign == "-"))
    return query


#: Fields every package here has one value of, as CKAN's Solr index has them.
_CONSTANT_FIELDS = {
    "capacity": ("public",),
    "state": ("active",),
    "dataset_type": ("dataset",),
    "type": ("dataset",),
}


def _clause_matches(clause: Clause, doc: Mapping[str, Any]) -> bool:
    name = clause.field
    if name is None or name in TEXT_FIELDS:
        haystack = doc["text"] if name in (None, "text") else str(doc.get(name, "")).lower()
        return any(v == "*" or v.lower() in haystack for v in clause.values)
    if name in _CONSTANT_FIELDS:
        accepted = (*_CONSTANT_FIELDS[name], "*")
        return any(v in accepted for v in clause.values)
    return _list_matches(name, doc.get(name), clause.values)


def _list_matches(name: str, have: Any, values: Sequence[str]) -> bool:
    have_list: Sequence[str] = have if isinstance(have, list) else ([] if have is None else [have])
    if name == "res_format":  # Solr indexes formats as given; clients send csv or CSV alike
        values = [v if v == "*" else v.upper() for v in values]
    return any((v == "*" and bool(have_list)) or v in have_list for v in values)


def search_doc(package: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a package is searched and faceted by, from its package dict."""
    resources = package["resources"]
    tags = [t["name"] for t in package["tags"]]
    org = package["organization"]
    parts = [
        package["name"],
        package["title"],
        package["notes"] or "",
        *tags,
        org["title"],
        *(r["name"] for r in resources),
        *(r["description"] for r in resources),
    ]
    return {
        "id": package["id"],
        "name": package["name"],
        "title": package["title"],
        "notes": package["notes"] or "",
        "tags": tags,
        "organization": org["name"],
        "owner_org": org["id"],
        "res_format": sorted({r["format"] for r in resources}),
        "res_name": " ".join(r["name"] for r in resources),
        "res_description": " ".join(r["description"] for r in resources),
        "license_id": package["license_id"],
        "groups": [],
        "text": " ".join(parts).lower(),
    }
