"""The portal's table view and the Excel-ready XLSX on a 100,000-row resource (issue 14).

Not a test: prints timings (medians, wall clock, on whatever else the machine is doing).

    .venv/bin/python bench/bench_portal.py [--rows 100000] [--xlsx-baseline PATH]

- the table view: first page, a page deep in the keyset traversal, a filtered and sorted page
  (with its facet counts), a row's detail, each as a Flask test-client request;
- the XLSX of the whole resource: ``write_xlsx`` as it stands, and, with ``--xlsx-baseline``,
  another copy of ``opendata/read/xlsx.py`` (e.g. ``git show <rev>:opendata/read/xlsx.py``)
  on the same rows, alternated, in CPU seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from opendata.app import create_app
from opendata.config import load_config
from opendata.pipeline.refresh import refresh
from opendata.plugin import ResourceSpec, Row, Source, fields
from opendata.services import Services
from opendata.sources.discovery import LoadedSource, Registry
from opendata.sources.discovery import load_config as load_source_config
from opendata.testing import prepare_database

CATEGORIES = ["财政", "档案", "许可", "服务", "公开", "监督"]
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer", "constraints": {"required": True}},
        {"name": "title", "title": "信息名称", "type": "string", "searchable": True},
        {
            "name": "category",
            "title": "主题分类",
            "type": "string",
            "filterable": True,
            "constraints": {"enum": CATEGORIES},
        },
        {"name": "published", "title": "发布日期", "type": "date", "filterable": True},
        {"name": "amount", "title": "金额（万元）", "type": "number", "filterable": True},
        {"name": "open", "title": "是否公开", "type": "boolean", "filterable": True},
    ],
    "primaryKey": ["id"],
}


class PortalBench(Source):
    name = "portal_bench"
    title = "门户基准"
    description = "表格视图基准测试数据"
    publisher = "基准测试"
    schedule = "0 5 * * *"
    origin_title = "generated"
    resources = (ResourceSpec("entries", "公开目录条目", SCHEMA),)

    class Config(Source.Config):
        rows = fields.Integer(load_default=100_000)

    def rows(self, resource: str, count: int | None = None) -> Iterator[Row]:
        for i in range(1, (count or self.config["rows"]) + 1):
            yield {
                "id": i,
                "title": f"关于第{i}号事项的通知",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "published": date(2015, 1, 1) + timedelta(days=i % 3000),
                "amount": round((i * 7919) % 100000 / 100, 2),
                "open": i % 3 != 0,
            }


def median_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("baseline_exports", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_xlsx(rows: int, baseline: Path | None) -> dict[str, float]:
    from opendata.read import xlsx

    def data() -> Iterator[dict[str, Any]]:
        for row in PortalBench.rows(None, "entries", rows):  # type: ignore[arg-type]
            yield {**row, "published": row["published"].isoformat()}

    writers = {"now": xlsx.write_xlsx}
    if baseline is not None:
        writers["baseline"] = _module(baseline).write_xlsx
    best: dict[str, float] = {}
    for _ in range(3):
        for name, write in writers.items():
            start = time.process_time()
            write(io.BytesIO(), "公开目录条目", SCHEMA["fields"], data())
            spent = time.process_time() - start
            best[name] = min(best.get(name, spent), spent)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx-baseline", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = load_config(
            {
                "INSTANCE_PATH": str(root / "instance"),
                "DATASETS_PATH": str(root / "datasets"),
                "DATABASE_URL": f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}",
            },
            environ={},
        )
        prepare_database(config["DATABASE_URL"])
        services = Services.from_config(config)
        services.registry = Registry()
        loaded = load_source_config(PortalBench, {"rows": args.rows})
        services.registry.sources["portal_bench"] = LoadedSource(PortalBench, loaded, "bench")
        start = time.perf_counter()
        assert refresh(services, "portal_bench").ok
        print(f"refresh of {args.rows:,} rows: {time.perf_counter() - start:.1f} s")
        app = create_app(config)
        client = app.test_client()
        page = "/datasets/portal_bench/entries"

        def get(url: str) -> Any:
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
            return resp

        # a page 100 keyset pages deep (10,000 rows in), reached by following the tokens
        url = page + "?_size=100&_sort=amount"
        for _ in range(100):
            body = get(url.replace(page, "/api/v1/datasets/portal_bench/resources/entries/rows"))
            url = page + "?" + body.json["next_url"].split("?", 1)[1]
        cases = {
            "first page": page,
            "page 101 (keyset, sorted by amount)": url,
            "filtered + sorted (category, date range, facets)": page
            + "?category=档案&published__gte=2018-01-01&_sort_desc=published",
            "full text q": page + "?q=通知",
            "row detail": page + "/rows/54321",
        }
        for name, case in cases.items():
            get(case)  # warm: statement cache, facet counts
            print(f"{name}: {median_ms(partial(get, case)):.0f} ms")
        services.close()
    best = bench_xlsx(args.rows, args.xlsx_baseline)
    print("xlsx write, best CPU s of 3: " + ", ".join(f"{k} {v:.2f}" for k, v in best.items()))


if __name__ == "__main__":
    main()
