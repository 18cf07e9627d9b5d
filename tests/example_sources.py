"""Small sources for the core tests: a catalogue with a child resource, driven by its config.

``mode`` makes it misbehave in the ways the pipeline must survive: raise part-way, hang, yield
rows that fail validation, break a foreign key, leak personal data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

from opendata.plugin import ResourceSpec, Row, Source, SourceError, TransientSourceError, fields

ENTRIES = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer", "constraints": {"required": True}},
        {"name": "title", "title": "信息名称", "type": "string", "searchable": True},
        {
            "name": "category",
            "title": "主题分类",
            "type": "string",
            "filterable": True,
            "constraints": {"enum": ["财政", "档案", "许可", "服务"]},
        },
        {"name": "published", "title": "发布日期", "type": "date", "filterable": True},
        {"name": "amount", "title": "金额（万元）", "type": "number"},
        {"name": "disclosure", "title": "公开属性", "type": "string"},
        {"name": "contact", "title": "联系电话", "type": "string", "publicContact": True},
        {"name": "applicant", "title": "申请人", "type": "string", "private": True},
    ],
    "primaryKey": ["id"],
}
CHANNELS = {
    "fields": [
        {"name": "entry_id", "title": "条目编号", "type": "integer"},
        {"name": "channel", "title": "公开渠道", "type": "string", "filterable": True},
    ],
    "primaryKey": ["entry_id", "channel"],
    "foreignKeys": [
        {"fields": ["entry_id"], "reference": {"resource": "entries", "fields": ["id"]}}
    ],
}
CATEGORIES = ["财政", "档案", "许可", "服务"]
WORDS = ["预算", "档案室", "行政许可", "服务指南", "政务公开", "决算", "办事"]


class ExampleCatalog(Source):
    name = "example_catalog"
    title = "示例公开目录"
    description = "核心测试使用的示例数据源"
    publisher = "测试机关"
    license = "CC-BY-4.0"
    schedule = "0 3 * * *"
    keywords = ("测试", "公开目录")
    origin = "generated"
    resources = (
        ResourceSpec("entries", "公开目录条目", ENTRIES, disclosure_field="disclosure"),
        ResourceSpec("channels", "发布渠道", CHANNELS),
    )

    class Config(Source.Config):
        rows = fields.Integer(load_default=20)
        mode = fields.String(load_default="ok")
        revision = fields.Integer(load_default=0)
        sleep = fields.Float(load_default=0.0)

    def extract(self) -> Iterator[tuple[str, Row]]:
        mode = self.config["mode"]
        n = self.config["rows"]
        for i in range(1, n + 1):
            if mode == "crash" and i == n // 2:
                raise SourceError(f"origin file broken at record {i}")
            if mode == "transient" and i == n // 2:
                raise TransientSourceError("connection refused by origin")
            if mode == "hang" and i == 2:
                time.sleep(self.config["sleep"])
            withheld = i % 10 == 0
            row: Row = {
                "id": i,
                "title": f"关于{WORDS[i % len(WORDS)]}的通知 第{i}号"
                + ("（修订）" * self.config["revision"]),
                "category": CATEGORIES[i % 4],
                "published": date(2018, 1, 1) + timedelta(days=i % 365),
                "amount": round(i * 1.25, 2),
                "disclosure": "不予公开" if withheld else "主动公开",
                "contact": "0432-62345678",
                "applicant": "王秘密",
            }
            if mode == "invalid" and i == 3:
                row["published"] = "not a date"
            if mode == "pii" and i == 4:
                row["title"] = "联系 13912345678"
            yield "entries", row
            if withheld:
                continue
            yield "channels", {"entry_id": i, "channel": "门户网站"}
            if mode == "fk_broken" and i == 5:
                yield "channels", {"entry_id": 100000 + i, "channel": "政务微博"}


class DerivedSummary(Source):
    """A derived source: counts the example catalogue's entries per category."""

    name = "derived_summary"
    title = "示例统计"
    description = "由示例公开目录派生的统计"
    publisher = "测试机关"
    schedule = "0 4 * * *"
    depends_on = ("example_catalog",)
    resources = (
        ResourceSpec(
            "by_category",
            "按主题分类统计",
            {
                "fields": [
                    {"name": "category", "title": "主题分类", "type": "string"},
                    {"name": "count", "title": "条目数", "type": "integer"},
                ],
                "primaryKey": ["category"],
            },
        ),
    )

    def rows(self, resource: str) -> Iterator[Row]:
        counts: dict[str, int] = {}
        for row in self.context.datasets.rows("example_catalog", "entries"):
            counts[row["category"]] = counts.get(row["category"], 0) + 1
        for category, count in sorted(counts.items()):
            yield {"category": category, "count": count}
