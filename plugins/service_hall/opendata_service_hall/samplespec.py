"""The shape of a sample service item, and the names and materials the items share.

:mod:`opendata_service_hall.sampledata` assembles the items themselves from the theme modules
(``sampleitems_*``), which build them from what is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass

ZONE = "吉林经济技术开发区"
REGION_CODE = "220271"
MAIN_HALL = f"{ZONE}管委会政务服务大厅（管委会办公楼一楼）"
CHEMICAL_HALL = f"{ZONE}精细化工孵化园政务服务大厅"

# A material: (name, 原件/复印件, copies, 纸质/电子, source, required).
Material = tuple[str, str, int, str, str, bool]

SELF = "申请人自备"
LICENCE: Material = ("营业执照", "复印件", 1, "纸质", "市场监督管理部门核发", True)
LEGAL_REP_ID: Material = ("法定代表人身份证明", "复印件", 1, "纸质", "公安机关核发", True)
PROXY: Material = ("授权委托书及受托人身份证", "原件和复印件", 1, "纸质", SELF, False)


def form_material(name: str) -> Material:
    """The filled-in application form, which every item asks for first."""
    return (name, "原件", 1, "纸质和电子", "政务服务大厅窗口领取或网上下载", True)


@dataclass(frozen=True)
class ItemSpec:
    """One service item as the platform holds it (before recording)."""

    serial: int
    name: str
    type: str
    dept: str
    service_object: str
    basis: tuple[str, ...]
    conditions: str
    result: str
    statutory: int | None
    promised: int
    fee: tuple[str, str | None, str | None]
    visits: int
    materials: tuple[Material, ...]
    forms: tuple[str, ...]
    site_check: bool = False
    place: str = MAIN_HALL

    @property
    def abbr(self) -> str:
        """The type letters of the item code, as the platform assigned them at registration."""
        return {
            "行政许可": "XK",
            "非行政许可审批": "FX",
            "公共服务": "GG",
            "其他行政权力": "QT",
            "行政确认": "QR",
        }[self.type]

    @property
    def code(self) -> str:
        """The item code (事项编码): region, type letters, serial."""
        return f"{REGION_CODE}-{self.abbr}-{self.serial:03d}"


NO_FEE: tuple[str, None, None] = ("不收费", None, None)
