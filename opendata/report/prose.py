"""The prose of the annual report: per format, templates that open each section with the
figures of the tables, followed by the office's own paragraph (:mod:`opendata.report.paragraphs`).

Each clause carries one figure, worded so that the checker (:mod:`opendata.report.check`) reads
back what every number counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from opendata.report import formats as F
from opendata.report.model import Report
from opendata.report.paragraphs import WITHHELD, Paragraph, ParagraphError, read_paragraph

log = logging.getLogger(__name__)


def _fig(report: Report, table: str, row: str, col: str = F.VALUE) -> str | None:
    value = report.value(table, row, col)
    return None if value is None else str(value)


def _proactive(report: Report) -> list[str]:
    y, s = report.year, F.SHEET
    total = _fig(report, s, "proactive.total")
    if total is None:
        return []
    parts = [
        f"{label}{n}条"
        for label, row in (
            ("政务公开网", "proactive.gov_open_site"),
            ("政府门户网站", "proactive.portal"),
            ("微信公众号", "proactive.wechat"),
            ("其他渠道", "proactive.other"),
        )
        if (n := _fig(report, s, row)) is not None
    ]
    # Clauses keep one figure each, so that a checker reads what every number counts.
    return [f"{y}年，主动公开政府信息共计{total}条。其中，" + "，".join(parts) + "。"]


def _responses(report: Report) -> list[str]:
    total = _fig(report, F.SHEET, "response.total")
    if total is None:
        return []
    parts = [
        f"{label}{n}{unit}"
        for label, row, unit in (
            ("新闻发布会", "response.press_conference", "次"),
            ("在线访谈", "response.online_interview", "次"),
            ("政策解读稿件", "response.policy_reading", "件"),
            ("微博微信回应", "response.weibo_wechat", "件"),
            ("其他方式回应", "response.other", "件"),
        )
        if (n := _fig(report, F.SHEET, row)) is not None
    ]
    return [f"{report.year}年度回应公众关注热点{total}次。其中，" + "；".join(parts) + "。"]


def _applications(report: Report) -> list[str]:
    s = F.SHEET
    received = _fig(report, s, "application.received")
    completed = _fig(report, s, "application.completed")
    if received is None or completed is None:
        return []
    if report.format_id == F.FORMAT_PRE2019:
        fee = report.value(s, "fees.amount", F.VALUE)
        fee_text = "均未收取费用" if fee == 0 else f"收取费用{fee}万元"
        return [f"{report.year}年，收到依申请公开申请{received}件，办结{completed}件，{fee_text}。"]
    t = F.TABLE3
    carried_in, carried_out = _fig(report, t, "2", "total"), _fig(report, t, "4", "total")
    return [
        f"{report.year}年，本年新收政府信息公开申请{received}件，上年结转{carried_in}件，"
        f"办结{completed}件，结转下年度{carried_out}件。办理结果见下表。"
    ]


def _appeals(report: Report) -> list[str]:
    review = _fig(report, F.SHEET, "review.total")
    suit = _fig(report, F.SHEET, "suit.total")
    if review is None or suit is None:
        return []
    # No 申请 in these clauses: it would be read as the number of applications.
    return [f"{report.year}年，与政府信息公开相关的行政复议{review}件，行政诉讼{suit}件。"]


Template = Callable[[Report], list[str]]
#: Per format: section code → the templates that open it (before the office's own paragraph).
TEMPLATES: dict[str, dict[str, tuple[Template, ...]]] = {
    F.FORMAT_2021: {"2": (_proactive, _responses), "3": (_applications,), "4": (_appeals,)},
    F.FORMAT_2019: {"2": (_proactive, _responses), "3": (_applications,), "4": (_appeals,)},
    F.FORMAT_PRE2019: {
        "2": (_proactive,),
        "3": (_responses,),
        "4": (_applications,),
        "5": (_appeals,),
    },
}


def fill_sections(report: Report, paragraphs_root: str | Path | None) -> dict[str, str | None]:
    """Each section's prose: the templates filled with the figures, then the office's own
    paragraph or the mark that it is still to be written; returns the paragraph files read."""
    codes = tuple(s.code for s in report.format.sections)
    own = {code: _own(paragraphs_root, report.year, code) for code in codes}
    templates = TEMPLATES[report.format_id]
    for code in codes:
        opening = [text for make in templates.get(code, ()) for text in make(report)]
        report.sections[code] = "\n\n".join([*opening, own[code].text])
    return {code: own[code].file for code in codes}


def _own(root: str | Path | None, year: int, code: str) -> Paragraph:
    """The office's paragraph, or the withheld mark when its file cannot be published as it is
    (a reader of the portal gets the report; the operator gets the reason in the log, and
    ``opendata report annual`` stops on it)."""
    try:
        return read_paragraph(root, year, code)
    except ParagraphError as exc:
        log.error("annual report %s, section %s: %s", year, code, exc)
        return Paragraph(code, WITHHELD, False, None)
