"""Seeded generator of the sample origin: the document system's CSV export and the ledger.

``python -m opendata_disclosure_catalog.samplegen`` rewrites the shipped ``sample/``. The
origin reproduces the 2018 annual report of 吉林经济技术开发区管委会: 2790 proactive
publications (政务公开网 302, 门户网站 521, 微信公众号 963, other channels 1004) and 37 responses
(政策解读稿件 10, 微博微信 17, 其他 8, and the 2 by 新闻发布会 / 在线访谈 the report's prose
omits). Around them sit entries of 2017 and early 2019 and entries marked 依申请公开 or
不予公开, some of which were also posted somewhere, so that the year filter and the
publication policy both matter.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chinese_calendar import is_workday
from openpyxl import Workbook
from openpyxl.styles import Font

from . import samplewords as words
from .catalog_csv import COLUMNS
from .responses_xlsx import HEADINGS
from .vocab import CHANNELS

#: 2018 publications of 主动公开 entries per channel; "other" (1004) is split over the rest.
CHANNEL_COUNTS_2018: dict[str, int] = {
    "政务公开网": 302,
    "门户网站": 521,
    "微信公众号": 963,
    "政务微博": 420,
    "政府公报": 36,
    "公告栏": 198,
    "报刊": 310,
    "其他": 40,
}
ENTRIES_2018 = 1600

RESPONSE_COUNTS: dict[int, dict[str, int]] = {
    2017: {"政策解读稿件": 8, "微博微信": 14, "其他": 6, "新闻发布会": 0, "在线访谈": 1},
    2018: {"政策解读稿件": 10, "微博微信": 17, "其他": 8, "新闻发布会": 1, "在线访谈": 1},
    2019: {"政策解读稿件": 2, "微博微信": 3, "其他": 1, "新闻发布会": 0, "在线访谈": 0},
}

#: Organisation code of the administration (the founding document's 索引号 uses it).
ADMIN_ORG_CODE = "014416330"
#: This department's system writes the 18-character unified social credit code.
USCC_BODY = "吉林经济技术开发区财政局"
#: This department's system numbers per month: …/2018-10-00012.
MONTHLY_BODY = "吉林经济技术开发区社会事业管理局"

PORTAL = "http://www.jetdz.gov.cn"
PLANT_ID = "11010519491231002X"
PLANT_MOBILE = "13912345678"
PLANT_NAME = "王秘密"
PLANT_TITLE = "绝密测试记录"

#: Published text fields a test may plant text into (``write_origin(planted=…)``), by resource:
#: the catalogue export (GB18030 CSV) feeds entries, the ledger (XLSX) feeds responses.
PLANTABLE: dict[str, tuple[str, ...]] = {
    "entries": ("title", "summary", "doc_number"),
    "responses": ("topic", "platform"),
}
#: Places whose text no published byte carries: the private columns of published rows, and
#: any column of entries withheld for their 公开属性 (``withheld_entries``).
UNPUBLISHED_PLANTABLE: dict[str, tuple[str, ...]] = {
    "entries": ("drafter", "drafter_phone", "internal_note"),
    "responses": ("handler", "handler_phone", "petitioner", "petitioner_id"),
    "withheld_entries": ("title", "summary", "doc_number", "internal_note"),
}

_KIND_OF_PRIMARY = {"政务公开网": "formal", "政府公报": "formal", "公告栏": "notice"}


@dataclass
class _Entry:
    body: str
    year: int
    created: dt.date
    published: dt.date | None
    kind: str  # formal | notice | news | withheld
    genre: str
    title: str
    summary: str
    subject: str
    disclosure: str
    validity: str = ""
    channels: list[tuple[str, dt.date]] = field(default_factory=list)
    doc_number: str = ""
    index_no: str = ""
    drafter: str = ""
    drafter_phone: str = ""
    internal_note: str = ""
    fixed_number: int | None = None
    doc_kind: str = "其他"
    repealed_on: dt.date | None = None


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check(body17: str) -> str:
    """GB 32100 check character of a 17-character unified social credit code body."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(body17))
    return alphabet[(31 - total % 31) % 31]


