"""Chinese-aware full-text tokens: overlapping CJK bigrams, as Lucene's CJK analyzer makes them.

Neither SQLite's FTS5 tokenizers nor PostgreSQL's parsers split Chinese into words: a whole CJK
run becomes one token, so 档案 is not found inside 档案室. Indexing overlapping bigrams (档案 案室)
and searching a query as a phrase of its bigrams finds every word of two characters or more;
single characters are indexed too, so a one-character query still works. jieba would segment
better but costs ~15× more per row (reference/pitfalls.md), too much for every row at refresh.
"""

from __future__ import annotations

import re
from operator import add

# CJK unified ideographs (+ extension A and compatibility) vs. runs of letters and digits.
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z\u00c0-\u024f]+")
_CJK_START = 0x3400


def _is_cjk(run: str) -> bool:
    return ord(run[0]) >= _CJK_START


def tokens(text: str) -> list[str]:
    """Index tokens of ``text``: CJK bigrams (a lone CJK character as itself), lower-cased words."""
    out: list[str] = []
    for run in _TOKEN.findall(text):
        if _is_cjk(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run.lower())
    return out


def index_text(*values: str) -> str:
    """The space-separated token text stored in the full-text index for one row.

    Runs once per row at publish time, so it avoids building the token list of :func:`tokens`:
    the bigrams of a CJK run are made by ``map`` in C.
    """
    parts = []
    for run in _TOKEN.findall(" ".join(values)):
        if ord(run[0]) >= _CJK_START:
            parts.append(" ".join(map(add, run[:-1], run[1:])) if len(run) > 1 else run)
        else:
            parts.append(run.lower())
    return " ".join(parts)


def query_phrases(query: str) -> list[list[str]]:
    """The phrases a query means: one per whitespace-separated term, each a list of tokens.

    Every phrase must match (AND); tokens within a phrase must be adjacent and in order.
    """
    phrases = []
    for term in query.split():
        toks = tokens(term)
        if toks:
            phrases.append(toks)
    return phrases


def sqlite_match(query: str) -> str | None:
    """An FTS5 MATCH expression for ``query`` (None when it has no searchable token)."""
    phrases = query_phrases(query)
    if not phrases:
        return None
    # Tokens contain only letters, digits and CJK, so quoting them is safe.
    return " AND ".join('"' + " ".join(p) + '"' for p in phrases)


def postgres_tsquery(query: str) -> str | None:
    """A to_tsquery('simple', …) expression for ``query`` (None when nothing to search)."""
    phrases = query_phrases(query)
    if not phrases:
        return None
    return " & ".join("(" + " <-> ".join(p) + ")" for p in phrases)
