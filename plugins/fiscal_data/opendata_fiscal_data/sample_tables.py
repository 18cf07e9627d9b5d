"""The sample final-account and budget tables, built from :mod:`.sample_figures`.

Every total is summed from the leaf figures, so 类 = Σ 款 = Σ 项, 合计 = Σ 类 and
收入总计 = 支出合计 + 年末结转和结余 hold in every table.
"""

from __future__ import annotations

import random
from typing import Any

from .catalogue import BUDGETS, FINAL_ACCOUNTS
from .sample_figures import (
    ECONOMIC_CLASSES,
    ECONOMIC_ITEMS,
    FUNCTION_NAMES,
    ORG,
    PERSONNEL,
    Accounts,
    yuan,
)
from .sample_layout import (
    by_class,
    function_header,
    function_rows,
    hierarchy,
    three_public_header,
    three_public_values,
    two_sided,
    two_sided_header,
)
from .sheetwriter import HeaderCell, TableSheet


def fund_split(acc: Accounts) -> list[tuple[str, list[int | None]]]:
    """Expenditure by economic class: all appropriations, the general budget, the government
    funds — the 财政拨款 split that tables 04 of both the final accounts and the budget show."""
    return [
        (n, [v[0], g[1][0], f[1][0] or None])
        for (n, v), g, f in zip(
            by_class(acc, lambda c: acc.gp(c) + acc.fund_project.get(c, 0)),
            by_class(acc, acc.gp),
            by_class(acc, lambda c: acc.fund_project.get(c, 0)),
            strict=True,
        )
    ]


Leaves = dict[str, list[int | None]]


def _income_leaves(acc: Accounts, extra: dict[str, int]) -> Leaves:
    """Table 02's leaf rows: income by source, ``extra`` (the year's surplus) added."""
    return {
        c: [
            acc.total(c) + extra.get(c, 0),
            acc.gp(c) + acc.fund_project.get(c, 0) + extra.get(c, 0),
            None,
            None,
            None,
            None,
            acc.other_project.get(c),
        ]
        for c in acc.leaves()
    }


def _spending_leaves(acc: Accounts) -> Leaves:
    """Table 03's leaf rows: spending, basic and project."""
    return {
        c: [
            acc.total(c),
            acc.gp_basic.get(c),
            (acc.gp_project.get(c, 0) + acc.fund_project.get(c, 0) + acc.other_project.get(c, 0))
            or None,
            None,
            None,
            None,
        ]
        for c in acc.leaves()
    }


def _general_public_leaves(acc: Accounts) -> Leaves:
    """Table 05's leaf rows: general public budget spending, where there is any."""
    return {
        c: [acc.gp(c), acc.gp_basic.get(c), acc.gp_project.get(c)]
        for c in acc.leaves()
        if acc.gp(c)
    }


def _economic_leaves(acc: Accounts) -> Leaves:
    """Table 06's leaf rows: basic spending by economic class, personnel or public use."""
    return {
        c: [v, v if c[:3] in PERSONNEL else None, None if c[:3] in PERSONNEL else v]
        for c, v in acc.economic.items()
    }


