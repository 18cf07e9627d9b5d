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
from sqlalchemy import Engine, and_, or_, select
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
    o, n = row_table(engine, old).alias("o"), row_table(engine, new).alias("n")
    common = [f for f in new_names if f in old_names and f not in primary_key]
    on = and_(*[n.c[k] == o.c[k] for k in primary_key])
    kind, last = _untoken(after) if after else (KINDS[0], 0)
    out: list[dict[str, Any]] = []
    try:
        with engine.connect() as conn:
            for current in KINDS[KINDS.index(kind) :]:
                need = limit + 1 - len(out)
                if need <= 0:
                    break
                since = last if current == kind else 0
                if current == "added":
                    stmt = (
                        select(*[n.c[f] for f in ["_id", *new_names]])
                        .select_from(n.outerjoin(o, on))
                        .where(o.c["_id"].is_(None), n.c["_id"] > since)
                        .order_by(n.c["_id"])
                        .limit(need)
                    )
                    for r in conn.execute(stmt):
                        row = dict(zip(new_names, r[1:], strict=True))
                        out.append(_item("added", r[0], primary_key, row))
                elif current == "removed":
                    stmt = (
                        select(*[o.c[f] for f in ["_id", *old_names]])
                        .select_from(o.outerjoin(n, on))
                        .where(n.c["_id"].is_(None), o.c["_id"] > since)
                        .order_by(o.c["_id"])
                        .limit(need)
                    )
                    for r in conn.execute(stmt):
                        row = dict(zip(old_names, r[1:], strict=True))
                        out.append(_item("removed", r[0], primary_key, row))
                elif common:
                    differs = or_(*[n.c[f].is_distinct_from(o.c[f]) for f in common])
                    stmt = (
                        select(n.c["_id"], *[n.c[f] for f in new_names], *[o.c[f] for f in common])
                        .select_from(n.join(o, on))
                        .where(differs, n.c["_id"] > since)
                        .order_by(n.c["_id"])
                        .limit(need)
                    )
                    for r in conn.execute(stmt):
                        row = dict(zip(new_names, r[1 : 1 + len(new_names)], strict=True))
                        before = dict(zip(common, r[1 + len(new_names) :], strict=True))
                        item = _item("changed", r[0], primary_key, row)
                        item["changed"] = {
                            f: {"old": before[f], "new": row[f]}
                            for f in common
                            if before[f] != row[f]
                        }
                        out.append(item)
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
    return ChangesPage(
        out,
        following,
        fields_added=[f for f in new_names if f not in old_names],
        fields_removed=[f for f in old_names if f not in new_names],
    )


def _item(
    op: str, row_id: int, primary_key: Sequence[str], row: Mapping[str, Any]
) -> dict[str, Any]:
    return {"op": op, "_id": row_id, "key": {k: row[k] for k in primary_key}, "row": dict(row)}
