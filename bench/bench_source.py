"""The source plugin the benchmarks refresh: reads a generated catalogue CSV as it stands."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from gen_catalog import SCHEMA

from opendata.plugin import ResourceSpec, Row, Source, fields


class BenchCatalog(Source):
    name = "bench_catalog"
    title = "基准测试公开目录"
    description = "基准测试用的生成公开目录（bench/gen_catalog.py）"
    publisher = "基准测试"
    schedule = "0 5 * * *"
    origin = "bench/gen_catalog.py"
    resources = (ResourceSpec("entries", "公开目录条目", SCHEMA),)

    class Config(Source.Config):
        csv_path = fields.String(required=True)

    def rows(self, resource: str) -> Iterator[Row]:
        with Path(self.config["csv_path"]).open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            names = next(reader)
            for cells in reader:
                yield dict(zip(names, cells, strict=True))
