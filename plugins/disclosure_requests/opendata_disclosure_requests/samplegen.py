"""Seeded generator of the sample application register (``sample/register.csv``).

Run ``python -m opendata_disclosure_requests.samplegen`` to rewrite the shipped sample. The
register imitates the office's export (Excel "CSV UTF-8", with BOM and CRLF):

- 2017: a handful of applications, all answered within 2017 (so that 2018 starts with nothing
  carried over, as the founding report implies);
- 2018: the two applications of the founding annual report, both answered in time, no fee;
- 2019–2025: a synthetic register of a few hundred applications, several received late in
  December and answered in January (so that 结转 is not trivial), a few extended or overdue,
  and outcome labels as registers wrote them at the time (2007-era labels for replies before
  2019-05-15, the 2019 trial format's single 其他处理, the 2021 format afterwards);
- the register was exported on 2025-12-31: later replies are not in it yet (open applications).

Due dates here are computed with ``chinese_calendar`` directly, not with the plugin's own
calendar, so that the plugin's on-time figures are checked against an independent count.

Beside it, ``appeals.csv`` imitates the office's 复议诉讼台账: a few reviews and lawsuits a
year from 2019 on about refused applications (none in 2018: the founding report has 0 复议,
0 诉讼), one 2017 review closed in 2017, some still open at a year's end or at the export.

With ``plant=True`` it adds applications carrying the privacy markers in every personal column
(name, ID number, phone, e-mail, address, request text, remarks), whose request text names
绝密测试记录 and whose outcome is 不予公开.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import chinese_calendar

REGISTER_FILE = "register.csv"
APPEALS_FILE = "appeals.csv"
APPEALS_HEADER = (
    "案件编号",
    "案件类别",
    "是否经复议",
    "收到日期",
    "审结日期",
    "结果",
    "申请人姓名或名称",
    "关联申请编号",
    "复议机关或法院",
    "备注",
)
EXPORTED = dt.date(2025, 12, 31)
DECREE_711 = dt.date(2019, 5, 15)

PLANTED_ID = "11010519491231002X"
PLANTED_PHONE = "13912345678"
PLANTED_NAME = "王秘密"
PLANTED_TITLE = "绝密测试记录"

HEADER = (
    "申请编号",
    "收到日期",
    "申请方式",
    "申请人类型",
    "申请人姓名或名称",
    "证件号码",
    "联系电话",
    "电子邮箱",
    "通信地址",
    "申请内容",
    "是否延期",
    "答复日期",
    "办理结果",
    "具体情形",
    "收费金额（元）",
    "备注",
)

#: Text a test may plant with ``write_origin(planted=("register", column, text))``: the
#: register's personal columns, which no published byte carries (only counts are published).
#: No published field takes text from the register, so nothing else is plantable.
PLANTABLE: dict[str, tuple[str, ...]] = {}
UNPUBLISHED_PLANTABLE: dict[str, tuple[str, ...]] = {
    "register": (
        "申请人姓名或名称",
        "证件号码",
        "联系电话",
        "电子邮箱",
        "通信地址",
        "申请内容",
        "备注",
    ),
}

KINDS = (
    ("自然人", 74),
    ("商业企业", 12),
    ("科研机构", 2),
    ("社会公益组织", 2),
    ("法律服务机构", 7),
    ("其他", 3),
)
#: (category, circumstance, weight) in the 2021 format.
OUTCOMES_2021 = (
    ("予以公开", "", 44),
    ("部分公开", "", 10),
    ("不予公开", "属于国家秘密", 1),
    ("不予公开", "其他法律行政法规禁止公开", 1),
    ("不予公开", "保护第三方合法权益", 3),
    ("不予公开", "属于三类内部事务信息", 1),
    ("不予公开", "属于四类过程性信息", 2),
    ("不予公开", "属于行政执法案卷", 1),
    ("无法提供", "本机关不掌握相关政府信息", 18),
    ("无法提供", "没有现成信息需要另行制作", 4),
    ("无法提供", "补正后申请内容仍不明确", 2),
    ("不予处理", "信访举报投诉类申请", 5),
    ("不予处理", "重复申请", 3),
    ("不予处理", "要求提供公开出版物", 1),
    ("其他处理", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 2),
    ("其他处理", "其他", 2),
)
#: 2007-era register labels (办理结果, 具体情形, weight).
OUTCOMES_2007 = (
    ("同意公开", "", 55),
    ("同意部分公开", "", 10),
    ("不同意公开", "涉及个人隐私", 3),
    ("不同意公开", "涉及商业秘密", 2),
    ("信息不存在", "", 15),
    ("非本机关掌握", "", 8),
    ("告知通过其他途径办理", "", 5),
    ("重复申请", "", 2),
)
TOPICS = (
    "九站街道棚户区改造征收补偿方案",
    "化工园区企业环境影响评价批复",
    "经开区年度财政预算",
    "某地块国有土地使用权出让",
    "安全生产事故调查报告",
    "道路拓宽工程规划许可",
    "企业扶持资金拨付情况",
    "农村集体土地征收批准文件",
    "规范性文件清理结果",
    "管委会内设机构职能",
)
SURNAMES = "张李王刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
ORGS = {
    "商业企业": ("吉林市恒远化工有限公司", "吉林北方碳纤维有限公司", "吉林宏图建设工程有限公司"),
    "科研机构": ("吉林省化工研究院", "吉林化工学院环境研究所"),
    "社会公益组织": ("吉林市环保志愿者协会", "吉林市绿色江城公益服务中心"),
    "法律服务机构": ("吉林昌邑律师事务所", "吉林江城律师事务所", "吉林市法律援助中心"),
    "其他": ("九站街道某村民委员会", "吉林市某业主委员会"),
}


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def _id_number(rng: random.Random) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
    body = f"220204{born:%Y%m%d}{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _applicant(rng: random.Random, kind: str) -> tuple[str, str, str, str, str]:
    """Name, ID number (or credit code), phone, e-mail, address."""
    phone = f"1{rng.choice((35, 39, 50, 58, 86, 88))}{rng.randrange(10**8):08d}"
    street = rng.choice(("深圳街", "九站街", "吉林大街", "昆仑街"))
    address = f"吉林市经济技术开发区{street}{rng.randint(1, 999)}号"
    if kind == "自然人":
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        email = f"user{rng.randrange(10**6)}@example.com" if rng.random() < 0.3 else ""
        return name, _id_number(rng), phone, email, address
    code = "91220201" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=10))
    return rng.choice(ORGS[kind]), code, phone, f"office{rng.randrange(10**4)}@example.com", address


def _nth_workday(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day strictly after ``start``."""
    day = start
    while count:
        day += dt.timedelta(days=1)
        count -= chinese_calendar.is_workday(day)
    return day


