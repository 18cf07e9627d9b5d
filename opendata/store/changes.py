"""Changes between two versions of a resource, by primary key, in pages.

Both versions' row tables sit in the same database, so the difference is three SQL joins on the
primary-key columns: rows *added* (in the new table, not the old), *changed* (in both, some
common field differs, NULL-safe) and *removed* (in the old, not the new). They are read in that
order, each by ``_id``, and a page ends with an opaque token naming the kind and the last
``_id``: an agency syncs incrementally without downloading the whole resource.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, or_, select
from sqlalchemy.exc import DBAPIError

from opendata.store.query import QueryError, TableGone, TableRef, row_table, table_gone

KINDS = ("added", "changed", "removed")


@dataclass
class ChangesPage:
    changes: list[dict[str, Any]]
    next: str | None
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)


def _token(kind: str, row_id: int) -> str:
    raw = orjson.dumps({"k": kind, "i": row_id})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[str, int]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        data = None
    if (
        not isinstance(data, dict)
        or data.get("k") not in KINDS
        or isinstance(data.get("i"), bool)
        or not isinstance(data.get("i"), int)
        or not 0 <= data["i"] < 2**63
    ):
        raise QueryError(
            "_next token is not one this API issued; start again without it",
            code="invalid_token",
            parameter="_next",
        )
    return data["k"], data["i"]


def changes_page(
    engine: Engine,
    old: TableRef,
    new: TableRef,
    primary_key: Sequence[str],
    *,
    limit: int = 100,
    after: str | None = None,
) -> ChangesPage:
    """The changes from ``old`` to ``new`` after the token ``after``, at most ``limit``."""
    _check_key(old, new, primary_key)
    diff = _Diff.of(engine, old, new, primary_key)
    kind, last = _untoken(after) if after else (KINDS[0], 0)
    out: list[dict[str, Any]] = []
    try:
        with engine.connect() as conn:
            for current in KINDS[KINDS.index(kind) :]:
                need = limit + 1 - len(out)
                if need <= 0:
                    break
                since = last if current == kind else 0
                out += diff.read(conn, current, since, need)
    except DBAPIError as exc:
        if table_gone(exc):
            raise TableGone(new.table_name) from exc
        raise
    following = None
    if len(out) > limit:
        out = out[:limit]
        following = _token(out[-1]["op"], out[-1]["_id"])
    for item in out:
        del item["_id"]
    old_names, new_names = old.field_names, new.field_names
    return ChangesPage(
        out,
        following,
        fields_added=[f for f in new_names if f not in old_names],
        fields_removed=[f for f in old_names if f not in new_names],
    )


def _check_key(old: TableRef, new: TableRef, primary_key: Sequence[str]) -> None:
    """Rows are matched by the primary key: both versions need all of its fields."""
    if not primary_key:
        raise QueryError(
            "this resource declares no primaryKey, so rows cannot be matched "
            "between versions; download both versions instead",
            code="no_primary_key",
        )
    old_names, new_names = old.field_names, new.field_names
    missing = [k for k in primary_key if k not in old_names or k not in new_names]
    if missing:
        raise QueryError(
            f"primary key field(s) {missing} are not in both versions", code="primary_key_changed"
        )


@dataclass(frozen=True)
class _Diff:
    """The two row tables joined on the primary key, and the three reads of their difference."""

    o: Any  # the old version's aliased row table
    n: Any  # the new version's
    on: Any  # the join condition: every primary-key field equal
    old_names: list[str]
    new_names: list[str]
    common: list[str]  # non-key fields in both versions
    primary_key: Sequence[str]

    @classmethod
    def of(cls, engine: Engine, old: TableRef, new: TableRef, primary_key: Sequence[str]) -> _Diff:
        old_names, new_names = list(old.field_names), list(new.field_names)
        o, n = row_table(engine, old).alias("o"), row_table(engine, new).alias("n")
        common = [f for f in new_names if f in old_names and f not in primary_key]
        on = and_(*[n.c[k] == o.c[k] for k in primary_key])
        return cls(o, n, on, old_names, new_names, common, primary_key)

    def read(self, conn: Connection, kind: str, since: int, need: int) -> list[dict[str, Any]]:
        """Up to ``need`` changes of ``kind`` whose ``_id`` is past ``since``, by ``_id``."""
        if kind == "added":
            return self._one_sided(conn, "added", self.n, self.o, self.new_names, since, need)
        if kind == "removed":
            return self._one_sided(conn, "removed", self.o, self.n, self.old_names, since, need)
        return self._changed(conn, since, need) if self.common else []

    def _one_sided(
        self,
        conn: Connection,
        op: str,
        here: Any,
        there: Any,
        names: list[str],
        since: int,
        need: int,
    ) -> list[dict[str, Any]]:
        """Rows of ``here`` whose key is not in ``there``."""
        stmt = (
            select(*[here.c[f] for f in ["_id", *names]])
            .select_from(here.outerjoin(there, self.on))
            .where(there.c["_id"].is_(None), here.c["_id"] > since)
            .order_by(here.c["_id"])
            .limit(need)
        )
        return [
            _item(op, r[0], self.primary_key, dict(zip(names, r[1:], strict=True)))
            for r in conn.execute(stmt)
        ]

    def _changed(self, conn: Connection, since: int, need: int) -> list[dict[str, Any]]:
        n, o, new_names, common = self.n, self.o, self.new_names, self.common
        differs = or_(*[n.c[f].is_distinct_from(o.c[f]) for f in common])
        stmt = (
            select(n.c["_id"], *[n.c[f] for f in new_names], *[o.c[f] for f in common])
            .select_from(n.join(o, self.on))
            .where(differs, n.c["_id"] > since)
            .order_by(n.c["_id"])
            .limit(need)
        )
        out = []
        for r in conn.execute(stmt):
            row = dict(zip(new_names, r[1 : 1 + len(new_names)], strict=True))
            before = dict(zip(common, r[1 + len(new_names) :], strict=True))
            item = _item("changed", r[0], self.primary_key, row)
            item["changed"] = {
                f: {"old": before[f], "new": row[f]} for f in common if before[f] != row[f]
            }
            out.append(item)
        return out


def _item(
    op: str, row_id: int, primary_key: Sequence[str], row: Mapping[str, Any]
) -> dict[str, Any]:
    return {"op": op, "_id": row_id, "key": {k: row[k] for k in primary_key}, "row": dict(row)}
