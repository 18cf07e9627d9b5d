"""What every /api/v1 blueprint shares: the blueprint class, services, documented errors."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import current_app, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from opendata.api.v1.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])
PREFIX = "/api/v1"


class QueryParser(FlaskParser):
    """A bad query parameter is a bad request (400), like every other malformed input here."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = QueryParser()

    def errors(self, *codes: int) -> Callable[[F], F]:
        """Document error statuses (with the envelope schema) on an operation."""

        def decorate(func: F) -> F:
            for code in codes:
                func = self.alt_response(code, response=HTTPStatus(code).name)(func)
            return func

        return decorate


def config_int(section: str, key: str, default: int) -> int:
    return int(current_app.config.get(section, {}).get(key, default))


def absolute(path: str) -> str:
    """An absolute URL for ``path`` on this host (for ``Link`` headers and ``next_url``)."""
    return request.host_url.rstrip("/") + path


def reject_extra(allowed: set[str]) -> None:
    """400 for query parameters an endpoint does not take (a typo should not pass silently)."""
    for key in request.args:
        if key not in allowed:
            raise ApiError(
                400,
                "unknown_parameter",
                f"unknown query parameter {key!r}; this endpoint takes: "
                + (", ".join(sorted(allowed)) or "none"),
                parameter=key,
            )
