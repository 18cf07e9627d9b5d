"""opendata source: the service hall's item list (服务事项清单) and guides (办事指南).

The provincial service platform holds, for every item the development zone handles, a guide:
legal basis, conditions, required materials, process steps, statutory and promised time limits
(working days), fees, place, hours, phones, forms. This source reads the platform's JSON API
(paged item list, one guide per item) and publishes four related resources keyed by item code.

With ``base_url`` unset it reads the recorded responses shipped in ``sample/api`` (or the folder
``recorded_dir`` names) through the very same parsing path, so the embedded default works
offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from opendata.plugin import (
    DISCLOSURE_PUBLIC,
    HttpClient,
    RecordedResponses,
    ResourceSpec,
    Row,
    Source,
    fields,
    validate,
)
from opendata_service_hall.api import PlatformApi
from opendata_service_hall.decisions import read_decisions
from opendata_service_hall.guide import KeyCheck, item_rows
from opendata_service_hall.typemap import CURRENT_TYPES

__all__ = ["ServiceHall"]


class ServiceHall(Source):
    """服务事项清单与办事指南, read from the provincial service platform's API."""

    name = "service_hall"
    title = "政务服务大厅服务事项清单与办事指南"
    title_en = "Government service hall: service items and guides"
    description = (
        "吉林经济技术开发区管委会政务服务大厅对外办理的政务服务事项清单及各事项办事指南，"
        "包括事项类型（保留原“非行政许可审批”类型并给出现行类型）、实施主体、设定依据、申请条件、"
        "申请材料（原件或复印件、份数、纸质或电子、来源）、办理流程各环节、法定与承诺办结时限"
        "（工作日）、收费情况（是否收费、依据、标准）、办理地点与时间、咨询与监督投诉电话、"
        "空白表格、填写说明和示范文本、网上办理地址及跑动次数。数据取自省政务服务平台。"
        "另按年度发布权力运行系统统计的行政许可、行政处罚、行政强制处理决定数量（只有件数）。"
    )
    publisher = "吉林经济技术开发区管理委员会"
    license = "CC-BY-4.0"
    # The platform updates guides during office hours; refresh each working morning before the
    # hall opens, so the day's visitors see yesterday's changes (founding report: 3 WD at most).
    schedule = "15 6 * * 1-5"
    keywords = ("政务服务", "服务事项清单", "办事指南", "行政许可", "申请材料", "办理时限", "收费")
    origin_title = "吉林省政务服务网 事项与办事指南接口（JSON）"
    samples: ClassVar[Mapping[str, str]] = {
        "recorded_dir": "sample/api",
        "decisions_csv": "sample/decisions.csv",
    }
    resources = (
        ResourceSpec(
            "items",
            "服务事项清单",
            "schemas/items.json",
            description="每个政务服务事项一行：类型、依据、条件、时限、收费、地点、电话等。",
            disclosure_field="disclosure",
        ),
        ResourceSpec(
            "materials",
            "申请材料目录",
            "schemas/materials.json",
            description="各事项须提交的申请材料，按事项编码和序号排列。",
        ),
        ResourceSpec(
            "steps",
            "办理流程",
            "schemas/steps.json",
            description="各事项的办理环节（受理、审查、决定、送达等）及各环节时限。",
        ),
        ResourceSpec(
            "forms",
            "表格下载",
            "schemas/forms.json",
            description="各事项的空白表格、填写说明和示范文本下载地址。",
        ),
        ResourceSpec(
            "decisions",
            "行政许可、行政处罚、行政强制决定数量",
            "schemas/decisions.json",
            description="权力运行系统按年度、决定类别和事项统计的处理决定数量（年度报告表二）。",
        ),
    )

    class Config(Source.Config):
        """Where the platform is and how to page through it."""

        #: The platform API root, e.g. ``https://zwfw.jl.gov.cn/api/v1``; None → recorded files.
        base_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"})
        #: Folder of recorded responses read when ``base_url`` is None; None → shipped sample.
        recorded_dir = fields.String(load_default=None, allow_none=True)
        #: Items asked per list page (the recorded sample holds pages of 10).
        page_size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
        #: Item code → current type, for items the built-in mapping table classifies wrongly.
        type_overrides = fields.Dict(
            keys=fields.String(),
            values=fields.String(validate=validate.OneOf(CURRENT_TYPES)),
            load_default=dict,
        )
        #: Keys the platform sends that are deliberately left unread (one warning per key);
        #: any other key the reader does not know fails the run (see guide.KNOWN_KEYS).
        ignored_keys = fields.List(fields.String(), load_default=list)
        #: The power-operation system's annual decision statistics (CSV); None → shipped sample.
        decisions_csv = fields.String(load_default=None, allow_none=True)
        decisions_encoding = fields.String(load_default="utf-8-sig")

    def _api(self) -> PlatformApi:
        http: HttpClient
        base_url = self.config.get("base_url")
        if base_url:
            http = self.context.http
        else:
            recorded = RecordedResponses(self.origin("recorded_dir"))
            http, base_url = recorded, recorded.base_url
        return PlatformApi(http, base_url, int(self.config.get("page_size", 10)))

    def _decisions(self) -> Iterator[tuple[str, Row]]:
        """Rows of ``decisions``, read from the statistics export (not from the platform API)."""
        path = self.origin("decisions_csv")
        for row in read_decisions(path, self.config["decisions_encoding"]):
            yield "decisions", row

    def extract(self) -> Iterator[tuple[str, Row]]:
        """One pass over the platform feeding all four resources.

        Items not proactively published (公开属性 other than 主动公开) are yielded so that the
        core withholds and counts them; their materials, steps and forms are not yielded at
        all, since they belong to a withheld record (and would reference a missing item).
        """
        api = self._api()
        overrides = self.config.get("type_overrides") or {}
        keys = KeyCheck(frozenset(self.config["ignored_keys"]))
        withheld = 0
        for where, summary in api.items():
            guide_where, guide = api.guide(summary["itemCode"])
            rows = item_rows(where, summary, guide_where, guide, overrides, keys)
            self.context.warnings.extend(rows.warnings)
            yield "items", rows.item
            if rows.item["disclosure"] != DISCLOSURE_PUBLIC:
                withheld += 1
                continue
            for resource, children in (
                ("materials", rows.materials),
                ("steps", rows.steps),
                ("forms", rows.forms),
            ):
                for row in children:
                    yield resource, row
        self.context.warnings.extend(
            f"key '{path}' not read (declared in ignored_keys)" for path in sorted(keys.skipped)
        )
        yield from self._decisions()
        if withheld:
            self.log.info(
                "service_hall: materials, steps and forms of %d items not proactively "
                "published were not extracted",
                withheld,
            )