def _org_codes(rng: random.Random) -> dict[str, str]:
    codes = {words.BODIES[0][0]: ADMIN_ORG_CODE}
    for body, _prefix in words.BODIES[1:]:
        stem = "0144" + "".join(rng.choice("0123456789") for _ in range(4))
        codes[body] = stem + org_code_check(stem)
    # A letter in the organisation code keeps the credit code from looking like an ID number.
    stem = "MB" + "".join(rng.choice("0123456789") for _ in range(6))
    code17 = "11220271" + stem + org_code_check(stem)
    codes[USCC_BODY] = code17 + uscc_check(code17)
    return codes


def _workdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
    return [day for day in days if is_workday(day)]


def _name(rng: random.Random) -> str:
    return rng.choice(words.SURNAMES) + rng.choice(words.GIVEN_NAMES)


def _fill(rng: random.Random, template: str, body: str, topic: str, year: int) -> str:
    return template.format(**_values(rng, body, topic, dt.date(year, 1, 1)))


def _values(rng: random.Random, body: str, topic: str, day: dt.date) -> dict[str, object]:
    """Everything a title or summary template may name, drawn once so that both agree."""
    return {
        "zone": words.ZONE,
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "topic": topic,
        "body": body.removeprefix("吉林经济技术开发区"),
        "company": rng.choice(words.COMPANIES),
        "place": rng.choice(words.PLACES),
        "purpose": rng.choice(words.PURPOSES),
        "basis": rng.choice(words.BASES),
        "aspects": rng.choice(words.ASPECTS),
        "count": rng.choice((20, 30, 50, 60, 80, 100)),
    }


def _make_entry(rng: random.Random, kind: str, day: dt.date, disclosure: str) -> _Entry:
    body = rng.choice(words.BODIES)[0]
    topic, subject = rng.choice(words.TOPICS)
    created = day - dt.timedelta(days=rng.choice((0, 0, 1, 2, 3, 5, 7, 10)))
    if kind == "formal":
        genre, template = rng.choice(words.FORMAL_TITLES)
        summary = words.FORMAL_SUMMARY
    elif kind == "notice":
        genre, template = rng.choice(words.NOTICE_TITLES)
        summary = words.NOTICE_SUMMARY
    elif kind == "news":
        genre, created = "工作动态", day
        template, summary = rng.choice(words.NEWS)
    else:
        disclosure, genre, template = rng.choice(words.WITHHELD_TITLES)
        summary = words.FORMAL_SUMMARY
    values = _values(rng, body, topic, day)
    entry = _Entry(
        body=body,
        year=day.year,
        created=created,
        published=day,
        kind=kind,
        genre=genre,
        title=template.format(**values),
        summary=summary.format(**values),
        subject=subject,
        disclosure=disclosure,
        drafter=_name(rng),
        drafter_phone=f"0432-6{rng.randrange(10**6, 10**7)}",
        internal_note=rng.choice((*words.INTERNAL_NOTES, "", "")),
    )
    if kind in ("formal", "withheld"):
        entry.validity = rng.choices(
            ("有效", "失效", "废止"), (90, 7, 3) if day.year < 2018 else (97, 3, 0)
        )[0]
    elif kind == "notice":
        entry.validity = "有效"
    return entry


def _channel_day(rng: random.Random, channel: str, day: dt.date) -> dt.date:
    """When a channel carried an item published on ``day`` (same year: the export's rule)."""
    lag = {"政府公报": rng.randint(10, 30), "报刊": rng.randint(1, 6), "公告栏": rng.randint(0, 2)}
    when = day + dt.timedelta(days=lag.get(channel, rng.choice((0, 0, 0, 1))))
    return min(when, dt.date(day.year, 12, 31))


