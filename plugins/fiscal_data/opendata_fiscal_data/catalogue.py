"""The tables a department's budget and final-account sets are made of.

The reader needs to know little about each table: the name that identifies it in its title row,
the header labels that prove the header block is where it should be, which classification its
科目编码 column follows, and the columns its header holds. Everything else is read from the
sheet.

The column names are declared because they are part of the published keys (``column_name`` of
``final_accounts`` and ``budgets``): a header reworded in the workbook would otherwise rename the
key of every row under it without a word. A header that differs from the declaration fails the
run naming its cell, unless :data:`HEADER_SYNONYMS` (or the source's ``header_synonyms`` option)
declares the wording harmless; then it is read as the declared name, with a warning in the run
report. Lines above a table's title that are not title-area lines (表号, 部门, 单位, 年度) fail
the run too, unless :data:`HARMLESS_ABOVE_TITLE` declares them (an attachment label such as 附件2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTION = "功能分类"
ECONOMIC = "经济分类"
THREE_PUBLIC_MARK = '"三公"'


@dataclass(frozen=True)
class TableKind:
    """A known table: title name, header labels that must be present, code classification,
    and the compound column names of its header (``收入/决算数``), in the order of the template."""

    name: str
    anchors: tuple[str, ...]
    code_system: str | None = None
    columns: tuple[str, ...] = ()

    @property
    def is_three_public(self) -> bool:
        return THREE_PUBLIC_MARK in self.name


_TWO_SIDED = ("收入", "支出", "项目")
_FUNCTION_TABLE = ("科目编码", "科目名称")
_THREE_PUBLIC = ("因公出国(境)费", "公务用车购置及运行费", "公务接待费")


def _under(top: str, *names: str) -> tuple[str, ...]:
    """Columns under a spanning header: 本年支出/合计, 本年支出/基本支出 …"""
    return tuple(f"{top}/{name}" for name in names)


def _two_sided(income: tuple[str, ...], spending: tuple[str, ...]) -> tuple[str, ...]:
    return ("收入/项目", *_under("收入", *income), "支出/项目", *_under("支出", *spending))


#: The code and name columns of a table classified by function (类/款/项) or economic class.
_CODES = ("科目编码/类", "科目编码/款", "科目编码/项", "科目名称")
_ECONOMIC_CODES = ("经济分类科目编码/类", "经济分类科目编码/款", "科目名称")
_SPLIT = ("合计", "基本支出", "项目支出")
_THREE_PUBLIC_COLUMNS = (
    "合计",
    "因公出国(境)费",
    *_under("公务用车购置及运行费", "小计", "公务用车购置费", "公务用车运行费"),
    "公务接待费",
)

#: The nine final-account tables every department publishes (财预〔2018〕… template).
FINAL_ACCOUNTS: tuple[TableKind, ...] = (
    TableKind("收入支出决算总表", _TWO_SIDED, columns=_two_sided(("决算数",), ("决算数",))),
    TableKind(
        "收入决算表",
        _FUNCTION_TABLE,
        FUNCTION,
        (
            *_CODES,
            "本年收入合计",
            "财政拨款收入",
            "上级补助收入",
            "事业收入",
            "经营收入",
            "附属单位上缴收入",
            "其他收入",
        ),
    ),
    TableKind(
        "支出决算表",
        _FUNCTION_TABLE,
        FUNCTION,
        (
            *_CODES,
            "本年支出合计",
            "基本支出",
            "项目支出",
            "上缴上级支出",
            "经营支出",
            "对附属单位补助支出",
        ),
    ),
    TableKind(
        "财政拨款收入支出决算总表",
        _TWO_SIDED,
        columns=_two_sided(("决算数",), ("合计", "一般公共预算财政拨款", "政府性基金预算财政拨款")),
    ),
    TableKind(
        "一般公共预算财政拨款支出决算表",
        _FUNCTION_TABLE,
        FUNCTION,
        (*_CODES, *_under("本年支出", *_SPLIT)),
    ),
    TableKind(
        "一般公共预算财政拨款基本支出决算表",
        _FUNCTION_TABLE,
        ECONOMIC,
        (*_ECONOMIC_CODES, *_under("决算数", "合计", "人员经费", "公用经费")),
    ),
    TableKind(
        '一般公共预算财政拨款"三公"经费支出决算表',
        ("预算数", "决算数", *_THREE_PUBLIC),
        columns=(
            *_under("预算数", *_THREE_PUBLIC_COLUMNS),
            *_under("决算数", *_THREE_PUBLIC_COLUMNS),
        ),
    ),
    TableKind(
        "政府性基金预算财政拨款收入支出决算表",
        _FUNCTION_TABLE,
        FUNCTION,
        (*_CODES, "年初结转和结余", "本年收入", *_under("本年支出", *_SPLIT), "年末结转和结余"),
    ),
    TableKind(
        "国有资本经营预算财政拨款支出决算表",
        _FUNCTION_TABLE,
        FUNCTION,
        (*_CODES, *_under("本年支出", *_SPLIT)),
    ),
)

#: The budget tables of the 部门预算 set (the province's eight-table template).
BUDGETS: tuple[TableKind, ...] = (
    TableKind("部门收支总表", _TWO_SIDED, columns=_two_sided(("预算数",), ("预算数",))),
    TableKind(
        "部门收入总表",
        _FUNCTION_TABLE,
        FUNCTION,
        (*_CODES, "合计", "一般公共预算拨款", "政府性基金预算拨款", "其他收入"),
    ),
    TableKind("部门支出总表", _FUNCTION_TABLE, FUNCTION, (*_CODES, *_SPLIT)),
    TableKind(
        "财政拨款收支总表",
        _TWO_SIDED,
        columns=_two_sided(("预算数",), ("合计", "一般公共预算拨款", "政府性基金预算拨款")),
    ),
    TableKind("一般公共预算支出表", _FUNCTION_TABLE, FUNCTION, (*_CODES, *_SPLIT)),
    TableKind(
        "一般公共预算基本支出表",
        _FUNCTION_TABLE,
        ECONOMIC,
        (*_ECONOMIC_CODES, "合计", "人员经费", "公用经费"),
    ),
    TableKind('一般公共预算"三公"经费支出表', _THREE_PUBLIC, columns=_THREE_PUBLIC_COLUMNS),
    TableKind(
        "政府性基金预算支出表",
        _FUNCTION_TABLE,
        FUNCTION,
        (*_CODES, *_under("本年政府性基金预算支出", *_SPLIT)),
    ),
)

#: Header wordings that mean the same column as the template's, declared harmless: a header
#: cell reading the key is published under the value's name (so no key changes), with a
#: warning naming the cell. Compared after :func:`.xlsxtable.norm` (no spaces, ASCII brackets).
#: A deployment adds its own with the source option ``header_synonyms``.
HEADER_SYNONYMS: dict[str, str] = {
    "本年支出总计": "本年支出合计",
    "本年收入总计": "本年收入合计",
    "公务用车购置及运行维护费": "公务用车购置及运行费",
}

#: Lines that may stand above a table's title and carry nothing to publish (the attachment
#: label of the document the table was issued with); each is skipped with a warning.
HARMLESS_ABOVE_TITLE: tuple[re.Pattern[str], ...] = (
    re.compile(r"^附件[\d一二三四五六七八九十]*[：:]?$"),
    re.compile(r"^附表[\d一二三四五六七八九十-]*[：:]?$"),
)

#: Header labels of a table listed in a workbook's 目录 but not known above: it must at least
#: name its rows.
GENERIC_ANCHORS: tuple[str, ...] = ()
