"""The figures of the sample origin: leaf amounts drawn from a seeded generator, in 0.01 万元.

Amounts are drawn at the lowest level (经济分类 款 for basic expenditure, 功能分类 项 for
projects) and every other figure is summed from them, so all tables agree: 基本支出 by function
equals 基本支出 by economic class, and the 三公 figures equal their 经济分类 lines.
"""

from __future__ import annotations

import random

ORG = "吉林经济技术开发区管理委员会"

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
