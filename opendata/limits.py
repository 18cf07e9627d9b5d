"""Bounds on what a request may ask: the length of a query string and of a search text.

Full-text search and ``LIKE`` cost time in proportion to what they are given: a phrase of N
bigrams reads N posting lists, so a 26 KB repeated-word ``q`` took 5.8 s on a million rows and
a 260 KB one killed the worker (SQLite) or hit PostgreSQL's ``stack depth limit``; SQLite
refuses ``LIKE`` patterns over 50,000 bytes. Bounding the number of terms and their length
bounds the work (bench/README.md, "Worst-case search"). Configured under ``[limits]``
(:class:`opendata.config_schema.LimitsSchema`); no Flask here, the store uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: What separates the words of a ``q``: one explicit set, so that the bound, the search and the
#: ``pattern`` the OpenAPI document states all read the same words (Python's ``str.split`` and
#: a JSON Schema ``\s`` disagree on a few control and Unicode spaces). U+3000 is the
#: full-width space of Chinese input methods.
SEPARATORS = r" \t\n\r\f\v\u3000"  # as regex escapes: JSON Schema and Python read them alike
_SEPARATED = re.compile(f"[{SEPARATORS}]+")


class LimitError(ValueError):
    """An input beyond a configured bound; the message names the parameter and the bound."""

    def __init__(self, message: str, parameter: str, limit: int) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.limit = limit


@dataclass(frozen=True)
class Limits:
    """The bounds in effect; the defaults are :class:`LimitsSchema`'s."""

    max_query_chars: int = 8192
    max_q_chars: int = 128
    max_q_terms: int = 6
    max_term_chars: int = 16
    max_cell_bytes: int = 1_048_576
    max_search_seconds: float = 1.5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """From a Flask config (``LIMITS``) or the ``[limits]`` table itself."""
        table = config.get("LIMITS", config)
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in table.items() if k in known})

    def check_text(self, value: str, parameter: str) -> str:
        """A ``__contains`` needle or CKAN per-field ``q`` value: characters only (a ``LIKE``
        scans each row once whatever the needle; its length is what SQLite bounds)."""
        if len(value) > self.max_q_chars:
            raise LimitError(
                f"parameter {parameter!r} is {len(value)} characters long; "
                f"at most {self.max_q_chars} are accepted",
                parameter,
                self.max_q_chars,
            )
        return value

    def check_q(self, value: str, parameter: str = "q") -> str:
        """A full-text query: characters, number of words (a repeated word counts each time,
        as the document's ``pattern`` counts it), and each word's length."""
        self.check_text(value, parameter)
        terms = words(value)
        if len(terms) > self.max_q_terms:
            raise LimitError(
                f"parameter {parameter!r} has {len(terms)} words; "
                f"at most {self.max_q_terms} are accepted",
                parameter,
                self.max_q_terms,
            )
        for term in terms:
            if len(term) > self.max_term_chars:
                raise LimitError(
                    f"a word of parameter {parameter!r} is {len(term)} characters long; "
                    f"at most {self.max_term_chars} are accepted (separate words with spaces)",
                    parameter,
                    self.max_term_chars,
                )
        return value

    def q_pattern(self) -> str:
        """A regular expression (JSON Schema and Python alike) of the ``q`` that
        :meth:`check_q` accepts by words: at most ``max_q_terms`` words of at most
        ``max_term_chars`` characters, none holding a NUL."""
        # No NUL in a word either: PostgreSQL text cannot hold one (the API refuses it).
        sep, word = f"[{SEPARATORS}]", f"[^{SEPARATORS}\\x00]"
        n, most = self.max_q_terms - 1, self.max_term_chars
        return f"^{sep}*(?:{word}{{1,{most}}}(?:{sep}+{word}{{1,{most}}}){{0,{n}}})?{sep}*$"


def words(query: str) -> list[str]:
    """The words of ``query``, as the search reads them (split at :data:`SEPARATORS`)."""
    return [word for word in _SEPARATED.split(query) if word]


def distinct_terms(query: str) -> list[str]:
    """The words of ``query``, each once, in order: a word repeated matches nothing more, so
    repeating it must cost nothing more either."""
    return list(dict.fromkeys(words(query)))


DEFAULT = Limits()
