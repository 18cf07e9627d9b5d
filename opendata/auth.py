"""API tokens for the write endpoints: shown once, stored as hashes, compared in constant time.

A token is ``od_`` + 32 random bytes (``secrets.token_urlsafe``). Only its SHA-256 is stored: a
slow hash such as scrypt protects guessable secrets, and 256 random bits cannot be guessed, so
SHA-256 suffices and keeps the check cheap on every request. Verification compares the
presented hash against every stored one with :func:`hmac.compare_digest`, without stopping at
the first match, so timing reveals neither which token matched nor how close a guess came.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from opendata.store import db
from opendata.store.catalog import as_utc, utcnow

PREFIX = "od_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class TokenError(ValueError):
    """A token name that is invalid or already taken."""


@dataclass(frozen=True)
class TokenInfo:
    name: str
    created: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str) -> str:
    """Create a token called ``name`` and return it; it cannot be shown again."""
    if not NAME.match(name):
        raise TokenError(
            f"token name {name!r} is invalid: use 1-64 letters, digits, '_', '.', '@' or '-'"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with engine.begin() as conn:
            conn.execute(insert(db.tokens).values(name=name, hash=_digest(token), created=utcnow()))
    except IntegrityError as exc:
        raise TokenError(
            f"a token named {name!r} already exists; revoke it first or choose another name"
        ) from exc
    return token


def revoke_token(engine: Engine, name: str) -> bool:
    """Delete the token called ``name``; False when there was none."""
    with engine.begin() as conn:
        return conn.execute(delete(db.tokens).where(db.tokens.c.name == name)).rowcount == 1


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """Token names and creation times (never their hashes)."""
    with engine.connect() as conn:
        t = db.tokens
        rows = conn.execute(select(t.c.name, t.c.created).order_by(t.c.name))
        return [TokenInfo(r[0], as_utc(r[1]) or utcnow()) for r in rows]


def verify_token(engine: Engine, presented: str | None) -> str | None:
    """The name of the token ``presented`` is, or None."""
    if not presented:
        return None
    digest = _digest(presented)
    with engine.connect() as conn:
        rows = conn.execute(select(db.tokens.c.name, db.tokens.c.hash)).all()
    found: str | None = None
    for name, stored in rows:
        # No early exit: every stored hash is compared, whatever matched before.
        if hmac.compare_digest(digest.encode(), str(stored).encode()) and found is None:
            found = name
    return found


def bearer(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer …`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
