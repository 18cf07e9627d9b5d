"""The HTTP client handed to sources: time-outs, a host allow-list, a size limit, sorted errors.

Sources never open their own sessions. The allow-list is the hosts named in the source's own
configuration plus ``HTTP.allowed_hosts``: a source cannot be talked into fetching anything its
operator did not write down, not even through a redirect (each hop is checked). A response body
larger than ``max_bytes`` is refused while it is read, so a runaway origin cannot fill memory.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests

from opendata.plugin import Headers, SourceError, TransientSourceError

#: The largest response body a source may receive, unless the core gives another limit.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: Redirect hops followed (each to an allowed host) before the request fails.
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class _Answer(NamedTuple):
    url: str
    content: bytes
    encoding: str | None  # the charset the response declared, if any


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

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        timeout: float = 30.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "opendata/0.1 (+government open data publisher)"

    # -- the protocol ------------------------------------------------------------------------

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> Any:
        return _json(self._send("GET", url, headers, params=params))

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Headers | None = None,
    ) -> bytes:
        return self._send("GET", url, headers, params=params).content

    def post_json(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> Any:
        return _json(self._send("POST", url, headers, **_body(json, data)))

    def post_bytes(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Headers | None = None,
    ) -> bytes:
        return self._send("POST", url, headers, **_body(json, data)).content

    # -- one request, its redirects and its body ---------------------------------------------

    def _check_host(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.allowed_hosts:
            raise SourceError(
                f"refusing to fetch {url}: host {host!r} is not named in the source's config "
                "nor in HTTP.allowed_hosts"
            )

    def _send(self, method: str, url: str, headers: Headers | None, **body: Any) -> _Answer:
        """A request's final URL, body and charset; redirects followed to allowed hosts only."""
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url)
            response = self._request(method, url, headers, body)
            if response.status_code not in _REDIRECTS:
                charset = response.encoding if "charset" in _content_type(response) else None
                return _Answer(response.url, self._body(response), charset)
            response.close()
            url = urljoin(url, response.headers.get("Location", ""))
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method == "POST"
            ):
                # What browsers do: the body is not sent again, the next hop is a GET.
                method, body = "GET", {}
        raise SourceError(f"{method} {url}: more than {MAX_REDIRECTS} redirects")

    def _request(
        self, method: str, url: str, headers: Headers | None, body: Mapping[str, Any]
    ) -> requests.Response:
        try:
            response = self.session.request(
                method,
                url,
                headers=dict(headers or {}),
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
                **body,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientSourceError(f"could not reach {url}: {exc}") from exc
        except requests.RequestException as exc:
            raise SourceError(f"request to {url} failed: {exc}") from exc
        _check_status(url, response)
        return response

    def _body(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()
            raise SourceError(self._too_large(response.url))
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(self._too_large(response.url))
                chunks.append(chunk)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientSourceError(f"reading {response.url} failed: {exc}") from exc
        finally:
            response.close()
        return b"".join(chunks)

    def _too_large(self, url: str) -> str:
        return f"{url}: the response is larger than the limit of {self.max_bytes} bytes"


def _check_status(url: str, response: requests.Response) -> None:
    if response.status_code >= 500:
        response.close()
        raise TransientSourceError(f"{url} answered HTTP {response.status_code}")
    if response.status_code >= 400:
        text = response.content[:200].decode("utf-8", "replace")
        response.close()
        raise SourceError(f"{url} answered HTTP {response.status_code}: {text}")


def _body(json: Any, data: Mapping[str, Any] | None) -> dict[str, Any]:
    if json is not None and data is not None:
        raise SourceError("a POST sends either a JSON body or a form body, not both")
    if json is not None:
        return {"json": json}
    return {"data": dict(data)} if data is not None else {}


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").lower()


def _json(answer: _Answer) -> Any:
    try:
        if answer.encoding and answer.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            # A declared charset (GBK from an older platform) wins; else JSON's own UTF rules.
            return jsonlib.loads(answer.content.decode(answer.encoding))
        return jsonlib.loads(answer.content)
    except (ValueError, LookupError) as exc:
        raise SourceError(f"{answer.url} did not return JSON: {exc}") from exc
