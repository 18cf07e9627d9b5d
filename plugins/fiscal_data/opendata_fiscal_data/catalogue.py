"""The tables a department's budget and final-account sets are made of.

The reader needs to know little about each table: the name that identifies it in its title row,
the header labels that prove the header block is where it should be, and which classification
its 科目编码 column follows. Everything else is read from the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

FUNCTION = "功能分类"
ECONOMIC = "经济分类"
THREE_PUBLIC_MARK = '"三公"'


@dataclass(frozen=True)
class TableKind:
    """A known table: title name, header labels that must be present, code classification."""

    name: str
    anchors: tuple[str, ...]
    code_system: str | None = None

    @property
    def is_three_public(self) -> bool:
        return THREE_PUBLIC_MARK in self.name


_TWO_SIDED = ("收入", "支出", "项目")
_FUNCTION_TABLE = ("科目编码", "科目名称")
_THREE_PUBLIC = ("因公出国(境)费", "公务用车购置及运行费", "公务接待费")

#: The nine final-account tables every department publishes (财预〔2018〕… template).
FINAL_ACCOUNTS: tuple[TableKind, ...] = (
    TableKind("收入支出决算总表", _TWO_SIDED),
    TableKind("收入决算表", _FUNCTION_TABLE, FUNCTION),
    TableKind("支出决算表", _FUNCTION_TABLE, FUNCTION),
    TableKind("财政拨款收入支出决算总表", _TWO_SIDED),
    TableKind("一般公共预算财政拨款支出决算表", _FUNCTION_TABLE, FUNCTION),
    TableKind("一般公共预算财政拨款基本支出决算表", _FUNCTION_TABLE, ECONOMIC),
    TableKind('一般公共预算财政拨款"三公"经费支出决算表', ("预算数", "决算数", *_THREE_PUBLIC)),
    TableKind("政府性基金预算财政拨款收入支出决算表", _FUNCTION_TABLE, FUNCTION),
    TableKind("国有资本经营预算财政拨款支出决算表", _FUNCTION_TABLE, FUNCTION),
)

#: The budget tables of the 部门预算 set (the province's eight-table template).
BUDGETS: tuple[TableKind, ...] = (
    TableKind("部门收支总表", _TWO_SIDED),
    TableKind("部门收入总表", _FUNCTION_TABLE, FUNCTION),
    TableKind("部门支出总表", _FUNCTION_TABLE, FUNCTION),
    TableKind("财政拨款收支总表", _TWO_SIDED),
    TableKind("一般公共预算支出表", _FUNCTION_TABLE, FUNCTION),
    TableKind("一般公共预算基本支出表", _FUNCTION_TABLE, ECONOMIC),
    TableKind('一般公共预算"三公"经费支出表', _THREE_PUBLIC),
    TableKind("政府性基金预算支出表", _FUNCTION_TABLE, FUNCTION),
)

#: Header labels of a table listed in a workbook's 目录 but not known above: it must at least
#: name its rows.
GENERIC_ANCHORS: tuple[str, ...] = ()
