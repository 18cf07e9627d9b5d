"""Numbers quoted in a report's prose, each with its sentence, line and — when recognised — the
cell it states.

A figure is a number with a counting unit (件, 条, 篇, 次, 个, 项, 人, 万元, 元); years and dates
("2018年", "10月25日") and percentages are not figures. Sentences end at 。！？； and clauses at
，,：; a clause states one thing, so the first phrase of ``PHRASES`` found in the clause says what
its figure counts (the channels before 主动公开, 微博微信 before 回应: the more specific first);
an enumeration with 、 ("新闻发布会2次、在线访谈1次") is one clause per part.
"约" or "余" marks an approximate figure, which is listed but never compared. A clause that says
nothing happened ("未发生……行政复议、诉讼和投诉举报", "均未收取费用") states zeros.
"""

from __future__ import annotations

import re
from decimal import Decimal

from opendata.report.extract_tables import normalize
from opendata.report.formats import SHEET, TABLE2, TABLE3, TABLE4, VALUE, FormatSpec
from opendata.report.lines import Line
from opendata.report.model import Figure, Number, to_number

_FIGURE = re.compile(r"(约)?(\d+(?:\.\d+)?)\s*(余)?\s*(件|条|篇|次|个|项|人|万元|元)")
_SENTENCE = re.compile(r"[^。！？；;!?]+[。！？；;!?]?")
_CLAUSE = re.compile(r"[，,：:]")

# (phrase regex, sheet row) — the first match in a clause wins.
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), row)
    for p, row in (
        (r"政务公开网", "proactive.gov_open_site"),
        (r"门户网站", "proactive.portal"),
        (r"微信公众", "proactive.wechat"),
        (r"政务微博", "proactive.weibo"),
        (r"政府公报", "proactive.gazette"),
        (r"其他渠道", "proactive.other"),
        (r"主动公开", "proactive.total"),
        (r"新闻发布会", "response.press_conference"),
        (r"在线访谈", "response.online_interview"),
        (r"政策解读", "response.policy_reading"),
        (r"微博微信", "response.weibo_wechat"),
        (r"其他方式", "response.other"),
        (r"回应", "response.total"),
        (r"上年结转", "carried_in"),
        (r"结转下年", "carried_over"),
        # "因政府信息公开申请行政复议1件" counts reviews, not applications: before 申请.
        (r"行政复议", "review.total"),
        (r"诉讼", "suit.total"),
        (r"投诉|举报", "complaint.total"),
        (r"办结|办理完毕", "application.completed"),
        (r"申请", "application.received"),
        (r"收取?费|费用", "fees.amount"),
    )
)
_ZERO = re.compile(r"未发生|没有发生|未收取|没有收取|未收到|均未|无一")
_ZERO_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), row)
    for p, row in (
        (r"行政复议", "review.total"),
        (r"诉讼", "suit.total"),
        (r"投诉|举报", "complaint.total"),
        (r"费用|收费", "fees.amount"),
    )
)

# Formats with tables: what a prose phrase states is a table cell, not a sheet row.
_TABLE_CELLS: dict[str, tuple[str, str, str]] = {
    "application.received": (TABLE3, "1", "total"),
    "carried_in": (TABLE3, "2", "total"),
    "application.completed": (TABLE3, "3.7", "total"),
    "carried_over": (TABLE3, "4", "total"),
    "review.total": (TABLE4, "all", "review.total"),
    "fees.amount": (TABLE2, "20.8.fees", "amount"),
}


def _target(fmt: FormatSpec, row: str) -> tuple[str, str, str]:
    """The cell a phrase's figure states in this format (empty when it has none)."""
    cell = _TABLE_CELLS.get(row)
    if cell and cell[0] in fmt.tables:
        table, r, c = cell
        if c in fmt.tables[table].columns_of(r):
            return cell
    if row in ("carried_in", "carried_over"):
        return ("", "", "")
    return (SHEET, row, VALUE)


def _phrase(clause: str, phrases: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, row in phrases:
        if pattern.search(clause):
            return row
    return ""


def _amount(value: Number, unit: str) -> tuple[Number, str]:
    # Fees are compared in 万元, the unit of the national tables.
    if unit == "元":
        return Decimal(value) / Decimal(10000), "万元"
    return value, unit


def _clause_figures(fmt: FormatSpec, clause: str, sentence: str, line: int) -> list[Figure]:
    found = list(_FIGURE.finditer(clause))
    if not found:
        return []
    row = _phrase(clause[: found[0].start()] or clause, PHRASES)
    out = []
    for i, m in enumerate(found):
        value, unit = to_number(m.group(2)), m.group(4)
        approximate = bool(m.group(1) or m.group(3))
        table, r, c = ("", "", "")
        # Only an amount of money states the fees (not "收费项目3项"), and people are not items.
        money = unit in ("万元", "元")
        if i == 0 and row and not approximate and unit != "人" and money == (row == "fees.amount"):
            table, r, c = _target(fmt, row)
            if row == "fees.amount":
                value, unit = _amount(value, unit)
        out.append(
            Figure(value, unit + ("（约）" if approximate else ""), sentence, line, table, r, c)
        )
    return out


def _zeros(fmt: FormatSpec, clause: str, sentence: str, line: int) -> list[Figure]:
    if not _ZERO.search(clause):
        return []
    out = []
    for pattern, row in _ZERO_PHRASES:
        if pattern.search(clause):
            table, r, c = _target(fmt, row)
            out.append(
                Figure(0, "万元" if row == "fees.amount" else "件", sentence, line, table, r, c)
            )
    return out


def prose_figures(fmt: FormatSpec, lines: list[Line]) -> list[Figure]:
    """Every figure in the lines that are not table rows, in document order."""
    figures: list[Figure] = []
    for line in lines:
        text = normalize(line.text)
        for sentence in _SENTENCE.findall(text):
            sentence = sentence.strip()
            for clause in _CLAUSE.split(sentence):
                if not _FIGURE.search(clause):
                    figures.extend(_zeros(fmt, clause, sentence, line.number))
                    continue
                # "新闻发布会2次、在线访谈1次": each enumerated part states its own figure.
                for part in clause.split("、"):
                    figures.extend(_clause_figures(fmt, part, sentence, line.number))
    return figures
