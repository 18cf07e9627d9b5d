"""Seeded generator of the archive room's sample database (``sample/archive.sqlite``).

Run ``python -m opendata_archive_room.samplegen`` to rewrite the shipped sample. The database
imitates an archive management system: an archive catalogue (open and controlled records, with
internal columns such as 密级 and 备注) and a look-up log holding each requester's name, ID
number and phone. 2017 has 140-odd free look-ups by enterprises and institutions, as the 2018
annual report says ("2017年…免费为经开区企事业单位查找资料140余次"); the log continues into 2018.

With ``plant=True`` it also plants the privacy markers used by the end-to-end privacy test in
every column where such data could sit: the log's name, ID number, phone and remark columns, the
catalogue's remark column, and controlled (not open) catalogue records titled 绝密测试记录.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import chinese_calendar

DATABASE_FILE = "archive.sqlite"

PLANTED_ID = "11010519491231002X"
PLANTED_PHONE = "13912345678"
PLANTED_NAME = "王秘密"
PLANTED_TITLE = "绝密测试记录"

#: Text a test may plant with ``write_origin(planted=(resource, field, text))``: published fields
#: of the open catalogue (resource → field → column of the ``archive_catalogue`` table) …
PLANTABLE: dict[str, dict[str, int]] = {"catalogue": {"title": 7, "responsible": 8}}
#: … and origin columns no published byte carries (the look-up log is published only as monthly
#: counts; a record's remarks never): table → column → position in the inserted tuples.
UNPUBLISHED_PLANTABLE: dict[str, dict[str, int]] = {
    "lookup_log": {
        "requester_name": 1,
        "id_number": 2,
        "phone": 3,
        "organisation": 5,
        "handled_by": 10,
        "remarks": 11,
    },
    "archive_catalogue": {"remarks": 13},
}

FONDS = "0131"
CATEGORIES = (
    ("文书档案", "WS", 70),
    ("科技档案", "KJ", 12),
    ("会计档案", "KU", 12),
    ("照片档案", "ZP", 6),
)
RETENTIONS = (("永久", "Y", 30), ("30年", "D30", 40), ("10年", "D10", 30))
OFFICES = (
    ("管委会办公室", "BGS"),
    ("经济发展局", "JFJ"),
    ("规划建设局", "GJJ"),
    ("财政局", "CZJ"),
    ("社会事业管理局", "SSJ"),
)
TOPICS = (
    "招商引资项目落地",
    "化工园区安全生产检查",
    "年度财政预算执行",
    "九站街道棚户区改造",
    "企业用地规划许可",
    "道路管网建设工程",
    "安全生产月活动",
    "防汛抗旱工作",
    "干部教育培训",
    "政务公开工作",
    "园区环境综合整治",
    "重点项目建设调度",
    "春节期间值班安排",
    "信访稳定工作",
    "节能减排目标责任",
    "社会事业发展规划",
)
GENRES = ("通知", "请示", "批复", "报告", "会议纪要", "意见", "决定")
SURNAMES = "张李王刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
COMPANIES = (
    "吉林市恒远化工有限公司",
    "吉林经开区新材料科技有限公司",
    "吉林北方碳纤维有限公司",
    "吉林市兴达物流有限公司",
    "吉林宏图建设工程有限公司",
    "吉林市九站热电有限公司",
)
INSTITUTIONS = ("吉林化工学院", "吉林市第十二中学", "经开区社区卫生服务中心", "吉林市档案馆")
AGENCIES = ("经开区财政局", "经开区规划建设局", "九站街道办事处", "吉林市审计局")
SOCIETIES = ("吉林市化工行业协会", "经开区企业家协会")

#: Purposes weighted by kind of requester.
PURPOSES = {
    "企业": (("项目申报", 40), ("法律凭证", 30), ("工作查考", 30)),
    "事业单位": (("工作查考", 60), ("编史修志", 25), ("学术研究", 15)),
    "机关": (("工作查考", 80), ("编史修志", 20)),
    "社会团体": (("学术研究", 50), ("编史修志", 50)),
    "个人": (("个人取证", 70), ("法律凭证", 20), ("学术研究", 10)),
}

SCHEMA = """
CREATE TABLE archive_catalogue (
    id INTEGER PRIMARY KEY,
    archive_no VARCHAR(40) NOT NULL UNIQUE,
    fonds_no VARCHAR(10) NOT NULL,
    category VARCHAR(10) NOT NULL,
    year INTEGER NOT NULL,
    retention VARCHAR(10) NOT NULL,
    office_code VARCHAR(10) NOT NULL,
    item_no INTEGER NOT NULL,
    title VARCHAR(200) NOT NULL,
    responsible VARCHAR(50),
    doc_date DATE,
    pages INTEGER,
    secret_level VARCHAR(10),
    open_status VARCHAR(10) NOT NULL,
    remarks VARCHAR(200)
);
CREATE TABLE lookup_log (
    id INTEGER PRIMARY KEY,
    lookup_date DATE NOT NULL,
    requester_name VARCHAR(50) NOT NULL,
    id_number VARCHAR(18),
    phone VARCHAR(20),
    requester_kind VARCHAR(10) NOT NULL,
    organisation VARCHAR(100),
    purpose VARCHAR(20) NOT NULL,
    archive_no VARCHAR(40),
    pages INTEGER NOT NULL,
    fee NUMERIC(10, 2) NOT NULL DEFAULT 0,
    handled_by VARCHAR(20),
    remarks VARCHAR(200)
);
CREATE INDEX ix_lookup_log_date ON lookup_log (lookup_date);
"""


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _id_number(rng: random.Random) -> str:
    """A synthetic resident ID number with a valid GB 11643 check digit (吉林市 area codes)."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
    body = f"2202{rng.choice(('01', '02', '03', '04', '11'))}{born:%Y%m%d}{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice((35, 39, 50, 58, 86, 88))}{rng.randrange(10**8):08d}"


