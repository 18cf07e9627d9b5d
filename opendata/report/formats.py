"""The three formats of the 政府信息公开工作年度报告: every row and column, with stable codes.

Codes are ASCII and never change (the generator, the checker, the JSON output and the
``annual_reports`` dataset all key cells by them); labels are the national format's own Chinese
text. ``keys`` are the distinctive phrases the extractor looks for in a label, tolerant of the
numbering and spacing that offices vary.

- "2021": 国办公开办函〔2021〕30号, reports on 2021 onward.
- "2019-trial": 国办公开办函〔2019〕60号, reports on 2019–2020
  (Table 二 differs; a single 其他处理 row).
- "pre-2019": prose plus the provincial statistics sheet (the founding 2018 report).

Every format also has the table ``sheet``: figures stated in prose (channels of publication,
responses by method, applications, 复议/诉讼, fees). For pre-2019 reports it is the provincial
sheet; for the later formats it holds what the prose says so that X3 can check it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT_2021 = "2021"
FORMAT_2019 = "2019-trial"
FORMAT_PRE2019 = "pre-2019"

TABLE2 = "table2"
TABLE3 = "table3"
TABLE4 = "table4"
SHEET = "sheet"


@dataclass(frozen=True)
class Axis:
    """One row or column: stable code, Chinese label, English mirror, phrases that identify it."""

    code: str
    label: str
    label_en: str
    keys: tuple[str, ...] = ()
    # For a Table 二 row: the columns it has (that table is not a full grid).
    columns: tuple[str, ...] = ()
    # For a row: the heading it stands under (（三）不予公开 …), for display.
    group: str = ""


@dataclass(frozen=True)
class TableSpec:
    code: str
    label: str
    label_en: str
    rows: tuple[Axis, ...]
    columns: tuple[Axis, ...]
    unit: str = "件"

    def row(self, code: str) -> Axis:
        return next(r for r in self.rows if r.code == code)

    def column(self, code: str) -> Axis:
        return next(c for c in self.columns if c.code == code)

    def columns_of(self, row_code: str) -> tuple[str, ...]:
        """The columns a row has: its own list, or every column."""
        own = self.row(row_code).columns
        return own or tuple(c.code for c in self.columns)


@dataclass(frozen=True)
class SectionSpec:
    code: str
    label: str


@dataclass(frozen=True)
class FormatSpec:
    id: str
    label: str
    document: str
    years: tuple[int, int]  # first and last year reported on in this format
    sections: tuple[SectionSpec, ...]
    tables: dict[str, TableSpec] = field(default_factory=dict)


# ---------------------------------------------------------------- Table 三 (applications)

APPLICANT_COLUMNS: tuple[Axis, ...] = (
    Axis("natural", "自然人", "natural persons", ("自然人",)),
    Axis("business", "商业企业", "businesses", ("商业企业",)),
    Axis("research", "科研机构", "research institutions", ("科研机构",)),
    Axis("charity", "社会公益组织", "public-interest organisations", ("社会公益组织",)),
    Axis("legal", "法律服务机构", "legal service organisations", ("法律服务机构",)),
    Axis("other", "其他", "other organisations", ("其他",)),
    Axis("total", "总计", "total", ("总计",)),
)
# The six columns whose sum is 总计 (R3).
APPLICANT_PARTS = ("natural", "business", "research", "charity", "legal", "other")

_G3 = "（三）不予公开"
_G4 = "（四）无法提供"
_G5 = "（五）不予处理"
_G6 = "（六）其他处理"

_T3_HEAD: tuple[Axis, ...] = (
    Axis("1", "一、本年新收政府信息公开申请数量", "new applications this year", ("本年新收",)),
    Axis("2", "二、上年结转政府信息公开申请数量", "carried over from last year", ("上年结转",)),
    Axis("3.1", "（一）予以公开", "disclosed", ("予以公开",)),
    Axis(
        "3.2",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "partly disclosed",
        ("部分公开",),
    ),
    Axis("3.3.1", "1.属于国家秘密", "state secret", ("国家秘密",), group=_G3),
    Axis(
        "3.3.2", "2.其他法律行政法规禁止公开", "forbidden by other laws", ("禁止公开",), group=_G3
    ),
    Axis(
        "3.3.3",
        "3.危及“三安全一稳定”",
        "endangers the three securities",
        ("三安全一稳定",),
        group=_G3,
    ),
    Axis("3.3.4", "4.保护第三方合法权益", "third-party rights", ("第三方合法权益",), group=_G3),
    Axis("3.3.5", "5.属于三类内部事务信息", "internal affairs", ("内部事务",), group=_G3),
    Axis("3.3.6", "6.属于四类过程性信息", "process information", ("过程性信息",), group=_G3),
    Axis("3.3.7", "7.属于行政执法案卷", "law-enforcement files", ("行政执法案卷",), group=_G3),
    Axis("3.3.8", "8.属于行政查询事项", "administrative enquiry", ("行政查询事项",), group=_G3),
    Axis("3.4.1", "1.本机关不掌握相关政府信息", "not held", ("不掌握",), group=_G4),
    Axis(
        "3.4.2", "2.没有现成信息需要另行制作", "would have to be made", ("没有现成信息",), group=_G4
    ),
    Axis("3.4.3", "3.补正后申请内容仍不明确", "still unclear", ("仍不明确",), group=_G4),
    Axis("3.5.1", "1.信访举报投诉类申请", "petitions and complaints", ("信访举报投诉",), group=_G5),
    Axis("3.5.2", "2.重复申请", "repeated application", ("重复申请",), group=_G5),
    Axis("3.5.3", "3.要求提供公开出版物", "published material", ("公开出版物",), group=_G5),
    Axis("3.5.4", "4.无正当理由大量反复申请", "vexatious", ("大量反复申请",), group=_G5),
    Axis(
        "3.5.5",
        "5.要求行政机关确认或重新出具已获取信息",
        "confirm or reissue",
        ("重新出具",),
        group=_G5,
    ),
)
_T3_OTHER_2021: tuple[Axis, ...] = (
    Axis(
        "3.6.1",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "no correction in time",
        ("逾期不补正",),
        group=_G6,
    ),
    Axis(
        "3.6.2",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "fee not paid in time",
        ("缴纳费用", "未缴费", "收费通知"),
        group=_G6,
    ),
    Axis("3.6.3", "3.其他", "other", ("其他",), group=_G6),
)
_T3_OTHER_2019: tuple[Axis, ...] = (Axis("3.6", "（六）其他处理", "other handling", ("其他处理",)),)
_T3_TAIL: tuple[Axis, ...] = (
    Axis("3.7", "（七）总计", "total handled", ("总计",)),
    Axis("4", "四、结转下年度继续办理", "carried over to next year", ("结转下年",)),
)


def _table3(other: tuple[Axis, ...]) -> TableSpec:
    return TableSpec(
        TABLE3,
        "三、收到和处理政府信息公开申请情况",
        "applications received and handled",
        _T3_HEAD + other + _T3_TAIL,
        APPLICANT_COLUMNS,
    )


def outcome_rows(spec: TableSpec) -> tuple[str, ...]:
    """Table 三's outcome rows whose sum is （七）总计 (R2)."""
    return tuple(r.code for r in spec.rows if r.code.startswith("3.") and r.code != "3.7")


