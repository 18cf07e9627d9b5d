"""The item types: current categories, and how the legacy 非行政许可审批 maps onto them.

Current categories are those of the power lists (权力清单) of 中办发〔2015〕21号 plus 公共服务.
The category 非行政许可审批 was abolished by 国发〔2015〕27号: what survived was reclassified, but
platforms and the founding 2018 report still carry the old label. The published items keep the
label the platform gives (事项类型（原）) and add the current one (事项类型（现行）) by this table:

==================  ===============================  ==============  ==========================
platform type       item name contains               current type    why
==================  ===============================  ==============  ==========================
非行政许可审批      查询, 查阅, 咨询, 证明            公共服务        a service to the requester,
                                                                     no administrative power
非行政许可审批      备案                             其他行政权力    备案 stayed a power of the
                                                                     department (其他类别)
非行政许可审批      (anything else)                  其他行政权力    国发〔2015〕27号's default
any current type    —                                itself
==================  ===============================  ==============  ==========================

A deployment that knows better for a given item sets ``type_overrides`` (item code → current
type) in the source config; an override wins over the table and says so in the published note.
"""

from __future__ import annotations

from collections.abc import Mapping

LEGACY_TYPE = "非行政许可审批"

CURRENT_TYPES: tuple[str, ...] = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
)

#: Ordered rules for legacy items: (words any of which the name contains, current type).
LEGACY_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("查询", "查阅", "咨询", "证明"), "公共服务"),
    (("备案",), "其他行政权力"),
)
LEGACY_DEFAULT = "其他行政权力"


class UnknownItemType(ValueError):
    """The platform gave a type that is neither current nor the known legacy one."""


def map_type(
    code: str, name: str, platform_type: str, overrides: Mapping[str, str]
) -> tuple[str, str]:
    """Return ``(current_type, note)`` for an item; the note says which rule applied (Chinese)."""
    if code in overrides:
        return overrides[code], f"按配置指定归入{overrides[code]}（原类型：{platform_type}）"
    if platform_type in CURRENT_TYPES:
        return platform_type, "平台类型即现行类型"
    if platform_type != LEGACY_TYPE:
        raise UnknownItemType(platform_type)
    for words, current in LEGACY_RULES:
        hit = next((word for word in words if word in name), None)
        if hit is not None:
            return current, f"{LEGACY_TYPE}（名称含“{hit}”）按映射表归入{current}"
    return LEGACY_DEFAULT, f"{LEGACY_TYPE}按映射表默认归入{LEGACY_DEFAULT}"