def _workdays(year: int) -> list[dt.date]:
    day, days = dt.date(year, 1, 1), []
    while day.year == year:
        if chinese_calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _catalogue(rng: random.Random) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    serials: dict[tuple[str, int, str, str], int] = {}
    for year in range(2003, 2018):
        for _ in range(rng.randint(25, 45)):
            category, cat_code, _w = rng.choices(CATEGORIES, weights=[c[2] for c in CATEGORIES])[0]
            retention, ret_code, _w = rng.choices(RETENTIONS, weights=[r[2] for r in RETENTIONS])[0]
            office, office_code = rng.choice(OFFICES)
            key = (cat_code, year, ret_code, office_code)
            serials[key] = serials.get(key, 0) + 1
            item = serials[key]
            secret = "秘密" if rng.random() < 0.05 else "无"
            # Records under a secrecy level and a share of the rest stay 控制 (controlled use).
            open_status = "控制" if secret != "无" or rng.random() < 0.3 else "开放"
            doc_date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            title = f"{office}关于{rng.choice(TOPICS)}的{rng.choice(GENRES)}"
            remarks = rng.choice(("", "", "", "复印件", "附件另存", "原件借出已归还"))
            rows.append((
                f"{FONDS}-{cat_code}·{year}-{ret_code}-{office_code}-{item:04d}",
                FONDS, category, year, retention, office_code, item, title, office,
                doc_date.isoformat(), rng.randint(1, 60), secret, open_status, remarks,
            ))  # fmt: skip
    return rows