# ---------------------------------------------------------------- Table 四 (review, litigation)

OUTCOMES = (
    ("upheld", "结果维持", "upheld", ("维持",)),
    ("corrected", "结果纠正", "corrected", ("纠正",)),
    ("other", "其他结果", "other result", ("其他",)),
    ("pending", "尚未审结", "pending", ("尚未审结",)),
    ("total", "总计", "total", ("总计",)),
)
GROUPS = (
    ("review", "行政复议", "administrative review"),
    ("suit_direct", "行政诉讼·未经复议直接起诉", "litigation without review"),
    ("suit_after_review", "行政诉讼·复议后起诉", "litigation after review"),
)
TABLE4_SPEC = TableSpec(
    TABLE4,
    "四、政府信息公开行政复议、行政诉讼情况",
    "administrative review and litigation",
    (Axis("all", "（合计）", "all cases"),),
    tuple(
        Axis(f"{g}.{o}", f"{glabel}·{olabel}", f"{gen}: {oen}", keys)
        for g, glabel, gen in GROUPS
        for o, olabel, oen, keys in OUTCOMES
    ),
)


# ---------------------------------------------------------------- Table 二 (proactive)

TABLE2_2021 = TableSpec(
    TABLE2,
    "二、主动公开政府信息情况",
    "proactive disclosure",
    (
        Axis(
            "20.1.rules",
            "规章",
            "rules",
            ("规章",),
            ("issued", "repealed", "in_force"),
            "第二十条第（一）项",
        ),
        Axis(
            "20.1.normative",
            "行政规范性文件",
            "normative documents",
            ("规范性文件",),
            ("issued", "repealed", "in_force"),
            "第二十条第（一）项",
        ),
        Axis(
            "20.5.licensing",
            "行政许可",
            "licensing",
            ("行政许可",),
            ("decisions",),
            "第二十条第（五）项",
        ),
        Axis(
            "20.6.penalty",
            "行政处罚",
            "penalties",
            ("行政处罚",),
            ("decisions",),
            "第二十条第（六）项",
        ),
        Axis(
            "20.6.enforcement",
            "行政强制",
            "enforcement",
            ("行政强制",),
            ("decisions",),
            "第二十条第（六）项",
        ),
        Axis(
            "20.8.fees",
            "行政事业性收费",
            "administrative fees",
            ("行政事业性收费",),
            ("amount",),
            "第二十条第（八）项",
        ),
    ),
    (
        Axis("issued", "本年制发件数", "issued this year", ("制发",)),
        Axis("repealed", "本年废止件数", "repealed this year", ("废止",)),
        Axis("in_force", "现行有效件数", "in force", ("现行有效",)),
        Axis("decisions", "本年处理决定数量", "decisions this year", ("处理决定",)),
        Axis("amount", "本年收费金额（单位：万元）", "fees collected (10,000 yuan)", ("收费金额",)),
    ),
)

