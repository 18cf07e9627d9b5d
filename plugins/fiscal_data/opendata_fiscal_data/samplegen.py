"""Seeded generator of the sample origin: three workbooks as the finance office keeps them.

``python -m opendata_fiscal_data.samplegen`` rewrites the shipped ``sample/`` folder. Amounts
are drawn at the lowest level (经济分类 款 for basic expenditure, 功能分类 项 for projects) in
units of 0.01 万元 and every other figure is summed from them, so all tables agree: 类 = sum of
款 = sum of 项, 合计 = sum of 类, 收入总计 = 支出合计 + 年末结转和结余, 基本支出 by function equals
基本支出 by economic class, and the 三公 figures equal their 经济分类 lines.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from .catalogue import BUDGETS, FINAL_ACCOUNTS
from .fees_sample import write_fees
from .sheetwriter import HeaderCell, TableSheet, write_table

ORG = "吉林经济技术开发区管理委员会"
SECRET_ID = "11010519491231002X"
SECRET_MOBILE = "13912345678"
SECRET_NAME = "王秘密"
SECRET_TITLE = "绝密测试记录"

FUNCTION_NAMES = {
    "201": "一般公共服务支出",
    "20103": "政府办公厅（室）及相关机构事务",
    "2010301": "行政运行",
    "2010302": "一般行政管理事务",
    "2010350": "事业运行",
    "20113": "商贸事务",
    "2011308": "招商引资",
    "208": "社会保障和就业支出",
    "20805": "行政事业单位离退休",
    "2080501": "归口管理的行政单位离退休",
    "2080505": "机关事业单位基本养老保险缴费支出",
    "210": "医疗卫生与计划生育支出",
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "212": "城乡社区支出",
    "21201": "城乡社区管理事务",
    "2120101": "行政运行",
    "21208": "国有土地使用权出让收入及对应专项债务收入安排的支出",
    "2120803": "城市建设支出",
    "2120899": "其他国有土地使用权出让收入安排的支出",
    "221": "住房保障支出",
    "22102": "住房改革支出",
    "2210201": "住房公积金",
}
#: 经济分类 款 of basic expenditure: (code, name, low, high) in 0.01 万元; None = from 三公.
ECONOMIC_ITEMS: list[tuple[str, str, int, int]] = [
    ("30101", "基本工资", 60000, 80000),
    ("30102", "津贴补贴", 40000, 60000),
    ("30103", "奖金", 5000, 10000),
    ("30107", "绩效工资", 20000, 30000),
    ("30108", "机关事业单位基本养老保险缴费", 12000, 16000),
    ("30110", "职工基本医疗保险缴费", 5000, 7000),
    ("30113", "住房公积金", 9000, 12000),
    ("30201", "办公费", 3000, 6000),
    ("30205", "水费", 200, 500),
    ("30206", "电费", 1500, 3000),
    ("30207", "邮电费", 300, 800),
    ("30211", "差旅费", 1000, 2500),
    ("30212", "因公出国（境）费用", 0, 0),
    ("30215", "会议费", 300, 900),
    ("30216", "培训费", 400, 1000),
    ("30217", "公务接待费", 0, 0),
    ("30228", "工会经费", 1500, 2500),
    ("30231", "公务用车运行维护费", 0, 0),
    ("30299", "其他商品和服务支出", 2000, 5000),
    ("30302", "退休费", 3000, 6000),
    ("30305", "生活补助", 200, 800),
    ("31002", "办公设备购置", 500, 1500),
]
ECONOMIC_CLASSES = {
    "301": "工资福利支出",
    "302": "商品和服务支出",
    "303": "对个人和家庭的补助",
    "310": "资本性支出",
}
#: 经济分类 lines that carry the 三公 figures.
THREE_PUBLIC_LINES = {"30212": "abroad", "30217": "reception", "30231": "running"}
PERSONNEL = ("301", "303")
CLASSES_IN_ORDER = ("201", "208", "210", "212", "221")
CHINESE_ORDINALS = "一二三四五六七八九十"


def yuan(cents: int | None) -> float | None:
    """A 0.01 万元 integer as the float written into the cell."""
    return None if cents is None else cents / 100


class Accounts:
    """One year's figures (actual or budget), all derived from leaf draws."""

    def __init__(self, rng: random.Random, three: dict[str, int], scale: float = 1.0) -> None:
        def draw(low: int, high: int) -> int:
            return round(rng.randint(low, high) * scale)

        self.three = three
        self.economic: dict[str, int] = {}
        for code, _, low, high in ECONOMIC_ITEMS:
            key = THREE_PUBLIC_LINES.get(code)
            self.economic[code] = three[key] if key else draw(low, high)
        basic = sum(self.economic.values())
        fixed = {
            "2080505": self.economic["30108"],
            "2101101": self.economic["30110"],
            "2210201": self.economic["30113"],
            "2080501": self.economic["30302"] + self.economic["30305"],
        }
        rest = basic - sum(fixed.values())
        fixed["2010301"] = rest * 70 // 100
        fixed["2010350"] = rest * 12 // 100
        fixed["2120101"] = rest - fixed["2010301"] - fixed["2010350"]
        self.gp_basic = fixed
        # Car purchase is a project expense of 一般行政管理事务.
        self.gp_project = {
            "2010302": draw(30000, 60000) + three["purchase"],
            "2011308": draw(50000, 120000),
            "2120101": draw(10000, 30000),
        }
        self.fund_project = {"2120803": draw(300000, 800000), "2120899": draw(20000, 80000)}
        self.other_project = {"2010302": draw(500, 2000)}

    def leaves(self) -> list[str]:
        codes = {*self.gp_basic, *self.gp_project, *self.fund_project, *self.other_project}
        return sorted(codes)

    def gp(self, code: str) -> int:
        return self.gp_basic.get(code, 0) + self.gp_project.get(code, 0)

    def total(self, code: str) -> int:
        return self.gp(code) + self.fund_project.get(code, 0) + self.other_project.get(code, 0)