def _assign_2018(rng: random.Random, days: list[dt.date]) -> list[_Entry]:
    """Entries of 2018 whose channels add up to exactly :data:`CHANNEL_COUNTS_2018`."""
    total = sum(CHANNEL_COUNTS_2018.values())
    quotas = {c: n * ENTRIES_2018 // total for c, n in CHANNEL_COUNTS_2018.items()}
    for channel in sorted(CHANNEL_COUNTS_2018, key=lambda c: CHANNEL_COUNTS_2018[c], reverse=True):
        if sum(quotas.values()) < ENTRIES_2018:
            quotas[channel] += 1
    primaries = [c for c, q in quotas.items() for _ in range(q)]
    rng.shuffle(primaries)
    channel_sets: list[list[str]] = [[c] for c in primaries]
    for channel, count in CHANNEL_COUNTS_2018.items():
        candidates = [i for i, chosen in enumerate(channel_sets) if channel not in chosen]
        for i in rng.sample(candidates, count - quotas[channel]):
            channel_sets[i].append(channel)
    entries = []
    for chosen in channel_sets:
        day = rng.choice(days)
        entry = _make_entry(rng, _KIND_OF_PRIMARY.get(chosen[0], "news"), day, "主动公开")
        ordered = chosen[:1] + [c for c in CHANNELS if c in chosen[1:]]
        entry.channels = [(c, _channel_day(rng, c, day)) for c in ordered]
        entries.append(entry)
    return entries


def _other_year(rng: random.Random, days: list[dt.date], count: int) -> list[_Entry]:
    entries = []
    for _ in range(count):
        day = rng.choice(days)
        primary = rng.choices(CHANNELS, (12, 18, 30, 12, 2, 8, 12, 6))[0]
        entry = _make_entry(rng, _KIND_OF_PRIMARY.get(primary, "news"), day, "主动公开")
        chosen = [primary] + [c for c in CHANNELS if c != primary and rng.random() < 0.12]
        entry.channels = [(c, _channel_day(rng, c, day)) for c in chosen]
        entries.append(entry)
    return entries


def _withheld(rng: random.Random, days: list[dt.date], count: int) -> list[_Entry]:
    entries = []
    for _ in range(count):
        entry = _make_entry(rng, "withheld", rng.choice(days), "")
        if rng.random() < 0.35:
            # Posted on a notice board or the portal before it was reclassified: its
            # publication rows exist in the export and must be withheld with the entry.
            assert entry.published is not None
            channel = rng.choice(("公告栏", "门户网站"))
            entry.channels = [(channel, entry.published)]
        else:
            entry.published = None
        entries.append(entry)
    return entries


def _plant_founding_documents(rng: random.Random, entries: list[_Entry]) -> None:
    """Give two 2018 policy documents the titles, dates and numbers the report cites."""
    formal = [e for e in entries if e.kind == "formal" and e.genre == "通知"]
    cited = (
        (dt.date(2018, 3, 15), "管委会办公室关于2018年政务公开重点工作任务分工的通知", None),
        (dt.date(2018, 4, 20), "关于印发吉林经开区管委会2018年政务公开工作培训计划的通知", 27),
    )
    for entry, (day, title, number) in zip(formal, cited, strict=False):
        entry.body, entry.title, entry.subject = words.BODIES[1][0], title, "综合政务"
        entry.created = entry.published = day
        entry.channels = [(c, _channel_day(rng, c, day)) for c, _when in entry.channels]
        entry.fixed_number = number


def _number(entries: list[_Entry], rng: random.Random, codes: dict[str, str]) -> None:
    """Assign 文号 (per prefix and year) and 索引号 (per body and year, or month)."""
    by_prefix: dict[tuple[str, int], list[_Entry]] = defaultdict(list)
    by_series: dict[tuple[str, int, int], list[_Entry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.created, e.title)):
        if entry.kind in ("formal", "withheld") or (entry.kind == "notice" and rng.random() < 0.5):
            by_prefix[(entry.body, entry.created.year)].append(entry)
        month = entry.created.month if entry.body == MONTHLY_BODY else 0
        by_series[(entry.body, entry.created.year, month)].append(entry)
    _doc_numbers(by_prefix)
    _index_numbers(by_series, rng, codes)


def _doc_numbers(by_prefix: dict[tuple[str, int], list[_Entry]]) -> None:
    """文号 in order per prefix and year, around the numbers the report cites."""
    prefixes = dict(words.BODIES)
    for (body, year), docs in by_prefix.items():
        reserved = {e.fixed_number for e in docs if e.fixed_number}
        free = (n for n in range(1, 10_000) if n not in reserved)
        for entry in docs:
            number = entry.fixed_number or next(free)
            entry.doc_number = f"{prefixes[body]}〔{year}〕{number}号"


def _index_numbers(
    by_series: dict[tuple[str, int, int], list[_Entry]], rng: random.Random, codes: dict[str, str]
) -> None:
    """索引号 per body and year (or month), with gaps for documents outside the catalogue."""
    for (body, year, month), docs in by_series.items():
        serial = rng.randrange(1, 400) if month else rng.randrange(100, 2000)
        for entry in docs:
            serial += rng.choice((1, 1, 1, 2, 3))  # gaps: documents outside the catalogue
            infix = f"{month:02d}-" if month else ""
            entry.index_no = f"{codes[body]}/{year}-{infix}{serial:05d}"


def _plant(entries: list[_Entry], codes: dict[str, str], seed: int) -> list[_Entry]:
    """Markers of personal data and of withheld records, where an export would hold them."""
    rng = random.Random(seed + 1)
    # Private columns of a published entry: the drafter and an internal note.
    target = next(e for e in entries if e.year == 2018 and e.kind == "formal")
    target.drafter, target.drafter_phone = PLANT_NAME, PLANT_MOBILE
    target.internal_note = f"申请人{PLANT_NAME}，身份证号{PLANT_ID}，联系电话{PLANT_MOBILE}"
    planted = []
    for serial, (disclosure, channel) in enumerate(
        (("依申请公开", "公告栏"), ("不予公开", "门户网站"))
    ):
        day = dt.date(2018, 6, 12 + serial)
        entry = _make_entry(rng, "withheld", day, "")
        entry.disclosure = disclosure
        entry.title = f"{PLANT_TITLE}：{entry.title}"
        entry.summary = (
            f"申请人{PLANT_NAME}（身份证号{PLANT_ID}，手机{PLANT_MOBILE}）" + entry.summary
        )
        entry.drafter, entry.drafter_phone = PLANT_NAME, PLANT_MOBILE
        entry.channels = [(channel, day)]
        entry.index_no = f"{ADMIN_ORG_CODE}/2018-{99990 + serial:05d}"
        entry.doc_number = f"吉经开管发〔2018〕{900 + serial}号"
        planted.append(entry)
    return planted


#: Genres a 管委会's 行政规范性文件 take in the sample.
NORMATIVE_GENRES = ("办法", "意见", "通告")
NORMATIVE_TITLES = (
    ("办法", "{zone}{topic}管理办法"),
    ("办法", "{zone}{topic}实施办法"),
    ("意见", "关于进一步规范{topic}工作的实施意见"),
    ("通告", "关于{topic}有关事项的通告"),
)
#: New 行政规范性文件 per year from April 2019, when the original catalogue export ends.
NORMATIVE_PER_YEAR = {2019: 4, 2020: 6, 2021: 5, 2022: 7, 2023: 5, 2024: 6, 2025: 4}
NORMATIVE_BODY = "吉林经济技术开发区管委会"
#: How many of the 2017–2018 policy documents are marked 行政规范性文件.
NORMATIVE_MARKED = {2017: 4, 2018: 9}


def _normative_documents(
    rng: random.Random, entries: list[_Entry], codes: dict[str, str]
) -> list[_Entry]:
    """Mark the 行政规范性文件 among the entries and add those of April 2019–2025.

    Of the 2017–2018 policy documents in the genres 办法, 意见 and 通告, a few per year are
    行政规范性文件 (never one already 失效: Table 二 counts repeals, not expiry). A repealed one
    gets its 废止日期; later documents repeal some earlier ones (规范性文件清理). A 管委会 makes
    no 规章, so the sample has none.
    """
    ordered = sorted(entries, key=lambda e: (e.created, e.index_no))
    for entry in ordered:
        if entry.validity == "废止":
            entry.repealed_on = _repeal_day(rng, entry.created, dt.date(2019, 3, 29))
    normative = _mark_normative(rng, ordered)
    normative.sort(key=lambda e: (e.created, e.index_no))
    return _add_normative(rng, normative, codes)


def _may_be_normative(entry: _Entry, year: int) -> bool:
    return (
        entry.created.year == year
        and entry.kind == "formal"
        and entry.disclosure == "主动公开"
        and entry.genre in NORMATIVE_GENRES
        and entry.validity in ("有效", "废止")
    )


def _mark_normative(rng: random.Random, ordered: list[_Entry]) -> list[_Entry]:
    """A few 2017–2018 policy documents per year, marked 行政规范性文件."""
    normative: list[_Entry] = []
    for year, count in NORMATIVE_MARKED.items():
        candidates = [e for e in ordered if _may_be_normative(e, year)]
        for entry in rng.sample(candidates, min(count, len(candidates))):
            entry.doc_kind = "行政规范性文件"
            normative.append(entry)
    return normative


def _add_normative(
    rng: random.Random, normative: list[_Entry], codes: dict[str, str]
) -> list[_Entry]:
    """The 行政规范性文件 of April 2019–2025, some repealing an earlier one in force."""
    added: list[_Entry] = []
    for year, count in NORMATIVE_PER_YEAR.items():
        start = dt.date(2019, 4, 1) if year == 2019 else dt.date(year, 1, 2)
        days = _workdays(start, dt.date(year, 12, 28))
        for number, day in enumerate(sorted(rng.sample(days, count)), start=1):
            entry = _new_normative(rng, day, number, codes)
            in_force = [e for e in normative if e.repealed_on is None and e.created < day]
            if in_force and rng.random() < 0.4:
                old = rng.choice(in_force)  # this one replaces an earlier document
                old.validity, old.repealed_on = "废止", day
            normative.append(entry)
            added.append(entry)
    return added


def _repeal_day(rng: random.Random, made: dt.date, last: dt.date) -> dt.date:
    return min(made + dt.timedelta(days=rng.randint(90, 400)), last)


def _new_normative(rng: random.Random, day: dt.date, number: int, codes: dict[str, str]) -> _Entry:
    genre, template = rng.choice(NORMATIVE_TITLES)
    topic, subject = rng.choice(words.TOPICS)
    values = _values(rng, NORMATIVE_BODY, topic, day)
    published = day + dt.timedelta(days=rng.randint(1, 5))
    return _Entry(
        body=NORMATIVE_BODY,
        year=day.year,
        created=day,
        published=published,
        kind="normative",
        genre=genre,
        title=template.format(**values),
        summary=words.FORMAL_SUMMARY.format(**values),
        subject=subject,
        disclosure="主动公开",
        validity="有效",
        channels=[("政务公开网", published), ("门户网站", published)],
        doc_number=f"吉经开管规〔{day.year}〕{number}号",
        # Serials from 05001: the office's register keeps normative documents in a range of
        # their own, so they never meet the serials of the year's other entries.
        index_no=f"{codes[NORMATIVE_BODY]}/{day.year}-{5000 + number:05d}",
        drafter=_name(rng),
        drafter_phone=f"0432-6{rng.randrange(10**6, 10**7)}",
        doc_kind="行政规范性文件",
    )


def generate_entries(seed: int = 2018, plant: bool = False) -> list[_Entry]:
    """All catalogue entries of the sample, in the export's order (by 发布日期, then 索引号)."""
    rng = random.Random(seed)
    codes = _org_codes(rng)
    days = {
        2017: _workdays(dt.date(2017, 1, 3), dt.date(2017, 12, 29)),
        2018: _workdays(dt.date(2018, 1, 2), dt.date(2018, 12, 28)),
        2019: _workdays(dt.date(2019, 1, 2), dt.date(2019, 3, 29)),
    }
    entries = _assign_2018(rng, days[2018])
    _plant_founding_documents(rng, entries)
    entries += _other_year(rng, days[2017], 330) + _other_year(rng, days[2019], 95)
    entries += _withheld(rng, days[2017] + days[2018], 27)
    _number(entries, rng, codes)
    # Own stream: the normative documents leave every earlier draw, hence the 2018 figures, as
    # they were.
    entries += _normative_documents(random.Random(seed + 5), entries, codes)
    if plant:
        entries += _plant(entries, codes, seed)
    far = dt.date(9999, 1, 1)
    return sorted(entries, key=lambda e: (e.published or far, e.index_no))


def _channel_cell(entry: _Entry) -> str:
    parts = []
    for channel, when in entry.channels:
        # The export writes a channel's date only where it differs from 发布日期.
        parts.append(channel if when == entry.published else f"{channel}({when.isoformat()})")
    return ";".join(parts)


def write_catalog(path: Path, entries: list[_Entry], encoding: str = "gb18030") -> None:
    """Write the document system's export (CRLF line ends, as the Windows export does)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(spellings[0] for spellings in COLUMNS.values())
        for e in entries:
            writer.writerow(
                [
                    e.index_no,
                    e.title,
                    e.summary,
                    e.created.isoformat(),
                    e.published.isoformat() if e.published else "",
                    e.body,
                    e.doc_number,
                    e.subject,
                    e.genre,
                    e.validity,
                    e.disclosure,
                    _channel_cell(e),
                    e.drafter,
                    e.drafter_phone,
                    e.internal_note,
                    e.doc_kind,
                    e.repealed_on.isoformat() if e.repealed_on else "",
                ]
            )


def _responses(rng: random.Random, entries: list[_Entry]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for year, counts in RESPONSE_COUNTS.items():
        last = dt.date(year, 3, 29) if year == 2019 else dt.date(year, 12, 28)
        days = _workdays(dt.date(year, 1, 3), last)
        policies = [
            e
            for e in entries
            if e.year == year and e.kind == "formal" and e.disclosure == "主动公开"
        ]
        year_rows: list[dict[str, object]] = []
        for method, count in counts.items():
            for _ in range(count):
                topic, _subject = rng.choice(words.TOPICS)
                row: dict[str, object] = {"method": method, "handler": _name(rng)}
                row["handler_phone"] = f"0432-6{rng.randrange(10**6, 10**7)}"
                if method == "政策解读稿件":
                    policy = rng.choice(policies)
                    assert policy.published is not None
                    row["date"] = min(policy.published + dt.timedelta(rng.randint(0, 3)), last)
                    row["topic"] = f"《{policy.title}》政策解读"
                    row["platform"] = "吉林经开区政务公开网"
                    row["related_index_no"] = policy.index_no
                    page = f"t{row['date']:%Y%m%d}_{rng.randrange(1000, 9999)}.html"
                    row["url"] = f"{PORTAL}/zwgk/zcjd/{year}/{page}"
                    policies.remove(policy)
                else:
                    row["date"] = rng.choice(days)
                    template = rng.choice(words.RESPONSE_TOPICS[method])
                    row["topic"] = _fill(rng, template, "", topic, year)
                    row.update(_response_place(rng, method, year))
                    if method == "其他" and "12345" in str(row["topic"]):
                        row["petitioner"] = rng.choice(words.SURNAMES) + rng.choice(
                            ("先生", "女士")
                        )
                year_rows.append(row)
        year_rows.sort(key=lambda r: (r["date"], str(r["topic"])))
        for serial, row in enumerate(year_rows, start=1):
            row["response_id"] = f"HY{year}-{serial:03d}"
        rows += year_rows
    return rows


def _response_place(rng: random.Random, method: str, year: int) -> dict[str, object]:
    slug = "".join(
        rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ_-") for _ in range(22)
    )
    if method == "微博微信":
        if rng.random() < 0.7:
            return {
                "platform": "吉林经济技术开发区新闻中心微信公众号",
                "url": f"https://mp.weixin.qq.com/s/{slug}",
            }
        return {"platform": "吉林经开区官方微博", "url": f"https://weibo.com/jljkq/{slug[:9]}"}
    if method == "新闻发布会":
        return {"platform": "管委会多功能厅"}
    if method == "在线访谈":
        return {
            "platform": "门户网站在线访谈栏目",
            "url": f"{PORTAL}/hdjl/zxft/{year}/{slug[:8]}.html",
        }
    place = rng.choice(("门户网站“领导信箱”栏目", "12345政务服务便民热线", "《吉林经开报》"))
    return {"platform": place}


def write_responses(path: Path, rows: list[dict[str, object]]) -> None:
    """Write the ledger: a title row, the heading row, one row per response."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "回应解读台账"
    sheet.append(["吉林经济技术开发区管委会回应解读工作台账（2017—2019年）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADINGS.values()))
    for row in rows:
        values = [row.get(name) for name in HEADINGS]
        when = row["date"]
        assert isinstance(when, dt.date)
        if when.year == 2017:
            # The 2017 part of the ledger was typed by hand before the template had date cells.
            values[1] = f"{when.year}年{when.month}月{when.day}日"
        sheet.append(values)
        if when.year != 2017:
            sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd"
    fixed = dt.datetime(2019, 1, 10, 9, 0, 0)
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.save(path)


def _plant_text(
    entries: list[_Entry],
    responses: list[dict[str, object]],
    planted: Sequence[tuple[str, str, str]],
) -> None:
    """Append each text to its field in the next published entry or response, in order (the
    first text of a field goes into the first published row, the second into the second…)."""
    published = [e for e in entries if e.disclosure == "主动公开" and e.published is not None]
    withheld = [e for e in entries if e.disclosure != "主动公开"]
    used: Counter[tuple[str, str]] = Counter()
    for resource, name, text in planted:
        if name not in (*PLANTABLE.get(resource, ()), *UNPUBLISHED_PLANTABLE.get(resource, ())):
            raise ValueError(
                f"cannot plant into {resource}.{name}; "
                f"plantable: {PLANTABLE}, {UNPUBLISHED_PLANTABLE}"
            )
        n = used[resource, name]
        used[resource, name] += 1
        if resource != "responses":
            entry = (withheld if resource == "withheld_entries" else published)[n]
            setattr(entry, name, f"{getattr(entry, name)}{text}")
        else:
            row = responses[n]
            row[name] = f"{row.get(name) or ''}{text}"


def write_origin(
    dest: Path,
    *,
    plant: bool = False,
    seed: int = 2018,
    planted: Sequence[tuple[str, str, str]] = (),
) -> dict[str, object]:
    """Write the origin into ``dest`` and return the source config that reads it.

    With ``plant=True`` the origin also holds personal-data markers (an ID number, a mobile
    number, the name 王秘密) in the private columns of both files and in withheld entries, and
    two extra withheld entries titled 绝密测试记录; none of it may reach a published byte.

    ``planted=[(resource, field, text), …]`` appends each ``text`` to that published field (one
    of :data:`PLANTABLE`) of a published entry or response, the n-th text of a field in the n-th
    row: the privacy tests plant values that must fail the run, or identifiers that must publish;
    or to a place no published byte carries (:data:`UNPUBLISHED_PLANTABLE`).
    """
    dest.mkdir(parents=True, exist_ok=True)
    entries = generate_entries(seed, plant)
    rng = random.Random(seed + 2)
    responses = _responses(rng, entries)
    _plant_text(entries, responses, planted)
    write_catalog(dest / "catalog.csv", entries)
    if plant:
        target = next(
            r
            for r in responses
            if r["method"] == "其他" and str(r["response_id"]).startswith("HY2018")
        )
        target.update(
            handler=PLANT_NAME,
            handler_phone=PLANT_MOBILE,
            petitioner=PLANT_NAME,
            petitioner_id=PLANT_ID,
        )
    write_responses(dest / "responses.xlsx", responses)
    return {
        "catalog_csv": str(dest / "catalog.csv"),
        "encoding": "gb18030",
        "responses_xlsx": str(dest / "responses.xlsx"),
    }


if __name__ == "__main__":
    write_origin(Path(__file__).resolve().parent / "sample")