def _channel(rng: random.Random, year: int) -> str:
    fax = max(1, 8 - (year - 2018))  # fax fades out over the years
    return _weighted(
        rng, (("网络", 55 + (year - 2018) * 3), ("信函", 22), ("当面", 15), ("传真", fax))
    )


def _outcome(rng: random.Random, replied: dt.date) -> tuple[str, str]:
    """The labels a register clerk wrote for a reply on ``replied``."""
    if replied < DECREE_711:
        category = _weighted(rng, tuple((f"{c}|{r}", w) for c, r, w in OUTCOMES_2007))
    else:
        category = _weighted(rng, tuple((f"{c}|{r}", w) for c, r, w in OUTCOMES_2021))
    label, _, circumstance = category.partition("|")
    if label == "其他处理" and replied.year < 2021:
        circumstance = ""  # the 2019 trial format had one 其他处理 row
    return label, circumstance


def _records(rng: random.Random) -> list[list[str]]:
    records: list[list[str]] = [
        ["YSQ-2018-001", "2018-04-16", "当面", "自然人", *_applicant(rng, "自然人"),
         "申请公开九站街道棚户区改造征收补偿方案", "否", "2018-04-27", "同意公开", "", "0", ""],
        ["YSQ-2018-002", "2018-09-28", "网络", "商业企业", *_applicant(rng, "商业企业"),
         "申请公开2018年企业扶持资金拨付情况", "否", "2018-10-19", "同意公开", "", "0", ""],
    ]  # fmt: skip
    for year in range(2019, 2026):
        count = rng.randint(35, 65)
        for serial in range(1, count + 1):
            # The last three of each year arrive late in December.
            records.append(_record(rng, year, serial, late=serial > count - 3))
    records.sort(key=lambda r: (r[1], r[0]))
    return records


def _received(rng: random.Random, year: int, late: bool) -> tuple[dt.date, str]:
    """The day an application arrives and its channel (in person only on a working day)."""
    if late:
        received = dt.date(year, 12, rng.randint(15, 31))
    else:
        received = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(330))
    channel = _channel(rng, year)
    if channel == "当面":  # in person only when the office is open
        while not chinese_calendar.is_workday(received):
            received -= dt.timedelta(days=1)
    return received, channel


