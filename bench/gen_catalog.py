"""Seeded generator of a disclosure-catalogue resource of N rows, with its Table Schema.

    python bench/gen_catalog.py 1000000 bench/data/catalog-1000000 [heavy|light]

writes ``catalog.csv`` (UTF-8) and ``schema.json`` into the folder. Chinese titles, dates,
enumerations, integers, numbers and empty cells, like a document system's export.

Two schemas (issue 17): ``heavy``, the document system's catalogue with a pattern on the key and
enumerations and bounds on most fields, which slow ``frictionless validate`` to ~14k rows/s; and
``light``, 10 columns with an integer ``id`` as primary key, two enumerations, a date, a number,
Chinese titles, 4 fields ``filterable`` and the title ``searchable``, no pattern — the kind of
table frictionless validates ~3× faster, so a refresh budget stated against it is the harder one.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PUBLISHERS = [
    "管委会办公室",
    "财政局",
    "规划建设局",
    "经济发展局",
    "社会事业局",
    "应急管理局",
    "行政审批局",
]
SUBJECTS = ["财政", "档案", "行政许可", "服务指南", "规划", "环境保护", "安全生产", "人事", "统计"]
GENRES = ["通知", "意见", "决定", "公告", "报告", "通报", "批复", "函"]
VALIDITY = ["有效", "失效", "废止"]
WORDS = [
    "关于",
    "进一步",
    "加强",
    "做好",
    "年度",
    "预算",
    "决算",
    "档案",
    "管理",
    "工作",
    "服务",
    "指南",
    "行政许可",
    "事项",
    "办理",
    "公开",
    "政务",
    "信息",
    "安全",
    "生产",
    "检查",
    "开发区",
    "企业",
    "项目",
    "建设",
    "规划",
    "审批",
    "实施",
    "方案",
    "通知",
]

SCHEMA = {
    "fields": [
        {
            "name": "index_no",
            "title": "索引号",
            "type": "string",
            "constraints": {"required": True, "pattern": "[0-9]{9}/[0-9]{4}-[0-9]{7}"},
        },
        {
            "name": "title",
            "title": "信息名称",
            "type": "string",
            "constraints": {"required": True},
            "searchable": True,
        },
        {"name": "summary", "title": "内容概述", "type": "string"},
        {"name": "made", "title": "生成日期", "type": "date"},
        {
            "name": "published",
            "title": "发布日期",
            "type": "date",
            "constraints": {"required": True},
            "filterable": True,
        },
        {
            "name": "publisher",
            "title": "发布机构",
            "type": "string",
            "constraints": {"enum": PUBLISHERS},
            "filterable": True,
        },
        {"name": "doc_number", "title": "文号", "type": "string"},
        {
            "name": "subject",
            "title": "主题分类",
            "type": "string",
            "constraints": {"enum": SUBJECTS},
            "filterable": True,
        },
        {"name": "genre", "title": "体裁分类", "type": "string", "constraints": {"enum": GENRES}},
        {
            "name": "validity",
            "title": "有效性",
            "type": "string",
            "constraints": {"enum": VALIDITY},
        },
        {"name": "pages", "title": "页数", "type": "integer", "constraints": {"minimum": 1}},
        {
            "name": "amount",
            "title": "涉及金额（万元）",
            "type": "number",
            "constraints": {"minimum": 0},
        },
    ],
    "primaryKey": ["index_no"],
}


LIGHT_SCHEMA = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer", "constraints": {"required": True}},
        {
            "name": "title",
            "title": "信息名称",
            "type": "string",
            "constraints": {"required": True},
            "searchable": True,
        },
        {"name": "summary", "title": "内容概述", "type": "string"},
        {"name": "published", "title": "发布日期", "type": "date", "filterable": True},
        {
            "name": "publisher",
            "title": "发布机构",
            "type": "string",
            "constraints": {"enum": PUBLISHERS},
            "filterable": True,
        },
        {"name": "doc_number", "title": "文号", "type": "string"},
        {
            "name": "subject",
            "title": "主题分类",
            "type": "string",
            "constraints": {"enum": SUBJECTS},
            "filterable": True,
        },
        {"name": "genre", "title": "体裁分类", "type": "string"},
        {"name": "pages", "title": "页数", "type": "integer", "filterable": True},
        {"name": "amount", "title": "涉及金额（万元）", "type": "number"},
    ],
    "primaryKey": ["id"],
}

SCHEMAS: dict[str, dict[str, Any]] = {"heavy": SCHEMA, "light": LIGHT_SCHEMA}
#: Columns of the heavy row that the light schema keeps, in its order (``id`` is made apart).
_LIGHT_FROM_HEAVY = [1, 2, 4, 5, 6, 7, 8, 10, 11]


def rows(n: int, seed: int = 2018):  # type: ignore[no-untyped-def]
    rnd = random.Random(seed)
    start = date(2010, 1, 1)
    for i in range(1, n + 1):
        made = start + timedelta(days=rnd.randrange(5000))
        title = "".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 9)))
        yield [
            f"014416330/{made.year}-{i:07d}",
            title,
            "" if rnd.random() < 0.3 else title + "的主要内容和要求",
            made.isoformat(),
            (made + timedelta(days=rnd.randrange(20))).isoformat(),
            rnd.choice(PUBLISHERS),
            "" if rnd.random() < 0.5 else f"吉经开管办发〔{made.year}〕{rnd.randint(1, 200)}号",
            rnd.choice(SUBJECTS),
            rnd.choice(GENRES),
            rnd.choice(VALIDITY),
            str(rnd.randint(1, 60)),
            "" if rnd.random() < 0.4 else f"{rnd.random() * 1000:.2f}",
        ]


def light_rows(n: int, seed: int = 2018):  # type: ignore[no-untyped-def]
    """The same generated rows projected onto :data:`LIGHT_SCHEMA` (id = row number)."""
    for i, cells in enumerate(rows(n, seed), 1):
        yield [str(i), *(cells[c] for c in _LIGHT_FROM_HEAVY)]


def generate(n: int, folder: Path, seed: int = 2018, schema: str = "heavy") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    table = SCHEMAS[schema]
    with (folder / "catalog.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([f["name"] for f in table["fields"]])
        writer.writerows(light_rows(n, seed) if schema == "light" else rows(n, seed))
    (folder / "schema.json").write_text(
        json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return folder


if __name__ == "__main__":
    generate(
        int(sys.argv[1]), Path(sys.argv[2]), schema=sys.argv[3] if len(sys.argv) > 3 else "heavy"
    )
