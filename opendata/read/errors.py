"""What the read model raises when a request cannot be answered: status, stable code, message.

The read model has no Flask: each protocol turns a :class:`ReadError` into its own envelope
(``/api/v1``'s ``{"error": …}``, CKAN's ``{success: false, error: {__type, message}}``, the
portal's error page). The codes are the native API's, so every protocol reports the same cause.
"""

from __future__ import annotations

from typing import Any


class ReadError(Exception):
    """An error a client can act on: HTTP status, a stable code, a message, details."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}
