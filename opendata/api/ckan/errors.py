"""CKAN's error types: the ``__type`` string decides both the HTTP status and what ``ckanapi``
raises, so each is one small class here and the transport turns it into the envelope.

The message prefixes ("Not found: …", "Access denied: …", "Search Query is invalid: …") are
CKAN's own (``ckan/views/api.py``); ``ckanapi`` keeps the text after the first ``": "``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class CkanError(Exception):
    """An error answered with the ``{help, success: false, error: {...}}`` envelope."""

    type_name: ClassVar[str] = "Internal Server Error"
    status: ClassVar[int] = 500
    prefix: ClassVar[str] = ""

    def __init__(self, message: str = "", fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, list[str]] = dict(fields or {})

    def error_body(self) -> dict[str, Any]:
        text = self.prefix
        if self.message:
            text = f"{text}: {self.message}" if text else self.message
        body: dict[str, Any] = {"__type": self.type_name, "message": text}
        body.update(self.fields)
        return body


class NotFound(CkanError):
    type_name = "Not Found Error"
    status = 404
    prefix = "Not found"


class ValidationError(CkanError):
    """Field → [messages], merged into ``error`` as CKAN does (ckanapi reads them there)."""

    type_name = "Validation Error"
    status = 409

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        # CKAN's validation errors carry only the fields; the summary ``message`` is ours, added
        # because clients that only print ``error.message`` should still say what was wrong.
        summary = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in fields.items())
        super().__init__(summary, fields)


class SearchQueryError(CkanError):
    type_name = "Search Query Error"
    status = 400

    def error_body(self) -> dict[str, Any]:
        # CKAN formats the exception's args with %r: ("Invalid search parameters: ['foo']",)
        message = f"Search Query is invalid: {(self.message,)!r}"
        return {"__type": self.type_name, "message": message}


class BadRequest(Exception):
    """Answered as CKAN does outside the envelope: HTTP 400, body a JSON *string*."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def missing(field: str) -> ValidationError:
    return ValidationError({field: ["Missing value"]})


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})
