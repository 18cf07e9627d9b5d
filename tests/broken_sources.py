"""Sources that break the contract, each in a different way (discovery must refuse them)."""

from __future__ import annotations

from collections.abc import Iterator

from example_sources import ExampleCatalog

from opendata.plugin import ResourceSpec, Row, Source, fields


class BadSchema(Source):
    name = "bad_schema"
    title = "坏的模式"
    description = "字段类型写错了"
    publisher = "测试机关"
    resources = (
        ResourceSpec(
            "items",
            "条目",
            {"fields": [{"name": "id", "title": "编号", "type": "intger"}], "primaryKey": ["id"]},
        ),
    )

    def rows(self, resource: str) -> Iterator[Row]:
        yield {"id": 1}


class EnglishTitles(ExampleCatalog):
    name = "english_titles"
    resources = (
        ResourceSpec(
            "items", "条目", {"fields": [{"name": "id", "title": "Identifier", "type": "integer"}]}
        ),
    )


class NeedsUrl(ExampleCatalog):
    name = "needs_url"

    class Config(Source.Config):
        base_url = fields.Url(required=True)


class NotASource:
    name = "not_a_source"
