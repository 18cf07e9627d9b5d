"""Aggregates of the application register: monthly counts, Table 三 per year, an annual summary.

Definitions (the same for every resource, so that they agree by construction):

- an application is *received* in the year and month of its 收到日期;
- it is *completed* in the year of its 答复日期, with its outcome; until then it is open;
- Table 三 of year Y: 本年新收 = received in Y; 上年结转 = received before Y and not completed
  before Y; each outcome row = completed in Y with that outcome; （七）总计 = completed in Y;
  结转下年度 = received in or before Y and not completed by the end of Y. Hence R1 (新收 + 结转 =
  总计 + 结转下年度), R2 (总计 = Σ outcomes) and R3 (the six columns sum to 总计) hold, and next
  year's 上年结转 equals this year's 结转下年度;
- the due date is the n-th working day strictly after receipt: n = 15 (+15 when extended) for
  applications received before 2019-05-15 (2007 regulation), else 20 (+20) (Decree 711, Art. 33);
  a completed application is *on time* when replied on or before its due date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from opendata.plugin import Row

from .outcomes import OUTCOME_ROWS
from .register import Application
from .workdays import WorkdayCalendar

#: Decree 711 applies to applications received from this day on.
DECREE_711 = dt.date(2019, 5, 15)

#: Published outcome of an application still open when the register was exported.
PENDING = "尚未办结"

#: Table 三 column (field name) of each applicant kind.
KIND_COLUMNS = {
    "自然人": "natural_person",
    "商业企业": "commercial_enterprise",
    "科研机构": "research_institution",
    "社会公益组织": "public_welfare_org",
    "法律服务机构": "legal_service_org",
    "其他": "other_org",
}


def time_limit(received: dt.date, extended: bool) -> int:
    """Working days allowed to answer an application received on ``received``."""
    base = 15 if received < DECREE_711 else 20
    return base * 2 if extended else base


@dataclass(frozen=True)
class Handled:
    """An application with its due date and whether it was answered in time."""

    app: Application
    due: dt.date

    @property
    def on_time(self) -> bool:
        return self.app.replied is not None and self.app.replied <= self.due

    @property
    def overdue(self) -> bool:
        return self.app.replied is not None and self.app.replied > self.due


def due_date(received: dt.date, extended: bool, calendar: WorkdayCalendar) -> dt.date:
    """The due date of an application received on ``received``."""
    return calendar.add_workdays(received, time_limit(received, extended))


def handle(apps: Iterable[Application], calendar: WorkdayCalendar) -> list[Handled]:
    """Due dates for every application (the register is small: a list is fine)."""
    return [Handled(app, due_date(app.received, app.extended, calendar)) for app in apps]


def monthly(handled: list[Handled]) -> Iterator[Row]:
    """Rows of ``monthly``: by month of receipt, channel, applicant kind and outcome."""
    groups: dict[tuple[int, int, str, str, str], list[Handled]] = defaultdict(list)
    for h in handled:
        a = h.app
        key = (a.received.year, a.received.month, a.channel, a.applicant_kind, a.outcome or PENDING)
        groups[key].append(h)
    for (year, month, channel, kind, outcome), members in sorted(groups.items()):
        yield {
            "year": year,
            "month": month,
            "channel": channel,
            "applicant_kind": kind,
            "outcome": outcome,
            "received": len(members),
            "on_time": sum(h.on_time for h in members),
            "overdue": sum(h.overdue for h in members),
            "extended": sum(h.app.extended for h in members),
            "fee_total": sum((h.app.fee for h in members), Decimal("0.00")),
        }


def years(handled: list[Handled]) -> range:
    """Every year from the first receipt to the last receipt or reply (empty years included)."""
    if not handled:
        return range(0)
    dates = [h.app.received for h in handled] + [h.app.replied for h in handled if h.app.replied]
    return range(min(d.year for d in dates), max(d.year for d in dates) + 1)


def _counts(apps: Iterable[Application]) -> Row:
    by_kind = Counter(a.applicant_kind for a in apps)
    row: Row = {column: by_kind[kind] for kind, column in KIND_COLUMNS.items()}
    row["total"] = sum(by_kind.values())
    return row


def table3(handled: list[Handled]) -> Iterator[Row]:
    """Rows of ``annual_table3``: the 25 rows of the national Table 三 for every year."""
    apps = [h.app for h in handled]
    for year in years(handled):
        for order, (code, label, members) in enumerate(_table3_rows(apps, year), start=1):
            yield {"year": year, "row_order": order, "row_code": code, "row_label": label} | (
                _counts(members)
            )


def _table3_rows(apps: list[Application], year: int) -> list[tuple[str, str, list[Application]]]:
    """Table 三's rows of ``year``: code, label and the applications each counts."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    new = [a for a in apps if a.received.year == year]
    carried_in = [a for a in apps if a.received < start and _open_on(a, start)]
    done = [a for a in apps if a.replied is not None and a.replied.year == year]
    carried_out = [a for a in apps if a.received <= end and _open_after(a, end)]
    rows: list[tuple[str, str, list[Application]]] = [
        ("一", "一、本年新收政府信息公开申请数量", new),
        ("二", "二、上年结转政府信息公开申请数量", carried_in),
    ]
    for outcome_row in OUTCOME_ROWS:
        matching = [a for a in done if a.outcome == outcome_row.outcome]
        rows.append((outcome_row.code, outcome_row.table_label, matching))
    rows.append(("三（七）", "（七）总计", done))
    rows.append(("四", "四、结转下年度继续办理", carried_out))
    return rows


def report_format(year: int) -> str:
    """Which annual report format applied to ``year`` and how its figures were mapped."""
    if year < 2019:
        return "2007年《条例》时期（无全国统一表格），办理结果按国办公开办函〔2021〕30号表三折算"
    if year < 2021:
        return "国办公开办函〔2019〕60号（试行格式），办理结果按国办公开办函〔2021〕30号表三折算"
    return "国办公开办函〔2021〕30号"


def summary(handled: list[Handled]) -> Iterator[Row]:
    """Rows of ``annual_summary``: per year, the totals and the on-time share."""
    for year in years(handled):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        done = [h for h in handled if h.app.replied is not None and h.app.replied.year == year]
        on_time = sum(h.on_time for h in done)
        yield {
            "year": year,
            "received": sum(h.app.received.year == year for h in handled),
            "carried_in": sum(h.app.received < start and _open_on(h.app, start) for h in handled),
            "completed": len(done),
            "carried_out": sum(h.app.received <= end and _open_after(h.app, end) for h in handled),
            "on_time": on_time,
            "overdue": sum(h.overdue for h in done),
            "extended": sum(h.app.extended for h in done),
            "on_time_share": (Decimal(on_time) / Decimal(len(done))).quantize(Decimal("0.0001"))
            if done
            else None,
            "fee_total": sum((h.app.fee for h in done), Decimal("0.00")),
            "report_format": report_format(year),
        }


def _open_on(app: Application, day: dt.date) -> bool:
    """Not yet completed at the start of ``day``."""
    return app.replied is None or app.replied >= day


def _open_after(app: Application, day: dt.date) -> bool:
    """Not completed by the end of ``day``."""
    return app.replied is None or app.replied > day
