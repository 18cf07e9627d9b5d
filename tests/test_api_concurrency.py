"""Refresh never disturbs readers: every response comes wholly from one version, never an error.

Reader threads query rows, download CSV and read datapackage.json while the main thread
publishes new revisions (each one appends 「（修订）」 to every title) with KEEP_VERSIONS=2, so
that versions are pruned under the readers. Each response names its version in a header; its
body must be what that version holds.
"""

from __future__ import annotations

import threading
from typing import Any

from example_sources import ExampleCatalog

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh

BASE = "/api/v1/datasets/example_catalog"
URLS = (
    f"{BASE}/resources/entries/rows?_size=50&q=通知",
    f"{BASE}/resources/entries.csv",
    f"{BASE}/resources/entries.json?category=档案",
    f"{BASE}/datapackage.json",
)


def revision_of(url: str, body: bytes, data: Any) -> set[int]:
    """The revisions the body shows (one, if it comes from a single version)."""
    if url.endswith("datapackage.json"):
        return set()
    titles = (
        [r["title"] for r in data["rows"]]
        if "/rows" in url
        else [r["title"] for r in data]
        if ".json" in url
        else [line.split(",")[1] for line in body.decode().splitlines()[1:]]
    )
    return {t.count("（修订）") for t in titles}


def test_readers_see_one_version_across_publish_and_prune(
    config: dict[str, Any], make_services: Any, database_url: str
) -> None:
    cfg = {**config, "KEEP_VERSIONS": 2, "DATABASE_URL": database_url}
    svc = make_services(ExampleCatalog, KEEP_VERSIONS=2, DATABASE_URL=database_url)
    first = refresh(svc, "example_catalog")
    assert first.ok
    app = create_app({**cfg, "TESTING": True})
    revisions = {first.version: 0}
    seen: list[tuple[str, str, set[int], str | None]] = []
    failures: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        client = app.test_client()
        while not stop.is_set():
            for url in URLS:
                resp = client.get(url)
                if resp.status_code != 200:
                    failures.append(f"{url}: {resp.status_code} {resp.data[:200]!r}")
                    continue
                version = resp.headers["X-Opendata-Version"]
                data = resp.get_json(silent=True)
                pkg_version = data["version"] if url.endswith("datapackage.json") else None
                seen.append((url, version, revision_of(url, resp.data, data), pkg_version))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for revision in range(1, 6):
            svc.registry = make_services(
                ExampleCatalog,
                DATABASE_URL=database_url,
                options={"example_catalog": {"revision": revision}},
            ).registry
            result = refresh(svc, "example_catalog")
            assert result.ok and result.version
            revisions[result.version] = revision
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    services_of(app).close()
    assert not failures, failures[:3]
    assert len({v for _, v, _, _ in seen}) >= 2, "readers never saw a publish"
    for url, version, shown, pkg_version in seen:
        if pkg_version is not None:
            assert pkg_version == version, url
        else:
            assert shown == {revisions[version]}, (url, version, shown)
    assert len(services_of(app).catalog.versions("example_catalog")) == 2
