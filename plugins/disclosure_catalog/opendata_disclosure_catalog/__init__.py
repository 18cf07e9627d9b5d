"""The 政府信息公开目录 source: catalogue entries, their publications per channel, 回应解读.

The origin is what the office's systems export: a CSV of the document system (one row per
document, encoded as declared in config, GB18030 by default) and the XLSX ledger of responses
to public concern. The sample origin shipped in ``sample/`` was written by
:mod:`opendata_disclosure_catalog.samplegen` and reproduces the 2018 annual report's figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from opendata.plugin import ResourceSpec, Row, Source, ValidationError, fields

from .catalog_csv import check_encoding, read_catalog
from .responses_xlsx import read_responses

__all__ = ["DisclosureCatalog"]

SAMPLE_CATALOG = "catalog.csv"
SAMPLE_RESPONSES = "responses.xlsx"


def _valid_encoding(value: str) -> None:
    try:
        check_encoding(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class DisclosureCatalog(Source):
    """政府信息公开目录 of 吉林经济技术开发区管委会, read from document-system exports."""

    name = "disclosure_catalog"
    title = "政府信息公开目录"
    title_en = "Government information disclosure catalogue"
    description = (
        "吉林经济技术开发区管委会主动公开的政府信息目录：每条信息的索引号、信息名称、内容概述、"
        "生成日期、发布日期、发布机构、文号、主题分类、体裁分类和有效性；每条信息在政务公开网、"
        "门户网站、微信公众号、政务微博、政府公报、公告栏、报刊等渠道的发布记录；"
        "以及回应公众关注热点和政策解读的记录。依申请公开和不予公开的信息不予发布。"
    )
    publisher = "吉林经济技术开发区管理委员会"
    license = "CC-BY-4.0"
    schedule = "0 2 * * *"
    keywords = ("政府信息公开", "公开目录", "主动公开", "回应解读", "政策解读", "索引号")
    origin_title = "公文管理系统导出的公开目录（CSV，GB18030）与回应解读工作台账（XLSX）"
    samples: ClassVar[Mapping[str, str]] = {
        "catalog_csv": f"sample/{SAMPLE_CATALOG}",
        "responses_xlsx": f"sample/{SAMPLE_RESPONSES}",
    }
    resources = (
        ResourceSpec(
            "entries",
            "公开目录条目",
            "schemas/entries.json",
            description="政府信息公开目录中的每条信息，以索引号为主键；只发布主动公开的条目。",
            disclosure_field="disclosure",
        ),
        ResourceSpec(
            "publications",
            "信息发布记录",
            "schemas/publications.json",
            description="每条目录信息在各公开渠道上的发布记录，一条信息在一个渠道上一行。",
            disclosure_field="disclosure",
            charts=(
                {
                    "name": "publications_by_channel_year",
                    "title": "各渠道每年发布条数",
                    "title_en": "Publications per channel and year",
                    "kind": "bar",
                    "x": "published:year",
                    "y": "_count",
                    "series": "channel",
                },
            ),
        ),
        ResourceSpec(
            "responses",
            "回应解读记录",
            "schemas/responses.json",
            description="回应公众关注热点、重大舆情和解读政策的记录，按回应方式分类。",
        ),
    )

    class Config(Source.Config):
        """Where the exports are; ``None`` reads the sample origin shipped with the package."""

        catalog_csv = fields.String(
            load_default=None, allow_none=True, metadata={"description": "公开目录 CSV 的路径"}
        )
        encoding = fields.String(
            load_default="gb18030",
            validate=_valid_encoding,
            metadata={"description": "CSV 的字符编码（声明而非猜测），默认 gb18030"},
        )
        responses_xlsx = fields.String(
            load_default=None, allow_none=True, metadata={"description": "回应解读台账 XLSX"}
        )
        responses_sheet = fields.String(
            load_default=None,
            allow_none=True,
            metadata={"description": "台账所在工作表名称；为空时读取第一个工作表"},
        )
        ignored_columns = fields.List(
            fields.String(),
            load_default=list,
            metadata={
                "description": "导出文件或台账中有意不读取的列标题（不发布；每次运行记一条警告）；"
                "其他未知列标题会使运行失败"
            },
        )

    def _index_pattern(self) -> re.Pattern[str]:
        # The schema's pattern constraint is the single definition of a valid 索引号: the
        # reader applies the very same expression, but names the CSV line when it fails.
        schema = self.load_schema(self.resource("entries"))
        index_field = next(f for f in schema["fields"] if f["name"] == "index_no")
        return re.compile(index_field["constraints"]["pattern"])

    def extract(self) -> Iterator[tuple[str, Row]]:
        """One pass over the CSV feeds entries and publications; then the ledger is read.

        Only the 公开属性 of each 索引号 is kept in memory, to check the ledger's references.
        """
        disclosure_of: dict[str, str | None] = {}
        ignored = frozenset(self.config["ignored_columns"])
        for entry in read_catalog(
            self.origin("catalog_csv"),
            self.config["encoding"],
            self._index_pattern(),
            self.context.warnings,
            ignored,
        ):
            disclosure_of[entry.index_no] = entry.disclosure
            yield "entries", entry.entry_row()
            for row in entry.publication_rows():
                yield "publications", row
        for row in read_responses(
            self.origin("responses_xlsx"),
            self.config.get("responses_sheet"),
            disclosure_of,
            ignored=ignored,
            warnings=self.context.warnings,
        ):
            yield "responses", row
