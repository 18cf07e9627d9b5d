"""Redaction of secrets in text that leaves the process: logs, run details, warnings.

One function, :func:`redact`, used wherever an exception's text is kept: the server log, the run
record that token holders may read, ``opendata runs --full``. It removes what an exception message
typically carries by accident:

- credentials in URLs (``postgresql://user:password@host/db`` keeps the user, not the password;
  a userinfo without a colon, such as ``https://TOKEN@host``, is dropped whole);
- ``key=value`` and ``key: value`` pairs whose key names a secret (password, passwd, pwd, secret,
  token, api_key, access_key, private_key, key, credential, auth…), in any spelling a log line or
  a ``repr`` of a dict uses (``password=x``, ``'password': 'x'``, ``"token": "x"``,
  ``?api_key=x&``, ``Authorization: Bearer x``).

:func:`strip_paths` removes absolute file-system paths; it is applied to plugin text that the
public sees (run warnings), never to a token holder's detail, which keeps them for debugging.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://userinfo@ — the userinfo ends at the last "@" before the host (passwords may hold "@"
# only percent-encoded, so the first "@" after the scheme is the separator).
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@?#]+)@")

# Names that say "the value is a secret", matched case-insensitively. The secret word must end
# the name (``db_password``, ``access_token``; not ``PASSWORD_FILE``, whose value is a path); a
# bare ``key`` only alone or after a separator (``api.key``; not ``monkey``). Prefixes are
# bounded so that the pattern stays linear on long text without separators.
_SECRET_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credentials?|auth(?:orization)?|session[_-]?id"
)
_SECRET_NAME = (
    r"(?:[A-Za-z0-9_.-]{0,40}?(?:" + _SECRET_WORDS + r")|(?:[A-Za-z0-9_.-]{0,40}[_.-])?key)"
)
_SECRET_PAIR = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<name>(?P<q>['\"]?)" + _SECRET_NAME + r"(?P=q))"
    r"(?P<sep>\s*[=:]\s*)"
    r"(?P<value>(?:bearer|basic|token)\s+[^\s,;&'\"]+"  # Authorization: Bearer xyz
    r"|'[^'\n]*'|\"[^\"\n]*\""  # a quoted value
    r"|[^\s,;&'\"()\[\]{}][^\s,;&'\")\]}]*)",  # a bare value, up to the next separator
    re.IGNORECASE,
)

# An absolute POSIX path of two or more parts, or a Windows drive path; not the path of a URL
# (preceded by ":" or "/" or a word character).
_PATH = re.compile(
    r"(?<![\w:/.~-])/(?:[^\s/'\"<>:,;()\[\]{}]+/)+[^\s/'\"<>:,;()\[\]{}]*"
    r"|\b[A-Za-z]:\\(?:[^\s\\'\"<>:,;]+\\)*[^\s\\'\"<>:,;]*"
)


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _password = match["userinfo"].partition(":")
    kept = f"{user}:{MASK}" if colon else MASK
    return f"{match['scheme']}{kept}@"


def _pair(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['name']}{match['sep']}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    """``text`` with URL credentials and ``key=value`` secrets replaced by ``***``."""
    if not text:
        return text
    text = _URL_USERINFO.sub(_userinfo, text)
    return _SECRET_PAIR.sub(_pair, text)


def strip_paths(text: str) -> str:
    """``text`` with absolute file-system paths replaced by ``<path>``."""
    return _PATH.sub("<path>", text) if text else text
