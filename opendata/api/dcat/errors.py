"""The DCAT endpoints' errors, in the envelope CKAN-family harvesters already parse.

``{"help": <url>, "success": false, "error": {"__type", "message", …}}`` with the status of the
cause, as CKAN gives it: a harvester pointed at ``/catalog.jsonld`` gets the shape it gets from
CKAN's DCAT extension, never an HTML page.
"""

from __future__ import annotations

from typing import Any


class DcatError(Exception):
    """An error the DCAT views answer with the envelope above."""

    def __init__(self, status: int, type_name: str, message: str, **fields: list[str]) -> None:
        super().__init__(message)
        self.status = status
        self.type_name = type_name
        self.message = message
        self.fields = fields

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message, **self.fields}


def not_found(message: str) -> DcatError:
    return DcatError(404, "Not Found Error", f"Not found: {message}")


def invalid(field: str, message: str) -> DcatError:
    """A parameter the client must fix: CKAN's validation error (409), naming the field."""
    return DcatError(409, "Validation Error", f"{field}: {message}", **{field: [message]})