_ITEMS3 = ("previous", "change", "decisions")
TABLE2_2019 = TableSpec(
    TABLE2,
    "二、主动公开政府信息情况",
    "proactive disclosure",
    (
        Axis(
            "20.1.rules",
            "规章",
            "rules",
            ("规章",),
            ("made", "published", "total"),
            "第二十条第（一）项",
        ),
        Axis(
            "20.1.normative",
            "规范性文件",
            "normative documents",
            ("规范性文件",),
            ("made", "published", "total"),
            "第二十条第（一）项",
        ),
        Axis(
            "20.5.licensing", "行政许可", "licensing", ("行政许可",), _ITEMS3, "第二十条第（五）项"
        ),
        Axis(
            "20.5.services",
            "其他对外管理服务事项",
            "other services",
            ("对外管理服务",),
            _ITEMS3,
            "第二十条第（五）项",
        ),
        Axis("20.6.penalty", "行政处罚", "penalties", ("行政处罚",), _ITEMS3, "第二十条第（六）项"),
        Axis(
            "20.6.enforcement",
            "行政强制",
            "enforcement",
            ("行政强制",),
            _ITEMS3,
            "第二十条第（六）项",
        ),
        Axis(
            "20.8.fees",
            "行政事业性收费",
            "administrative fees",
            ("行政事业性收费",),
            ("previous", "change"),
            "第二十条第（八）项",
        ),
        Axis(
            "20.9.procurement",
            "政府集中采购",
            "central procurement",
            ("政府集中采购",),
            ("items", "amount"),
            "第二十条第（九）项",
        ),
    ),
    (
        Axis("made", "本年新制作数量", "made this year", ("新制作",)),
        Axis("published", "本年新公开数量", "published this year", ("新公开",)),
        Axis("total", "对外公开总数量", "published in total", ("对外公开总数",)),
        Axis("previous", "上一年项目数量", "items last year", ("上一年项目",)),
        Axis("change", "本年增/减", "change this year", ("增/减", "增减")),
        Axis("decisions", "处理决定数量", "decisions", ("处理决定",)),
        Axis("items", "采购项目数量", "procurement items", ("采购项目",)),
        Axis("amount", "采购总金额", "procurement amount (10,000 yuan)", ("采购总金额",)),
    ),
)


# ---------------------------------------------------------------- the sheet (figures in prose)

VALUE = "value"
# (code, label, English, keys in prose, exclusive parts?) — see SHEET_PARTS for X3.
SHEET_SPEC = TableSpec(
    SHEET,
    "统计表（正文所述数字）",
    "statistics sheet (figures stated in prose)",
    (
        Axis("proactive.total", "主动公开政府信息（条）", "items published proactively"),
        Axis("proactive.gov_open_site", "其中：政务公开网", "via the disclosure site"),
        Axis("proactive.portal", "其中：政府门户网站", "via the portal"),
        Axis("proactive.wechat", "其中：微信公众号", "via WeChat"),
        Axis("proactive.weibo", "其中：政务微博", "via Weibo"),
        Axis("proactive.gazette", "其中：政府公报", "via the gazette"),
        Axis("proactive.other", "其中：其他渠道", "via other channels"),
        Axis("response.total", "回应公众关注热点（次）", "responses to public concern"),
        Axis("response.press_conference", "其中：新闻发布会", "press conferences"),
        Axis("response.online_interview", "其中：在线访谈", "online interviews"),
        Axis("response.policy_reading", "其中：政策解读稿件", "policy explanations"),
        Axis("response.weibo_wechat", "其中：微博微信", "Weibo and WeChat"),
        Axis("response.other", "其中：其他方式", "other methods"),
        Axis("application.received", "收到依申请公开申请（件）", "applications received"),
        Axis("application.completed", "办结依申请公开申请（件）", "applications completed"),
        Axis("review.total", "行政复议（件）", "administrative reviews"),
        Axis("suit.total", "行政诉讼（件）", "lawsuits"),
        Axis("complaint.total", "举报投诉（件）", "complaints"),
        Axis("fees.amount", "收取费用（万元）", "fees collected (10,000 yuan)"),
    ),
    (Axis(VALUE, "数量", "value"),),
)


