"""Hide secrets in configuration values before they are printed or put in an error message.

Three rules, each for a way operators actually hand us credentials: a setting whose name says it
is one (``token``, ``secret``, ``password``, ``key``…) is hidden whole; a URL keeps its scheme,
host and path but not the password in its user part nor the values of secret-named query
parameters; a webhook URL, where the path itself is the credential (Slack, DingTalk, WeCom),
keeps only its scheme and host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_WORDS = frozenset(
    {"token", "secret", "password", "passwd", "pwd", "key", "apikey", "credential", "credentials"}
)
_WORD = re.compile(r"[a-z0-9]+")


def secret_name(name: str) -> bool:
    """``api_key``, ``TOKEN``, ``db-password``: a name that says its value is a credential."""
    return any(word in _SECRET_WORDS for word in _WORD.findall(name.lower()))


def mask_url(text: str, *, whole_path: bool = False) -> str:
    """``scheme://user:***@host/path?token=***``; with ``whole_path`` only ``scheme://host/***``."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return text
    user, at, host = parts.netloc.rpartition("@")
    if at and ":" in user:
        user = user.split(":", 1)[0] + ":" + MASK
    netloc = f"{user}@{host}" if at else host
    if whole_path:
        hidden = parts.path not in ("", "/") or parts.query
        return urlunsplit((parts.scheme, netloc, "/" + MASK if hidden else parts.path, "", ""))
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if secret_name(k) else v) for k, v in pairs], safe="*:/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_value(names: Iterable[str], value: Any, *, whole_path: bool = False) -> Any:
    """``value`` as it may be shown, given the names of the keys that lead to it."""
    if value is None or value == "":
        return value
    if any(secret_name(name) for name in names):
        return MASK
    if isinstance(value, str) and "://" in value:
        return mask_url(value, whole_path=whole_path)
    if isinstance(value, list):
        return [mask_value((), item) for item in value]
    if isinstance(value, dict):
        return {key: mask_value((str(key),), item) for key, item in value.items()}
    return value
