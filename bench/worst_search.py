"""The worst search inputs of issue 12 against a published 1,000,000-row resource.

    python bench/worst_search.py WORKDIR [DATABASE_URL]

WORKDIR is a refresh work folder of ``refresh_child.py`` (``instance/``, ``datasets/``), e.g.
``bench/out/work-1000000`` after ``make bench``; DATABASE_URL defaults to its SQLite catalog.
Each input is sent through the whole app (Flask's test client: routing, bounds, the store) and
answered within the bounds or refused; prints one line per input and a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from opendata.app import create_app
from opendata.config import load_config
from opendata.testing import prepare_database

CKAN = "/api/3/action"
ROWS = "/api/v1/datasets/bench_catalog/resources/entries/rows"
RES = "bench_catalog.entries"
#: Common words of the generated titles (bench/gen_catalog.py): their bigrams have the longest
#: posting lists, the costliest phrases.
COMMON = ["关于加强项目预算档案决算管理工作", "服务指南行政许可事项办理公开政务"]


def _cases() -> list[tuple[str, str, str, Any]]:
    # The largest accepted q of the default [limits]: 6 words of 16 characters.
    long_words = [(w * 4)[i : i + 16] for w in COMMON for i in range(3)]
    return [
        (
            "datastore_search q 26 KB repeated word",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": "档案 " * 8_700},
        ),
        (
            "datastore_search q 130 KB repeated word",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": "档案 " * 43_500},
        ),
        (
            "datastore_search q 260 KB repeated word",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": "档案 " * 87_000},
        ),
        (
            "datastore_search q object 60,000 chars",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": {"title": "档" * 60_000}},
        ),
        ("package_search q 1 MB", "POST", f"{CKAN}/package_search", {"q": "档案 " * 350_000}),
        (
            "datastore_search q 6 common words x 16 chars (the bound)",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": " ".join(long_words)},
        ),
        (
            "datastore_search q one word x 6 (repeated, the bound)",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": " ".join([long_words[0]] * 6)},
        ),
        (
            "datastore_search q object 128 chars (LIKE, no match)",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": {"title": "档案" * 64}},
        ),
        (
            "datastore_search q object 2 chars (LIKE, common)",
            "POST",
            f"{CKAN}/datastore_search",
            {"resource_id": RES, "q": {"title": "档案"}},
        ),
        ("rows q 6 common words x 16 chars", "GET", ROWS, {"q": " ".join(long_words)}),
        ("rows title__contains 128 chars", "GET", ROWS, {"title__contains": "预算" * 64}),
        (
            "rows q 6 common two-character words",
            "GET",
            ROWS,
            {"q": "关于 加强 项目 预算 档案 决算"},
        ),
    ]


def main() -> None:
    workdir = Path(sys.argv[1])
    url = (
        sys.argv[2]
        if len(sys.argv) > 2
        else (f"sqlite:///{workdir / 'instance' / 'opendata.sqlite3'}")
    )
    prepare_database(url)
    config = load_config(
        {
            "INSTANCE_PATH": str(workdir / "instance"),
            "DATASETS_PATH": str(workdir / "datasets"),
            "DATABASE_URL": url,
        },
        environ={},
    )
    client = create_app(config).test_client()
    out = []
    for name, method, path, body in _cases():
        started = time.perf_counter()
        if method == "POST":
            response = client.post(path, json=body)
        else:
            response = client.get(path, query_string=body)
        took = time.perf_counter() - started
        print(f"{took:7.3f} s  HTTP {response.status_code}  {name}", flush=True)
        out.append({"input": name, "status": response.status_code, "seconds": round(took, 3)})
    print(json.dumps({"database": url.split(":")[0], "results": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
