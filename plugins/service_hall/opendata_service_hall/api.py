"""Reading the provincial service platform's JSON API, live or from recorded responses.

Both ways go through the same :class:`PlatformApi`: live, it is given the core's HTTP client
and the platform's base URL; in the demo, an :class:`opendata.plugin.RecordedResponses` client
over the folder of recorded files, which answers exactly as a server replaying that folder
would. Nothing else in the plugin knows which of the two it is reading.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from opendata.plugin import HttpClient, SourceError, TransientSourceError, describe_request


def describe(url: str, params: Mapping[str, Any] | None = None) -> str:
    """``GET url?query`` as a person would paste it, for error messages."""
    return describe_request(url, params)


class PlatformApi:
    """The two calls of the platform: the paged item list and one item's guide."""

    def __init__(self, http: HttpClient, base_url: str, page_size: int) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size

    def _data(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of the platform's envelope ``{"code": 200, "msg", "data"}``."""
        where = describe(url, params)
        body = self.http.get_json(url, params)
        if not isinstance(body, dict):
            raise SourceError(f"{where}: the response is not a JSON object")
        if "code" not in body:
            raise SourceError(f"{where}: the response has no 'code'")
        if body["code"] != 200:
            raise SourceError(
                f"{where}: the platform answered code {body['code']!r} "
                f"({body.get('msg') or 'no message'}) instead of 200"
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise SourceError(f"{where}: the response has no object 'data'")
        return data

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every item summary of the list, all pages, as ``(where, summary)``.

        The number of pages follows the ``total`` and ``pageSize`` the platform reports (it may
        cap a page size we ask for); an item list that does not add up to ``total`` or repeats
        an item fails, since publishing a silently partial list is worse than not publishing.
        """
        url = f"{self.base_url}/items"
        page, pages, seen = 1, 1, 0
        codes: set[str] = set()
        total = first_total = 0
        while page <= pages:
            params = {"page": page, "pageSize": self.page_size}
            where = describe(url, params)
            total, size, listed = _page(where, self._data(url, params), seen)
            if page > 1 and total != first_total:
                # The list changed while we paged through it; a later run will see it settled.
                raise TransientSourceError(
                    f"{where}: 'data.total' is {total}, but page 1 said {first_total}"
                )
            first_total = total
            pages = math.ceil(total / size)
            yield from _summaries(where, listed, codes)
            seen += len(listed)
            page += 1
        if seen != total:
            raise SourceError(f"GET {url}: the platform reported {total} items but listed {seen}")

    def guide_url(self, code: str) -> str:
        """The URL of one item's guide."""
        return f"{self.base_url}/items/{quote(code, safe='')}/guide"

    def guide(self, code: str) -> tuple[str, dict[str, Any]]:
        """One item's full guide (materials, steps, forms) as ``(where, guide)``."""
        url = self.guide_url(code)
        data = self._data(url)
        if data.get("itemCode") != code:
            raise SourceError(
                f"{describe(url)}: 'data.itemCode' is {data.get('itemCode')!r}, not {code!r}"
            )
        return describe(url), data


def _page(where: str, data: dict[str, Any], seen: int) -> tuple[int, int, list[Any]]:
    """A list page's ``total``, ``pageSize`` and ``list``, each checked."""
    for key in ("total", "pageSize", "list"):
        if key not in data:
            raise SourceError(f"{where}: the response has no 'data.{key}'")
    total, size, listed = data["total"], data["pageSize"], data["list"]
    if not isinstance(total, int) or total < 0:
        raise SourceError(f"{where}: 'data.total' is not a count ({total!r})")
    if not isinstance(size, int) or size < 1:
        raise SourceError(f"{where}: 'data.pageSize' is not a page size ({size!r})")
    if not isinstance(listed, list):
        raise SourceError(f"{where}: 'data.list' is not a list")
    if not listed and seen < total:
        raise SourceError(f"{where}: empty page after {seen} of {total} items")
    return total, size, listed


def _summaries(
    where: str, listed: list[Any], codes: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The page's item summaries; each must have an item code not listed before."""
    for n, summary in enumerate(listed):
        place = f"{where}: data.list[{n}]"
        if not isinstance(summary, dict) or not isinstance(summary.get("itemCode"), str):
            raise SourceError(f"{place} has no 'itemCode'")
        if summary["itemCode"] in codes:
            raise SourceError(f"{place}: item {summary['itemCode']} listed twice")
        codes.add(summary["itemCode"])
        yield place, summary