def draw_three_public(rng: random.Random) -> tuple[dict[str, int], dict[str, int]]:
    """三公 (budget, actual) in 0.01 万元: the actual stays under the budget."""
    budget = {
        "abroad": rng.randint(300, 800),
        "purchase": rng.randint(2000, 3000),
        "running": rng.randint(1500, 2500),
        "reception": rng.randint(800, 1500),
    }
    actual = {k: v * rng.randint(70, 98) // 100 for k, v in budget.items()}
    return budget, actual


def _sum(values: list[list[int | None]]) -> list[int | None]:
    columns = list(zip(*values, strict=True)) if values else []
    return [None if all(v is None for v in col) else sum(v or 0 for v in col) for col in columns]


def hierarchy(
    leaves: dict[str, list[int | None]], names: dict[str, str]
) -> list[tuple[str, str, list[int | None]]]:
    """(code, name, values) rows: 类, 款 and 项 in code order, parents summed from leaves."""
    rows = []
    lengths = sorted({len(c) for c in leaves})
    parents = [3, 5] if lengths == [7] else [3]
    codes = set(leaves)
    for code in leaves:
        codes.update(code[:n] for n in parents)
    for code in sorted(codes):
        members = [v for leaf, v in leaves.items() if leaf.startswith(code)]
        rows.append((code, names[code], _sum(members)))
    return rows


def function_header(
    values: list[str | tuple[str, list[str]]], *, economic: bool = False
) -> list[HeaderCell]:
    """科目编码 over 类/款(/项), 科目名称, then value columns (a tuple is a group with leaves)."""
    levels = ["类", "款"] if economic else ["类", "款", "项"]
    label = "经济分类科目编码" if economic else "科目编码"
    cells = [HeaderCell(label, 0, 0, 1, len(levels))]
    cells += [HeaderCell(level, 1, i) for i, level in enumerate(levels)]
    cells.append(HeaderCell("科目名称", 0, len(levels), 2))
    col = len(levels) + 1
    for value in values:
        if isinstance(value, tuple):
            group, leaves = value
            cells.append(HeaderCell(group, 0, col, 1, len(leaves)))
            cells += [HeaderCell(leaf, 1, col + i) for i, leaf in enumerate(leaves)]
            col += len(leaves)
        else:
            cells.append(HeaderCell(value, 0, col, 2))
            col += 1
    return cells


def function_rows(
    rows: list[tuple[str, str, list[int | None]]],
    *,
    levels: int = 3,
    inherit: bool = False,
    total_in_code: bool = False,
) -> tuple[list[list[object]], list[tuple[int, int, int]]]:
    """Body rows with a 合计 line first.

    ``inherit`` leaves upper code levels blank as many offices do; ``total_in_code`` writes 合计
    merged over the code cells instead of in the 科目名称 column.
    """
    total = _sum([v for code, _, v in rows if len(code) == 3])
    body: list[list[object]] = []
    merges: list[tuple[int, int, int]] = []
    if total_in_code:
        body.append(["合计", None, None][:levels] + [None] + [yuan(v) for v in total])
        merges.append((0, 0, levels - 1))
    else:
        body.append([None] * levels + ["合计"] + [yuan(v) for v in total])
    for code, name, values in rows:
        parts: list[str | None] = [code[:3], code[3:5] or None, code[5:7] or None][:levels]
        depth = (len(code) - 3) // 2
        if inherit:
            parts = [p if i == depth else None for i, p in enumerate(parts)]
        body.append([*parts, "\u3000" * depth + name, *[yuan(v) for v in values]])
    return body, merges


def two_sided(
    left: list[tuple[str, list[int | None]] | None],
    right: list[tuple[str, list[int | None]] | None],
    widths: tuple[int, int],
) -> list[list[object]]:
    """Rows of a 收入 | 支出 table; None leaves that side of the line blank."""
    body = []
    for a, b in zip(left, right, strict=True):
        row: list[object] = []
        for side, width in ((a, widths[0]), (b, widths[1])):
            row += [None] * (width + 1) if side is None else [side[0], *[yuan(v) for v in side[1]]]
        body.append(row)
    return body


def two_sided_header(left: tuple[str, list[str]], right: tuple[str, list[str]]) -> list[HeaderCell]:
    cells = []
    col = 0
    for group, leaves in (left, right):
        cells.append(HeaderCell(group, 0, col, 1, len(leaves) + 1))
        cells += [HeaderCell(label, 1, col + i) for i, label in enumerate(["项目", *leaves])]
        col += len(leaves) + 1
    return cells


def three_public_header(groups: list[str]) -> list[HeaderCell]:
    """The 三公 header: 合计, 因公出国（境）费, 公务用车购置及运行费 (小计/购置费/运行费),
    公务接待费, repeated under each of ``groups`` (预算数, 决算数) when given."""
    cells: list[HeaderCell] = []
    top = 1 if groups else 0
    for g, group in enumerate(groups or [""]):
        base = g * 6
        if group:
            cells.append(HeaderCell(group, 0, base, 1, 6))
        cells += [
            HeaderCell("合计", top, base, 2),
            HeaderCell("因公出国（境）费", top, base + 1, 2),
            HeaderCell("公务用车购置及运行费", top, base + 2, 1, 3),
            HeaderCell("小计", top + 1, base + 2),
            HeaderCell("公务用车购置费", top + 1, base + 3),
            HeaderCell("公务用车运行费", top + 1, base + 4),
            HeaderCell("公务接待费", top, base + 5, 2),
        ]
    return cells


def three_public_values(t: dict[str, int]) -> list[int | None]:
    car = t["purchase"] + t["running"]
    return [
        t["abroad"] + car + t["reception"],
        t["abroad"],
        car,
        t["purchase"],
        t["running"],
        t["reception"],
    ]


def _sign_off(plant: bool) -> str:
    clerk, phone = (SECRET_NAME, SECRET_MOBILE) if plant else ("刘洋", "0432-64661234")
    return f"单位负责人：赵志刚　　财务负责人：孙丽　　填表人：{clerk}　　联系电话：{phone}"


def _by_class(acc: Accounts, value: Callable[[str], int]) -> list[tuple[str, list[int | None]]]:
    """One line per 功能分类 类 (一、一般公共服务支出 …) with ``value`` summed over its leaves."""
    rows: list[tuple[str, list[int | None]]] = []
    for i, cls in enumerate(CLASSES_IN_ORDER):
        total = sum(value(code) for code in acc.leaves() if code.startswith(cls))
        rows.append((f"{CHINESE_ORDINALS[i]}、{FUNCTION_NAMES[cls]}", [total]))
    return rows


def final_tables(
    acc: Accounts, budget3: dict[str, int], year: int, plant: bool
) -> list[TableSheet]:
    """The nine final-account tables of ``year``."""
    names = [k.name.replace('"三公"', "“三公”") for k in FINAL_ACCOUNTS]
    sign = _sign_off(plant)
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
    spend: list[tuple[str, list[int | None]] | None] = [*_by_class(acc, acc.total), None, None]
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
    extra_inc = {"2010302": d_gp, "2120803": d_fund}
    leaves02 = {
        c: [
            acc.total(c) + extra_inc.get(c, 0),
            acc.gp(c) + acc.fund_project.get(c, 0) + extra_inc.get(c, 0),
            None,
            None,
            None,
            None,
            acc.other_project.get(c),
        ]
        for c in acc.leaves()
    }
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
    leaves03 = {
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
    by_fund = [
        (n, [v[0], g[1][0], f[1][0] or None])
        for (n, v), g, f in zip(
            _by_class(acc, lambda c: acc.gp(c) + acc.fund_project.get(c, 0)),
            _by_class(acc, acc.gp),
            _by_class(acc, lambda c: acc.fund_project.get(c, 0)),
            strict=True,
        )
    ]
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
    leaves05 = {
        c: [acc.gp(c), acc.gp_basic.get(c), acc.gp_project.get(c)]
        for c in acc.leaves()
        if acc.gp(c)
    }
    body, merges = function_rows(hierarchy(leaves05, FUNCTION_NAMES), inherit=True)
    sheet(4, function_header([("本年支出", ["合计", "基本支出", "项目支出"])]), body, name_col=3)
    # 06 一般公共预算财政拨款基本支出决算表 (经济分类)
    econ_names = {**ECONOMIC_CLASSES, **{c: n for c, n, _, _ in ECONOMIC_ITEMS}}
    leaves06 = {
        c: [v, v if c[:3] in PERSONNEL else None, None if c[:3] in PERSONNEL else v]
        for c, v in acc.economic.items()
    }
    body, merges = function_rows(hierarchy(leaves06, econ_names), levels=2)
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
    c0 = {"2120803": c0_fund * 2 // 3, "2120899": c0_fund - c0_fund * 2 // 3}
    leaves08 = {}
    for c, spent in acc.fund_project.items():
        got = spent + (d_fund if c == "2120803" else 0)
        leaves08[c] = [c0[c], got, spent, None, spent, c0[c] + got - spent]
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


def budget_tables(acc: Accounts, year: int, plant: bool) -> list[TableSheet]:
    """The eight budget tables of ``year`` (a balanced budget: no carry-over planned)."""
    names = [k.name.replace('"三公"', "“三公”") for k in BUDGETS]
    sign = _sign_off(plant)
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
        *_by_class(acc, acc.total),
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
    by_fund = [
        (n, [v[0], g[1][0], f[1][0] or None])
        for (n, v), g, f in zip(
            _by_class(acc, lambda c: acc.gp(c) + acc.fund_project.get(c, 0)),
            _by_class(acc, acc.gp),
            _by_class(acc, lambda c: acc.fund_project.get(c, 0)),
            strict=True,
        )
    ]
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


def planted_tables(year: int) -> list[tuple[TableSheet, str]]:
    """Internal tables a finance workbook may also hold, listed in its 目录 as not public."""
    header = [HeaderCell("项目", 0, 0), HeaderCell("金额", 0, 1)]
    secret = TableSheet(
        "内部01表",
        f"{SECRET_TITLE}人员工资明细表",
        "内部01表",
        ORG,
        "万元",
        header,
        rows=[[f"{SECRET_NAME}（身份证号{SECRET_ID}，手机{SECRET_MOBILE}）基本工资", 1.23]],
        footnotes=[f"注：{SECRET_TITLE}，经办人{SECRET_NAME}，电话{SECRET_MOBILE}"],
        sign_off=_sign_off(True),
    )
    on_request = TableSheet(
        "内部02表",
        f"{SECRET_TITLE}专项资金明细表",
        "内部02表",
        ORG,
        "万元",
        header,
        rows=[[f"{SECRET_TITLE}：{SECRET_NAME}专项补助", 4.56]],
    )
    return [(secret, "不予公开"), (on_request, "依申请公开")]


def write_workbook(
    path: Path, label: str, tables: list[tuple[TableSheet, str]], shift: tuple[int, int]
) -> None:
    """A workbook with a 目录 sheet first and one sheet per table."""
    book = Workbook()
    index = book.active
    assert index is not None
    index.title = "目录"
    index.append([f"{ORG}{label}公开表目录"])
    index.append(["表号", "表名", "公开属性", "备注"])
    for table, disclosure in tables:
        index.append([table.code, table.title, disclosure, None])
        write_table(book.create_sheet(table.sheet), table, shift)
    index.column_dimensions["B"].width = 48
    book.save(path)


def write_origin(
    dest: Path, *, plant: bool = False, seed: int = 2018, shift: tuple[int, int] = (0, 0)
) -> dict[str, object]:
    """Write the three workbooks into ``dest`` and return the source config pointing at them.

    ``plant`` adds personal data and non-public tables wherever a finance office's files could
    hold them (sign-off lines, internal tables, the fee list's 经办人 columns); ``shift`` moves
    every table of the two amount workbooks down and right by (rows, columns).
    """
    from . import SAMPLE_FILES

    year = 2018
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    budget3, actual3 = draw_three_public(rng)
    actual = Accounts(rng, actual3)
    planned = Accounts(random.Random(seed + 1), budget3, scale=1.04)
    finals = [(t, "主动公开") for t in final_tables(actual, budget3, year, plant)]
    budgets = [(t, "主动公开") for t in budget_tables(planned, year, plant)]
    if plant:
        finals += planted_tables(year)
    paths = {key: dest / name for key, name in SAMPLE_FILES.items()}
    write_workbook(paths["final_accounts_xlsx"], f"{year}年度部门决算", finals, shift)
    write_workbook(paths["budget_xlsx"], f"{year}年度部门预算", budgets, shift)
    write_fees(paths["fees_xlsx"], year=year, plant=plant)
    return {**{key: str(p) for key, p in paths.items()}, "year": year}


def main() -> None:
    """Rewrite the shipped sample origin."""
    dest = Path(__file__).with_name("sample")
    for config in [write_origin(dest)]:
        print("\n".join(f"{k} = {v}" for k, v in config.items()))


if __name__ == "__main__":
    main()
