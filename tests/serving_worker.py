"""A web worker as gunicorn runs one (``wsgi:app`` from OPENDATA_* variables), made to serve
every endpoint once; prints what it imported and any 5xx, as JSON. Run by
tests/test_serving_imports.py in a process of its own, so that nothing the test imports counts.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

FORBIDDEN = ("opendata.sources", "opendata.pipeline", "opendata.scheduler", "opendata.testing")
FORBIDDEN_EXACT = ("opendata.report.source",)


def _urls(app: Any, dataset: str, version: str) -> list[tuple[str, str]]:
    from opendata.api.ckan.actions import ACTIONS

    values = {
        "name": dataset,
        "res": "entries",
        "v": version,
        "run_id": 1,
        "year": 2018,
        "resource_id": f"{dataset}.entries",
        "row_id": 1,
    }
    found: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if "filename" in rule.arguments:
            continue  # static files: no code of ours runs
        if "logic_function" in rule.arguments:
            for action in ACTIONS:
                url = rule.rule.replace("<logic_function>", action)
                found.append(("GET", f"{url}?id={dataset}&resource_id={dataset}.entries"))
            continue
        args = {k: v for k, v in values.items() if k in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args, **(rule.defaults or {}))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def main() -> int:
    import wsgi

    app = wsgi.app
    client = app.test_client()
    auth = {"Authorization": f"Bearer {os.environ['TEST_TOKEN']}"}
    failures = []
    urls = _urls(app, os.environ["TEST_DATASET"], os.environ["TEST_VERSION"])
    for method, url in urls:
        resp = client.open(url, method=method, headers=auth if method == "POST" else {})
        resp.get_data()  # stream the whole body: lazy imports happen while streaming too
        if resp.status_code >= 500:
            failures.append(f"{method} {url}: {resp.status_code}")
    loaded = sorted(
        m
        for m in sys.modules
        if m.startswith(FORBIDDEN)
        or m in FORBIDDEN_EXACT
        or (m.startswith("opendata_") and m.split(".")[0] != "opendata")
    )
    print(json.dumps({"served": len(urls), "failures": failures, "loaded": loaded}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
