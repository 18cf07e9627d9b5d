"""The HTTP client handed to sources: time-outs, a host allow-list, and errors sorted for retry.

Sources never open their own sessions. The allow-list is the hosts named in the source's own
configuration plus ``HTTP.allowed_hosts``: a source cannot be talked into fetching anything its
operator did not write down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from opendata.plugin import SourceError, TransientSourceError


def hosts_in(values: Iterable[Any]) -> set[str]:
    """Hosts of every http(s) URL among ``values`` (nested lists and dicts included)."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            host = urlsplit(value).hostname
            if host:
                found.add(host.lower())
        elif isinstance(value, Mapping):
            found |= hosts_in(value.values())
        elif isinstance(value, list | tuple):
            found |= hosts_in(value)
    return found


class SourceHttpClient:
    """Implements :class:`opendata.plugin.HttpClient` over a requests session."""

    def __init__(self, allowed_hosts: Iterable[str], timeout: float = 30.0) -> None:
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "opendata/0.1 (+government open data publisher)"

    def _get(self, url: str, params: Mapping[str, Any] | None) -> requests.Response:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.allowed_hosts:
            raise SourceError(
                f"refusing to fetch {url}: host {host!r} is not named in the source's config "
                "nor in HTTP.allowed_hosts"
            )
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientSourceError(f"could not reach {url}: {exc}") from exc
        except requests.RequestException as exc:
            raise SourceError(f"request to {url} failed: {exc}") from exc
        if response.status_code >= 500:
            raise TransientSourceError(f"{url} answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SourceError(f"{url} answered HTTP {response.status_code}: {response.text[:200]}")
        return response

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self._get(url, params)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"{response.url} did not return JSON: {exc}") from exc

    def get_bytes(self, url: str, params: Mapping[str, Any] | None = None) -> bytes:
        return self._get(url, params).content