def _fund_leaves(acc: Accounts, c0_fund: int, d_fund: int) -> Leaves:
    """Table 08's leaf rows: the government fund's carry-over, income, spending and balance."""
    c0 = {"2120803": c0_fund * 2 // 3, "2120899": c0_fund - c0_fund * 2 // 3}
    leaves: Leaves = {}
    for c, spent in acc.fund_project.items():
        got = spent + (d_fund if c == "2120803" else 0)
        leaves[c] = [c0[c], got, spent, None, spent, c0[c] + got - spent]
    return leaves


def final_tables(acc: Accounts, budget3: dict[str, int], year: int, sign: str) -> list[TableSheet]:
    """The nine final-account tables of ``year``."""
    names = [k.name.replace('"三公"', "“三公”") for k in FINAL_ACCOUNTS]
    rng = random.Random(year)
    d_gp, d_fund = rng.randint(1000, 5000), rng.randint(10000, 50000)
    c0_gp, c0_fund = rng.randint(2000, 8000), rng.randint(20000, 60000)
    gp_exp = sum(acc.gp(c) for c in acc.leaves())
    fund_exp = sum(acc.fund_project.values())
    other = sum(acc.other_project.values())
    gp_inc, fund_inc = gp_exp + d_gp, fund_exp + d_fund
    c1_gp, c1_fund = c0_gp + d_gp, c0_fund + d_fund
    tables = []

    def sheet(i: int, header: list[HeaderCell], body: list[list[object]], **kw: Any) -> TableSheet:
        t = TableSheet(
            names[i][:31],
            names[i],
            f"公开{i + 1:02d}表",
            ORG,
            "万元",
            header=header,
            rows=body,
            sign_off=sign,
            year=year,
            **kw,
        )
        tables.append(t)
        return t

    # 01 收入支出决算总表
    income: list[tuple[str, list[int | None]] | None] = [
        ("一、一般公共预算财政拨款收入", [gp_inc]),
        ("二、政府性基金预算财政拨款收入", [fund_inc]),
        ("三、上级补助收入", [None]),
        ("四、事业收入", [None]),
        ("五、经营收入", [None]),
        ("六、附属单位上缴收入", [None]),
        ("七、其他收入", [other]),
    ]
    total_inc = gp_inc + fund_inc + other
    total_exp = gp_exp + fund_exp + other
    spend: list[tuple[str, list[int | None]] | None] = [*by_class(acc, acc.total), None, None]
    income += [
        ("本年收入合计", [total_inc]),
        ("用事业基金弥补收支差额", [None]),
        ("年初结转和结余", [c0_gp + c0_fund]),
        ("总计", [total_inc + c0_gp + c0_fund]),
    ]
    spend += [
        ("本年支出合计", [total_exp]),
        ("结余分配", [None]),
        ("年末结转和结余", [c1_gp + c1_fund]),
        ("总计", [total_exp + c1_gp + c1_fund]),
    ]
    sheet(
        0,
        two_sided_header(("收入", ["决算数"]), ("支出", ["决算数"])),
        two_sided(income, spend, (1, 1)),
        footnotes=["注：本表反映部门本年度的总收支和年末结转结余情况。"],
    )
    # 02 收入决算表
    leaves02 = _income_leaves(acc, {"2010302": d_gp, "2120803": d_fund})
    body, merges = function_rows(hierarchy(leaves02, FUNCTION_NAMES))
    sheet(
        1,
        function_header(
            [
                "本年收入合计",
                "财政拨款收入",
                "上级补助收入",
                "事业收入",
                "经营收入",
                "附属单位上缴收入",
                "其他收入",
            ]
        ),
        body,
        body_merges=merges,
        name_col=3,
    )
    # 03 支出决算表 (合计 merged over the code cells, as many offices write it)
    leaves03 = _spending_leaves(acc)
    body, merges = function_rows(hierarchy(leaves03, FUNCTION_NAMES), total_in_code=True)
    sheet(
        2,
        function_header(
            [
                "本年支出合计",
                "基本支出",
                "项目支出",
                "上缴上级支出",
                "经营支出",
                "对附属单位补助支出",
            ]
        ),
        body,
        body_merges=merges,
        name_col=3,
    )
    # 04 财政拨款收入支出决算总表
    by_fund = fund_split(acc)
    inc04: list[tuple[str, list[int | None]] | None] = [
        ("一、一般公共预算财政拨款", [gp_inc]),
        ("二、政府性基金预算财政拨款", [fund_inc]),
        None,
        None,
        None,
        ("本年收入合计", [gp_inc + fund_inc]),
        ("年初财政拨款结转和结余", [c0_gp + c0_fund]),
        ("\u3000一般公共预算财政拨款", [c0_gp]),
        ("\u3000政府性基金预算财政拨款", [c0_fund]),
        ("总计", [gp_inc + fund_inc + c0_gp + c0_fund]),
    ]
    exp04: list[tuple[str, list[int | None]] | None] = [
        *by_fund,
        ("本年支出合计", [gp_exp + fund_exp, gp_exp, fund_exp]),
        ("年末财政拨款结转和结余", [c1_gp + c1_fund, c1_gp, c1_fund]),
        None,
        None,
        ("总计", [gp_exp + fund_exp + c1_gp + c1_fund, gp_exp + c1_gp, fund_exp + c1_fund]),
    ]
    sheet(
        3,
        two_sided_header(
            ("收入", ["决算数"]),
            ("支出", ["合计", "一般公共预算财政拨款", "政府性基金预算财政拨款"]),
        ),
        two_sided(inc04, exp04, (1, 3)),
    )
    # 05 一般公共预算财政拨款支出决算表 (upper code levels left blank)
    leaves05 = _general_public_leaves(acc)
    body, merges = function_rows(hierarchy(leaves05, FUNCTION_NAMES), inherit=True)
    sheet(4, function_header([("本年支出", ["合计", "基本支出", "项目支出"])]), body, name_col=3)
    # 06 一般公共预算财政拨款基本支出决算表 (经济分类)
    econ_names = {**ECONOMIC_CLASSES, **{c: n for c, n, _, _ in ECONOMIC_ITEMS}}
    body, merges = function_rows(hierarchy(_economic_leaves(acc), econ_names), levels=2)
    sheet(
        5,
        function_header([("决算数", ["合计", "人员经费", "公用经费"])], economic=True),
        body,
        name_col=2,
    )
    # 07 三公
    b, a = three_public_values(budget3), three_public_values(acc.three)
    saved = yuan((b[0] or 0) - (a[0] or 0))
    sheet(
        6,
        three_public_header(["预算数", "决算数"]),
        [[yuan(v) for v in [*b, *a]]],
        footnotes=[
            f"注：{year}年度“三公”经费决算数比预算数减少{saved:.2f}万元，主要原因是厉行节约，"
            "严格控制公务接待和公务用车运行支出。"
        ],
    )
    # 08 政府性基金预算财政拨款收入支出决算表
    leaves08 = _fund_leaves(acc, c0_fund, d_fund)
    body, merges = function_rows(hierarchy(leaves08, FUNCTION_NAMES))
    sheet(
        7,
        function_header(
            [
                "年初结转和结余",
                "本年收入",
                ("本年支出", ["合计", "基本支出", "项目支出"]),
                "年末结转和结余",
            ]
        ),
        body,
        name_col=3,
    )
    # 09 国有资本经营预算财政拨款支出决算表: empty, with its note inside the table
    sheet(
        8,
        function_header([("本年支出", ["合计", "基本支出", "项目支出"])]),
        [],
        note_in_table=f"本单位{year}年度无国有资本经营预算财政拨款支出，故本表为空表",
        name_col=3,
    )
    return tables


def budget_tables(acc: Accounts, year: int, sign: str) -> list[TableSheet]:
    """The eight budget tables of ``year`` (a balanced budget: no carry-over planned)."""
    names = [k.name.replace('"三公"', "“三公”") for k in BUDGETS]
    gp = sum(acc.gp(c) for c in acc.leaves())
    fund = sum(acc.fund_project.values())
    other = sum(acc.other_project.values())
    total = gp + fund + other
    out = []

    def sheet(i: int, header: list[HeaderCell], body: list[list[object]], **kw: Any) -> None:
        out.append(
            TableSheet(
                names[i][:31],
                names[i],
                f"公开{i + 1:02d}表",
                ORG,
                "万元",
                header,
                body,
                sign_off=sign,
                year=year,
                **kw,
            )
        )

    inc: list[tuple[str, list[int | None]] | None] = [
        ("一、一般公共预算拨款收入", [gp]),
        ("二、政府性基金预算拨款收入", [fund]),
        ("三、事业收入", [None]),
        ("四、其他收入", [other]),
        None,
        ("本年收入合计", [total]),
        ("上年结转", [None]),
        ("收入总计", [total]),
    ]
    exp: list[tuple[str, list[int | None]] | None] = [
        *by_class(acc, acc.total),
        ("本年支出合计", [total]),
        ("结转下年", [None]),
        ("支出总计", [total]),
    ]
    sheet(
        0, two_sided_header(("收入", ["预算数"]), ("支出", ["预算数"])), two_sided(inc, exp, (1, 1))
    )
    leaves = {
        c: [acc.total(c), acc.gp(c) or None, acc.fund_project.get(c), acc.other_project.get(c)]
        for c in acc.leaves()
    }
    body, _ = function_rows(hierarchy(leaves, FUNCTION_NAMES))
    sheet(
        1,
        function_header(["合计", "一般公共预算拨款", "政府性基金预算拨款", "其他收入"]),
        body,
        name_col=3,
    )
    leaves = {
        c: [
            acc.total(c),
            acc.gp_basic.get(c),
            (acc.gp_project.get(c, 0) + acc.fund_project.get(c, 0) + acc.other_project.get(c, 0))
            or None,
        ]
        for c in acc.leaves()
    }
    body, _ = function_rows(hierarchy(leaves, FUNCTION_NAMES))
    sheet(2, function_header(["合计", "基本支出", "项目支出"]), body, name_col=3)
    by_fund = fund_split(acc)
    inc4: list[tuple[str, list[int | None]] | None] = [
        ("一、一般公共预算拨款", [gp]),
        ("二、政府性基金预算拨款", [fund]),
        None,
        None,
        None,
        ("本年收入合计", [gp + fund]),
        ("收入总计", [gp + fund]),
    ]
    exp4: list[tuple[str, list[int | None]] | None] = [
        *by_fund,
        ("本年支出合计", [gp + fund, gp, fund]),
        ("支出总计", [gp + fund, gp, fund]),
    ]
    sheet(
        3,
        two_sided_header(
            ("收入", ["预算数"]), ("支出", ["合计", "一般公共预算拨款", "政府性基金预算拨款"])
        ),
        two_sided(inc4, exp4, (1, 3)),
    )
    leaves = {
        c: [acc.gp(c), acc.gp_basic.get(c), acc.gp_project.get(c)]
        for c in acc.leaves()
        if acc.gp(c)
    }
    body, _ = function_rows(hierarchy(leaves, FUNCTION_NAMES))
    sheet(4, function_header(["合计", "基本支出", "项目支出"]), body, name_col=3)
    econ_names = {**ECONOMIC_CLASSES, **{c: n for c, n, _, _ in ECONOMIC_ITEMS}}
    leaves = {
        c: [v, v if c[:3] in PERSONNEL else None, None if c[:3] in PERSONNEL else v]
        for c, v in acc.economic.items()
    }
    body, _ = function_rows(hierarchy(leaves, econ_names), levels=2)
    sheet(5, function_header(["合计", "人员经费", "公用经费"], economic=True), body, name_col=2)
    sheet(6, three_public_header([]), [[yuan(v) for v in three_public_values(acc.three)]])
    leaves = {c: [v, None, v] for c, v in acc.fund_project.items()}
    body, _ = function_rows(hierarchy(leaves, FUNCTION_NAMES))
    sheet(
        7,
        function_header([("本年政府性基金预算支出", ["合计", "基本支出", "项目支出"])]),
        body,
        name_col=3,
    )
    return out