@dataclass(frozen=True)
class PartsSpec:
    """A total and its parts by channel or method (X3)."""

    total: str
    parts: tuple[str, ...]
    overlapping: bool  # one item may appear in several parts: parts sum >= total; else ==
    label: str
    label_en: str


SHEET_PARTS: tuple[PartsSpec, ...] = (
    PartsSpec(
        "proactive.total",
        (
            "proactive.gov_open_site",
            "proactive.portal",
            "proactive.wechat",
            "proactive.weibo",
            "proactive.gazette",
            "proactive.other",
        ),
        True,  # one document is posted on the site, the portal and WeChat alike
        "主动公开信息按渠道",
        "items published, by channel",
    ),
    PartsSpec(
        "response.total",
        (
            "response.press_conference",
            "response.online_interview",
            "response.policy_reading",
            "response.weibo_wechat",
            "response.other",
        ),
        False,  # each response is counted under the one method it was made by
        "回应解读按方式",
        "responses, by method",
    ),
)


# ---------------------------------------------------------------- the formats

SECTIONS_2021: tuple[SectionSpec, ...] = (
    SectionSpec("1", "一、总体情况"),
    SectionSpec("2", "二、主动公开政府信息情况"),
    SectionSpec("3", "三、收到和处理政府信息公开申请情况"),
    SectionSpec("4", "四、政府信息公开行政复议、行政诉讼情况"),
    SectionSpec("5", "五、存在的主要问题及改进情况"),
    SectionSpec("6", "六、其他需要报告的事项"),
)
SECTIONS_PRE2019: tuple[SectionSpec, ...] = (
    SectionSpec("1", "一、概述"),
    SectionSpec("2", "二、主动公开政府信息的情况"),
    SectionSpec("3", "三、回应解读情况"),
    SectionSpec("4", "四、依申请公开政府信息办理情况"),
    SectionSpec("5", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    SectionSpec("6", "六、机构建设、保障经费和培训会议情况"),
    SectionSpec("7", "七、存在的主要问题及改进情况"),
)

FORMATS: dict[str, FormatSpec] = {
    FORMAT_2021: FormatSpec(
        FORMAT_2021,
        "政府信息公开工作年度报告格式（2021）",
        "国办公开办函〔2021〕30号",
        (2021, 9999),
        SECTIONS_2021,
        {
            TABLE2: TABLE2_2021,
            TABLE3: _table3(_T3_OTHER_2021),
            TABLE4: TABLE4_SPEC,
            SHEET: SHEET_SPEC,
        },
    ),
    FORMAT_2019: FormatSpec(
        FORMAT_2019,
        "政府信息公开工作年度报告格式（试行）",
        "国办公开办函〔2019〕60号",
        (2019, 2020),
        SECTIONS_2021,
        {
            TABLE2: TABLE2_2019,
            TABLE3: _table3(_T3_OTHER_2019),
            TABLE4: TABLE4_SPEC,
            SHEET: SHEET_SPEC,
        },
    ),
    FORMAT_PRE2019: FormatSpec(
        FORMAT_PRE2019,
        "政府信息公开工作年度报告（文字报告及省统计表）",
        "《中华人民共和国政府信息公开条例》（2007）",
        (2008, 2018),
        SECTIONS_PRE2019,
        {SHEET: SHEET_SPEC},
    ),
}


def format_for_year(year: int) -> FormatSpec:
    """The format a report on ``year`` must follow."""
    if year >= 2021:
        return FORMATS[FORMAT_2021]
    if year >= 2019:
        return FORMATS[FORMAT_2019]
    return FORMATS[FORMAT_PRE2019]
