"""Closed vocabularies and small parsers shared by the catalogue and response readers.

The vocabularies here mirror the ``enum`` constraints of the Table Schemas in ``schemas/``;
a test checks that they agree, so the reader refuses exactly what validation would refuse,
but earlier and with the origin's line or cell in the message.
"""

from __future__ import annotations

import datetime as dt
import re

#: Publication channels (发布渠道), in the order of the provincial statistics sheet.
CHANNELS: tuple[str, ...] = (
    "政务公开网",
    "门户网站",
    "微信公众号",
    "政务微博",
    "政府公报",
    "公告栏",
    "报刊",
    "其他",
)

#: Names document systems use for the same channels. Only unambiguous synonyms: mapping a
#: doubtful name would silently move publications between the report's columns.
CHANNEL_ALIASES: dict[str, str] = {
    "政务公开专栏": "政务公开网",
    "政府信息公开网": "政务公开网",
    "政府门户网站": "门户网站",
    "门户网": "门户网站",
    "微信公众平台": "微信公众号",
    "微信": "微信公众号",
    "微博": "政务微博",
    "官方微博": "政务微博",
    "公报": "政府公报",
    "公开栏": "公告栏",
    "报纸": "报刊",
    "其它": "其他",
}

#: 公开属性 values (政府信息公开条例). Only the first may ever be published.
DISCLOSURE_VALUES: tuple[str, ...] = ("主动公开", "依申请公开", "不予公开")

DISCLOSURE_ALIASES: dict[str, str] = {
    "不公开": "不予公开",
    "免予公开": "不予公开",
}

#: 有效性 of a document.
VALIDITY_VALUES: tuple[str, ...] = ("有效", "失效", "废止")

#: 文件类型: the kinds Table 二 of the annual report counts (Art. 20(一)), and 其他.
DOC_KINDS: tuple[str, ...] = ("规章", "行政规范性文件", "其他")
#: Kinds whose repeal Table 二 counts: a 废止 one must say when.
NORMATIVE_KINDS: tuple[str, ...] = ("规章", "行政规范性文件")

DOC_KIND_ALIASES: dict[str, str] = {
    "规范性文件": "行政规范性文件",
    "其他文件": "其他",
}

#: 回应解读 methods, as in the provincial statistics sheet (and the national format).
RESPONSE_METHODS: tuple[str, ...] = ("新闻发布会", "在线访谈", "政策解读稿件", "微博微信", "其他")

RESPONSE_METHOD_ALIASES: dict[str, str] = {
    "发布会": "新闻发布会",
    "政策解读": "政策解读稿件",
    "解读稿件": "政策解读稿件",
    "微博": "微博微信",
    "微信": "微博微信",
    "微博、微信": "微博微信",
    "其他方式": "其他",
    "其它": "其他",
}

_DATE_PATTERNS = (
    # 2018-03-05, 2018/3/5, 2018.03.05, optionally followed by a time the export appended
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(text: str) -> dt.date | None:
    """Parse a date as Chinese office software writes it; ``None`` for an empty cell.

    Raises ``ValueError`` for text that is not a date, so the caller can name the place.
    """
    text = text.strip()
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)  # raises ValueError for 2018-02-30
    raise ValueError(f"not a date: {text!r}")


def normalise(value: str, allowed: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    """Return the canonical spelling of ``value`` or ``None`` when it is not in the vocabulary."""
    value = value.strip()
    if value in allowed:
        return value
    return aliases.get(value)
