"""Outcomes of requests in the national 2021 format, and how older register labels map onto it.

The annual report format of 国办公开办函〔2021〕30号 (Table 三) lists 21 outcome rows under
三、本年度办理结果. Every published outcome is one of them, written ``类别·情形`` (e.g.
``不予公开·属于国家秘密``). Registers kept under earlier rules use other labels; this module maps
them (the published schemas' description of ``outcome`` points here):

2019 trial format (国办公开办函〔2019〕60号, replies in 2019–2020): the same rows except a single
其他处理 row, which maps to ``其他处理·其他``.

2007 regulation era (replies before 2019-05-15; provincial statistics sheets):

=============================================  ==============================================
register label (办理结果 / 具体情形)              2021 outcome
=============================================  ==============================================
同意公开                                        予以公开
同意部分公开                                    部分公开
不同意公开 / 涉及国家秘密                        不予公开·属于国家秘密
不同意公开 / 涉及商业秘密, 涉及个人隐私           不予公开·保护第三方合法权益
不同意公开 / 危及国家安全、公共安全、经济安全
和社会稳定                                      不予公开·危及"三安全一稳定"
不同意公开 / 法律法规规定的其他情形               不予公开·其他法律行政法规禁止公开
不同意公开 / 不是《条例》所指政府信息             其他处理·其他
信息不存在; 非本机关掌握                         无法提供·本机关不掌握相关政府信息
申请内容不明确                                  无法提供·补正后申请内容仍不明确
重复申请                                        不予处理·重复申请
告知通过其他途径办理                             其他处理·其他
=============================================  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass

#: Separator between category and circumstance in a published outcome.
SEP = "·"


@dataclass(frozen=True)
class OutcomeRow:
    """One outcome row of Table 三: its code in the national layout and its labels."""

    code: str
    category: str
    circumstance: str
    #: The label as printed in Table 三, e.g. "（三）不予公开 1.属于国家秘密".
    table_label: str

    @property
    def outcome(self) -> str:
        """The published outcome, e.g. ``不予公开·属于国家秘密``."""
        return f"{self.category}{SEP}{self.circumstance}" if self.circumstance else self.category


def _group(number: str, category: str, circumstances: tuple[str, ...]) -> list[OutcomeRow]:
    return [
        OutcomeRow(f"三{number}{i}", category, text, f"{number}{category} {i}.{text}")
        for i, text in enumerate(circumstances, start=1)
    ]


OUTCOME_ROWS: tuple[OutcomeRow, ...] = (
    OutcomeRow("三（一）", "予以公开", "", "（一）予以公开"),
    OutcomeRow(
        "三（二）",
        "部分公开",
        "",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    *_group(
        "（三）",
        "不予公开",
        (
            "属于国家秘密",
            "其他法律行政法规禁止公开",
            '危及"三安全一稳定"',
            "保护第三方合法权益",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "属于行政执法案卷",
            "属于行政查询事项",
        ),
    ),
    *_group(
        "（四）",
        "无法提供",
        ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"),
    ),
    *_group(
        "（五）",
        "不予处理",
        (
            "信访举报投诉类申请",
            "重复申请",
            "要求提供公开出版物",
            "无正当理由大量反复申请",
            "要求行政机关确认或重新出具已获取信息",
        ),
    ),
    *_group(
        "（六）",
        "其他处理",
        (
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "其他",
        ),
    ),
)

OUTCOMES: tuple[str, ...] = tuple(row.outcome for row in OUTCOME_ROWS)

OTHER_HANDLING = "其他处理·其他"
assert OTHER_HANDLING in OUTCOMES

#: Register labels of the 2007 era (and the 2019 trial format's single 其他处理 row).
LEGACY: dict[tuple[str, str], str] = {
    ("同意公开", ""): "予以公开",
    ("同意部分公开", ""): "部分公开",
    ("不同意公开", "涉及国家秘密"): "不予公开·属于国家秘密",
    ("不同意公开", "涉及商业秘密"): "不予公开·保护第三方合法权益",
    ("不同意公开", "涉及个人隐私"): "不予公开·保护第三方合法权益",
    ("不同意公开", "危及国家安全、公共安全、经济安全和社会稳定"): '不予公开·危及"三安全一稳定"',
    ("不同意公开", "法律法规规定的其他情形"): "不予公开·其他法律行政法规禁止公开",
    ("不同意公开", "不是《条例》所指政府信息"): OTHER_HANDLING,
    ("信息不存在", ""): "无法提供·本机关不掌握相关政府信息",
    ("非本机关掌握", ""): "无法提供·本机关不掌握相关政府信息",
    ("申请内容不明确", ""): "无法提供·补正后申请内容仍不明确",
    ("重复申请", ""): "不予处理·重复申请",
    ("告知通过其他途径办理", ""): OTHER_HANDLING,
    ("其他处理", ""): OTHER_HANDLING,
}

# Registers differ in quotes and spaces around "三安全一稳定"; compare without them.
_NOISE = str.maketrans("", "", " \u3000\"'“”‘’「」")


def _key(category: str, circumstance: str) -> tuple[str, str]:
    return category.translate(_NOISE), circumstance.translate(_NOISE)


_LOOKUP: dict[tuple[str, str], str] = {
    **{_key(row.category, row.circumstance): row.outcome for row in OUTCOME_ROWS},
    **{_key(*label): outcome for label, outcome in LEGACY.items()},
}


def map_outcome(category: str, circumstance: str) -> str | None:
    """The 2021 outcome for a register's (办理结果, 具体情形), or None if the label is unknown.

    A circumstance written into the category with the separator (``不予公开·重复申请``) is
    accepted too.
    """
    category, circumstance = category.strip(), circumstance.strip()
    if not circumstance:
        for sep in (SEP, "-", "—", "－", "："):
            if sep in category:
                category, _, circumstance = category.partition(sep)
                break
    return _LOOKUP.get(_key(category, circumstance))
