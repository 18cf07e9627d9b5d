"""A source for the multi-node test: every refresh publishes different content.

Each refresh stamps all its rows with one ``tick`` (nanoseconds), so a new version is published
every time (and the oldest pruned), and a page of rows shows which refresh wrote it: every row
of a page must carry the tick of the version the response names.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from opendata.plugin import ResourceSpec, Row, Source

ROWS = 300


class Ticker(Source):
    name = "ticker"
    title = "刷新计时"
    description = "多节点测试数据：每次刷新内容不同"
    publisher = "测试机关"
    license = "CC-BY-4.0"
    schedule = "0 3 * * *"  # the test sets @every 3s in [scheduler.schedules]
    resources = (
        ResourceSpec(
            "ticks",
            "刻度",
            {
                "fields": [
                    {"name": "id", "title": "编号", "type": "integer"},
                    {"name": "tick", "title": "刷新时刻", "type": "integer"},
                    {"name": "label", "title": "标签", "type": "string"},
                ],
                "primaryKey": ["id"],
            },
        ),
    )

    def rows(self, resource: str) -> Iterator[Row]:
        tick = time.time_ns()
        for i in range(1, ROWS + 1):
            yield {"id": i, "tick": tick, "label": f"第{i}行"}