def _log(rng: random.Random, open_nos: list[str]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    plan = {
        # year: (enterprise and institution look-ups, other look-ups)
        2017: (rng.randint(141, 149), rng.randint(15, 25)),
        2018: (rng.randint(150, 170), rng.randint(15, 25)),
    }
    archivists = ("刘敏", "高静")
    for year, (business, others) in plan.items():
        days = _workdays(year)
        kinds = [rng.choice(("企业", "企业", "事业单位")) for _ in range(business)]
        kinds += rng.choices(("机关", "个人", "社会团体"), weights=(70, 25, 5), k=others)
        for kind in kinds:
            organisation = {
                "企业": COMPANIES,
                "事业单位": INSTITUTIONS,
                "机关": AGENCIES,
                "社会团体": SOCIETIES,
            }.get(kind)
            rows.append((
                rng.choice(days).isoformat(), _name(rng), _id_number(rng), _phone(rng), kind,
                rng.choice(organisation) if organisation else None,
                _weighted(rng, PURPOSES[kind]), rng.choice(open_nos), rng.randint(1, 30),
                "0.00", rng.choice(archivists), "",
            ))  # fmt: skip
    rows.sort(key=lambda r: str(r[0]))
    return rows


def _planted_catalogue(count: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i, status in enumerate(("控制", "不开放", "延期开放"), start=1):
        rows.append((
            f"{FONDS}-WS·2017-Y-BGS-{9000 + i:04d}", FONDS, "文书档案", 2017, "永久", "BGS",
            9000 + i, f"{PLANTED_TITLE}（第{i}件）", "管委会办公室", "2017-12-01", 3, "秘密",
            status, f"经办人{PLANTED_NAME} {PLANTED_PHONE} 身份证{PLANTED_ID}",
        ))  # fmt: skip
    return rows[:count]


def _planted_log(open_no: str) -> list[tuple[object, ...]]:
    return [
        ("2018-03-12", PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, "个人", None, "个人取证",
         open_no, 2, "0.00", "刘敏", f"{PLANTED_NAME}本人查阅，电话{PLANTED_PHONE}"),
        ("2018-06-05", f"{PLANTED_NAME}（代理人）", PLANTED_ID, PLANTED_PHONE, "企业",
         COMPANIES[0], "法律凭证", open_no, 5, "0.00", "高静", f"证件号{PLANTED_ID}"),
    ]  # fmt: skip


def _plant_text(
    catalogue: list[tuple[object, ...]],
    log: list[tuple[object, ...]],
    planted: Sequence[tuple[str, str, str]],
) -> None:
    """Append each text to its column in the next open record or look-up, in order (the first
    text of a column goes into the first such row, the second into the second…)."""
    open_rows = [i for i, row in enumerate(catalogue) if row[12] == "开放"]
    used: Counter[tuple[str, str]] = Counter()
    for resource, name, text in planted:
        if name in PLANTABLE.get(resource, {}):
            rows, column = catalogue, PLANTABLE[resource][name]
        elif name in UNPUBLISHED_PLANTABLE.get(resource, {}):
            rows = log if resource == "lookup_log" else catalogue
            column = UNPUBLISHED_PLANTABLE[resource][name]
        else:
            raise ValueError(
                f"cannot plant into {resource}.{name}; "
                f"plantable: {PLANTABLE}, {UNPUBLISHED_PLANTABLE}"
            )
        n = used[resource, name]
        used[resource, name] += 1
        index = n if rows is log else open_rows[n]
        row = list(rows[index])
        row[column] = f"{row[column] or ''}{text}"
        rows[index] = tuple(row)


def write_origin(
    dest: Path,
    *,
    plant: bool = False,
    seed: int = 2018,
    planted: Sequence[tuple[str, str, str]] = (),
) -> dict[str, object]:
    """Write the sample database into ``dest`` and return the source config pointing at it.

    ``planted=[(resource, field, text), …]`` appends each ``text`` to a published field of an
    open record (:data:`PLANTABLE`) or to an origin column that is never published
    (:data:`UNPUBLISHED_PLANTABLE`), the n-th text of a field in the n-th row: the privacy tests
    plant values that must fail the run, that must stay unpublished, or public identifiers that
    must publish.
    """
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / DATABASE_FILE
    path.unlink(missing_ok=True)
    catalogue = _catalogue(rng)
    open_nos = [str(r[0]) for r in catalogue if r[12] == "开放"]
    log = _log(rng, open_nos)
    if plant:
        catalogue += _planted_catalogue(3)
        log += _planted_log(open_nos[0])
    _plant_text(catalogue, log, planted)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO archive_catalogue (archive_no, fonds_no, category, year, retention,"
            " office_code, item_no, title, responsible, doc_date, pages, secret_level,"
            " open_status, remarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            catalogue,
        )
        conn.executemany(
            "INSERT INTO lookup_log (lookup_date, requester_name, id_number, phone,"
            " requester_kind, organisation, purpose, archive_no, pages, fee, handled_by,"
            " remarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            log,
        )
        conn.commit()
    finally:
        conn.close()
    return {"database_url": f"sqlite:///{path}"}


def main() -> None:
    """Rewrite the shipped sample next to this module."""
    config = write_origin(Path(__file__).resolve().parent / "sample")
    print(f"wrote {config['database_url']}")


if __name__ == "__main__":
    main()