def _taken(rng: random.Random, late: bool, base: int, extended: bool) -> int:
    """Working days to the reply: a few overdue, late arrivals within the limit."""
    limit = base * 2 if extended else base
    if rng.random() < 0.06:
        return limit + rng.randint(1, 6)  # overdue
    if late:
        return rng.randint(min(8, limit), limit)
    return rng.randint(base + 1 if extended else 2, limit)


def _record(rng: random.Random, year: int, serial: int, *, late: bool) -> list[str]:
    """One register line of ``year`` (the random draws in the order the sample was made)."""
    received, channel = _received(rng, year, late)
    kind = _weighted(rng, KINDS)
    base = 15 if received < DECREE_711 else 20
    extended = rng.random() < 0.08
    replied = _nth_workday(received, _taken(rng, late, base, extended))
    label = circumstance = fee = ""
    if replied > EXPORTED:
        reply_text = ""  # still open when the register was exported
    else:
        reply_text = replied.isoformat()
        label, circumstance = _outcome(rng, replied)
        charged = year >= 2021 and label == "予以公开" and rng.random() < 0.05
        fee = str(rng.choice((100, 200, 300))) if charged else "0"
    return [
        f"YSQ-{year}-{serial:03d}", received.isoformat(), channel, kind,
        *_applicant(rng, kind), f"申请公开{year}年{rng.choice(TOPICS)}",
        "是" if extended else "否", reply_text, label, circumstance, fee, "",
    ]  # fmt: skip


def _records_2017(rng: random.Random) -> list[list[str]]:
    """2017: four applications under the 2007 regulation, every one answered in 2017."""
    records = []
    for serial, month in enumerate((3, 6, 9, 11), start=1):
        received = dt.date(2017, month, rng.randint(1, 20))
        while not chinese_calendar.is_workday(received):
            received += dt.timedelta(days=1)
        kind = _weighted(rng, KINDS)
        replied = _nth_workday(received, rng.randint(3, 15))
        label, circumstance = _outcome(rng, replied)
        records.append([
            f"YSQ-2017-{serial:03d}", received.isoformat(), _channel(rng, 2018), kind,
            *_applicant(rng, kind), f"申请公开2017年{rng.choice(TOPICS)}", "否",
            replied.isoformat(), label, circumstance, "0", "",
        ])  # fmt: skip
    return records


_COURTS = ("吉林市人民政府", "吉林市中级人民法院", "吉林市船营区人民法院")
_REVIEW_RESULTS = (("维持", 6), ("驳回复议申请", 1), ("撤销", 2), ("责令履行", 1), ("终止", 1))
_SUIT_RESULTS = (("驳回诉讼请求", 5), ("确认违法", 1), ("撤销", 1), ("撤回", 2))


def _case(
    rng: random.Random, case_id: str, kind: tuple[str, str], filed: dt.date, days: int, app: str
) -> list[str]:
    closed = filed + dt.timedelta(days=days)
    results = _REVIEW_RESULTS if kind[0] == "行政复议" else _SUIT_RESULTS
    done = closed <= EXPORTED
    court = _COURTS[0] if kind[0] == "行政复议" else rng.choice(_COURTS[1:])
    return [
        case_id, kind[0], kind[1], filed.isoformat(), closed.isoformat() if done else "",
        _weighted(rng, results) if done else "", "（见申请登记）", app, court, "",
    ]  # fmt: skip


def _appeals(rng: random.Random, records: list[list[str]]) -> list[list[str]]:
    """Cases about refused applications; a lawsuit after a review follows the review."""
    refused = [
        r for r in records
        if r[12] in ("不予公开", "不同意公开", "无法提供", "信息不存在", "非本机关掌握")
    ]  # fmt: skip
    cases: list[list[str]] = []
    for year in (2017, *range(2019, 2026)):
        candidates = [r for r in refused if r[11].startswith(str(year))]
        count = 1 if year == 2017 else min(len(candidates), rng.randint(1, 4))
        chosen = rng.sample(candidates, count) if year != 2017 else candidates[:1]
        for serial, record in enumerate(chosen, start=1):
            cases += _cases_of(rng, year, serial, record)
    last = [r for r in refused if r[11].startswith("2025")][-1]
    # A review filed in December 2025 and still open at the export: 尚未审结 with no date.
    cases.append(_case(rng, "FY-2025-99", ("行政复议", "否"), dt.date(2025, 12, 22), 40, last[0]))
    cases.sort(key=lambda c: (c[3], c[0]))
    _renumber(cases)
    return cases


