"""The service items of the sample origin: what the development zone's service hall lists.

These tables are the hand-written part of the sample; :mod:`opendata_service_hall.samplegen`
turns them into recorded platform API responses and adds the seeded parts (update times,
internal contacts, sample applicants). Legal bases, time limits and fees follow the laws and
regulations in force in 2018, the year of the founding report; time limits are working days.
"""

from __future__ import annotations

from opendata_service_hall.sampleitems_building import BUILDING_ITEMS
from opendata_service_hall.sampleitems_business import BUSINESS_ITEMS
from opendata_service_hall.sampleitems_city import CITY_ITEMS
from opendata_service_hall.samplespec import (
    CHEMICAL_HALL,
    LEGAL_REP_ID,
    LICENCE,
    MAIN_HALL,
    NO_FEE,
    PROXY,
    REGION_CODE,
    SELF,
    ZONE,
    ItemSpec,
    Material,
    form_material,
)

__all__ = [
    "CHEMICAL_HALL",
    "COMPLAINT_PHONE",
    "DEPARTMENTS",
    "HOURS",
    "ITEMS",
    "LEGAL_REP_ID",
    "LICENCE",
    "MAIN_HALL",
    "NO_FEE",
    "ONLINE_BASE",
    "PLANTED_ITEMS",
    "PROXY",
    "REGION_CODE",
    "SELF",
    "ZONE",
    "ItemSpec",
    "Material",
    "form_material",
]

HOURS = "周一至周五 8:30-11:30，13:00-16:30（法定节假日除外，调休上班日正常办公）"
#: The zone's public supervision line (监督举报电话), published in the founding report's spirit.
COMPLAINT_PHONE = "0432-62507100"
ONLINE_BASE = "https://zwfw.jl.gov.cn/jkq"

#: Department → public consultation phone of its window (landlines of the office).
DEPARTMENTS: dict[str, str] = {
    f"{ZONE}经济发展局": "0432-62507120",
    f"{ZONE}商务局": "0432-62507126",
    f"{ZONE}规划建设局": "0432-62507135",
    f"{ZONE}人民防空办公室": "0432-62507142",
    f"{ZONE}生态环境分局": "0432-62507156",
    f"{ZONE}社会事业局": "0432-62507163",
    f"{ZONE}城市管理局": "0432-62507177",
    f"{ZONE}市场监督管理分局": "0432-62507188",
}

# The themes hold the items in separate modules; the platform lists them by serial number.
ITEMS: tuple[ItemSpec, ...] = tuple(
    sorted((*BUSINESS_ITEMS, *BUILDING_ITEMS, *CITY_ITEMS), key=lambda item: item.serial)
)

#: Items the privacy test plants: records not proactively published, with a marker title.
PLANTED_ITEMS: tuple[tuple[int, str, str], ...] = (
    (901, "绝密测试记录：涉密项目建设审批", "不予公开"),
    (902, "绝密测试记录：内部事项核准", "依申请公开"),
)
