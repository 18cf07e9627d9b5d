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

from opendata.limits import words

# CJK unified ideographs (+ extension A and compatibility) vs. runs of letters and digits.
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z\u00c0-\u024f]+")
_CJK_START = 0x3400


def tokens(text: str) -> list[str]:
    """Index tokens of ``text``: lower-cased words, and for each CJK run its first character,
    its overlapping bigrams and its last character (a lone CJK character as itself).

    The edge characters let a query cross from digits or letters into Chinese: 第2499号 is
    searched as the phrase 第 2499 号, which needs 第 and 号 as tokens next to 2499.
    """
    out: list[str] = []
    for run in _TOKEN.findall(text):
        if ord(run[0]) >= _CJK_START:
            if len(run) == 1:
                out.append(run)
            else:
                out.append(run[0])
                out.extend(map(add, run[:-1], run[1:]))
                out.append(run[-1])
        else:
            out.append(run.lower())
    return out


def index_text(*values: str) -> str:
    """The space-separated token text stored in the full-text index for one row."""
    return " ".join(tokens(" ".join(values)))


def query_tokens(term: str) -> list[str]:
    """The phrase one query term means: bigrams of its CJK runs (a lone character as itself),
    with an edge character only where the run touches a word or number of the same term."""
    runs = _TOKEN.findall(term)
    out: list[str] = []
    for i, run in enumerate(runs):
        if ord(run[0]) < _CJK_START:
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            if i > 0:
                out.append(run[0])
            out.extend(map(add, run[:-1], run[1:]))
            if i < len(runs) - 1:
                out.append(run[-1])
    return out


def query_phrases(query: str) -> list[list[str]]:
    """The phrases a query means: one per word (:func:`opendata.limits.words`), each a list of
    tokens.

    Every phrase must match (AND); tokens within a phrase must be adjacent and in order. A
    phrase given twice (档案 档案, or ABC and abc) is kept once: the databases read every
    phrase's posting lists again, so a repeated word cost time for nothing (a 26 KB
    repeated-word ``q`` took 5.8 s on a million rows).
    """
    phrases: dict[tuple[str, ...], list[str]] = {}
    for term in words(query):
        toks = query_tokens(term)
        if toks:
            phrases.setdefault(tuple(toks), toks)
    return list(phrases.values())


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