def _filed(rng: random.Random, year: int, replied: dt.date) -> dt.date:
    filed = replied + dt.timedelta(days=rng.randint(10, 50))
    if year == 2017:
        filed = replied + dt.timedelta(days=10)  # decided within 2017
    if filed.year != year:
        filed = dt.date(year, 12, rng.randint(10, 28))  # filed late: open at year end
    return filed


def _cases_of(rng: random.Random, year: int, serial: int, record: list[str]) -> list[list[str]]:
    """The review or lawsuit about one refused application, and a lawsuit after a review."""
    filed = _filed(rng, year, dt.date.fromisoformat(record[11]))
    direct = year >= 2020 and rng.random() < 0.3
    kind = ("行政诉讼", "否") if direct else ("行政复议", "否")
    days = rng.randint(90, 200) if direct else rng.randint(30, 60)
    case = _case(rng, f"FY-{year}-{serial:02d}", kind, filed, days, record[0])
    upheld = case[4] and case[5] in ("维持", "驳回复议申请")
    if direct or not upheld or rng.random() >= 0.5:
        return [case]
    after = dt.date.fromisoformat(case[4]) + dt.timedelta(days=rng.randint(5, 14))
    suit = _case(
        rng, f"SS-{after.year}-{serial:02d}", ("行政诉讼", "是"), after,
        rng.randint(90, 200), record[0],
    )  # fmt: skip
    # The founding report: no case pending in 2018.
    return [case, suit] if after.year > 2018 else [case]


def _renumber(cases: list[list[str]]) -> None:
    """Case numbers in the order filed, per prefix (FY/SS) and year."""
    serials: Counter[str] = Counter()
    for case in cases:
        prefix = f"{'FY' if case[1] == '行政复议' else 'SS'}-{case[3][:4]}"
        serials[prefix] += 1
        case[0] = f"{prefix}-{serials[prefix]:02d}"


def _planted() -> list[list[str]]:
    contact = [PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, "wangmimi@example.com", "吉林市某小区1号"]
    return [
        ["YSQ-2023-901", "2023-06-05", "当面", "自然人", *contact,
         f"申请公开{PLANTED_TITLE}（联系电话{PLANTED_PHONE}）", "否", "2023-06-20", "不予公开",
         "属于国家秘密", "0", f"申请人{PLANTED_NAME}身份证{PLANTED_ID}"],
        ["YSQ-2024-902", "2024-03-11", "信函", "自然人", *contact,
         f"{PLANTED_NAME}申请查阅{PLANTED_TITLE}", "是", "2024-04-30", "不予公开",
         "保护第三方合法权益", "0", f"电话{PLANTED_PHONE}"],
        ["YSQ-2025-903", "2025-12-30", "网络", "自然人", *contact,
         f"{PLANTED_TITLE}全文", "否", "", "", "", "", PLANTED_PHONE],
    ]  # fmt: skip


def write_origin(
    dest: Path,
    *,
    plant: bool = False,
    seed: int = 2018,
    planted: Sequence[tuple[str, str, str]] = (),
) -> dict[str, object]:
    """Write the sample register into ``dest`` and return the source config pointing at it.

    ``planted=[("register", column, text), …]`` appends each ``text`` to that personal column
    (one of :data:`UNPUBLISHED_PLANTABLE`), the n-th text of a column in the n-th application:
    the privacy tests check that none reaches a published byte while the run still publishes.
    """
    rng = random.Random(seed)
    records = _records(rng)
    # Own streams, so that adding 2017 and the ledger left every later application unchanged.
    records = _records_2017(random.Random(seed + 17)) + records
    cases = _appeals(random.Random(seed + 4), records)
    used: Counter[str] = Counter()
    for resource, column, text in planted:
        if column not in UNPUBLISHED_PLANTABLE.get(resource, ()):
            raise ValueError(f"cannot plant into {resource}.{column}: {UNPUBLISHED_PLANTABLE}")
        records[used[column]][HEADER.index(column)] += text
        used[column] += 1
    if plant:
        records += _planted()
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / REGISTER_FILE
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)  # CRLF line ends, as Excel writes them
        writer.writerow(HEADER)
        writer.writerows(records)
    appeals_path = dest / APPEALS_FILE
    with appeals_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(APPEALS_HEADER)
        writer.writerows(cases)
    return {"register_path": str(path), "appeals_path": str(appeals_path)}


def main() -> None:
    """Rewrite the shipped sample next to this module."""
    config = write_origin(Path(__file__).resolve().parent / "sample")
    print(f"wrote {config['register_path']}")


if __name__ == "__main__":
    main()
