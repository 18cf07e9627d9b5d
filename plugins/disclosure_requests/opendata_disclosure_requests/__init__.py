"""opendata source: requests for disclosure (依申请公开), published as aggregates only.

The origin is the application register kept by the 管委会办公室 (a CSV export, one application per
line, with the applicant's name, ID number, phone and address). Nothing per application is
published: the source yields monthly counts, the national annual Table 三 for every year and an
annual summary with the on-time share, due dates counted in Chinese working days. A second
origin, the office's 复议诉讼台账, gives the reviews and lawsuits about its disclosure decisions:
published per case without the applicant (``appeals``) and as Table 四 (``annual_table4``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, ClassVar

from opendata.plugin import ResourceSpec, Row, Source, SourceError, fields, validate

from . import aggregate, appeals
from .register import read_register
from .workdays import WorkdayCalendar, YearOverride

__all__ = ["DisclosureRequests"]

SAMPLE_REGISTER = "register.csv"
SAMPLE_APPEALS = "appeals.csv"


def sample_register() -> Path:
    """The shipped sample register, for tests (the source itself reads ``origin()``)."""
    return Path(str(importlib_resources.files(__name__).joinpath("sample", SAMPLE_REGISTER)))


def sample_appeals() -> Path:
    """The shipped sample ledger of reviews and lawsuits (复议诉讼台账), for tests."""
    return Path(str(importlib_resources.files(__name__).joinpath("sample", SAMPLE_APPEALS)))


def parse_overrides(config: Mapping[str, Any]) -> dict[int, YearOverride]:
    """The ``workday_overrides`` of a loaded config, checked: every date lies in its year."""
    overrides: dict[int, YearOverride] = {}
    for key, lists in (config.get("workday_overrides") or {}).items():
        year = int(key)
        for kind, days in lists.items():
            wrong = [day for day in days if day.year != year]
            if wrong:
                raise SourceError(
                    f"config workday_overrides[{key!r}][{kind!r}]: "
                    f"{', '.join(map(str, wrong))} not in {year}"
                )
        overrides[year] = YearOverride.of(lists.get("holidays", ()), lists.get("workdays", ()))
    return overrides


class DisclosureRequests(Source):
    """依申请公开：按月、渠道、申请人类型和办理结果汇总的申请情况，及年度报告表三。"""

    name = "disclosure_requests"
    title = "依申请公开政府信息办理情况"
    title_en = "Requests for government information and their outcomes"
    description = (
        "管委会办公室受理的政府信息公开申请的汇总统计：按收到月份、申请方式（当面、信函、传真、"
        "网络）、申请人类型（自然人；商业企业、科研机构、社会公益组织、法律服务机构、其他）和"
        "办理结果统计的申请件数、按期办结件数、延期件数和收费；每年按国办公开办函〔2021〕30号"
        "年度报告表三（收到和处理政府信息公开申请情况）的格式编制的统计表；以及每年的按期办结率。"
        "答复期限按中国工作日计算（调休上班日计入，法定节假日不计）。另发布因政府信息公开引起的"
        "行政复议、行政诉讼案件（每案一行：类别、收到日期、结果、审结日期）及年度报告表四。"
        "申请只发布汇总数；不发布申请人的姓名、证件号码、联系方式、地址和申请内容。"
    )
    publisher = "吉林经济技术开发区管理委员会办公室"
    license = "CC-BY-4.0"
    # Daily at 01:45; the register changes a few times a month.
    schedule = "45 1 * * *"
    keywords = ("依申请公开", "政府信息公开申请", "年度报告", "表三", "工作日")
    origin_title = "管委会办公室依申请公开登记台账（CSV 导出）"
    samples: ClassVar[Mapping[str, str]] = {
        "register_path": f"sample/{SAMPLE_REGISTER}",
        "appeals_path": f"sample/{SAMPLE_APPEALS}",
    }
    resources = (
        ResourceSpec(
            "monthly",
            "依申请公开月度统计",
            "schemas/monthly.json",
            description="按收到月份、申请方式、申请人类型和办理结果汇总的申请件数。",
            charts=(
                {
                    "name": "monthly_outcomes",
                    "title": "每月收到的申请及办理结果",
                    "title_en": "Applications received per month, by outcome",
                    "kind": "bar",
                    "stack": True,
                    "x": ["year", "month"],
                    "y": "received",
                    "series": "outcome",
                },
            ),
        ),
        ResourceSpec(
            "annual_table3",
            "年度报告表三：收到和处理政府信息公开申请情况",
            "schemas/annual_table3.json",
            description="按国办公开办函〔2021〕30号格式，每年25行×7列。",
        ),
        ResourceSpec(
            "annual_summary",
            "依申请公开年度汇总",
            "schemas/annual_summary.json",
            description="每年收到、办结、结转、按期办结和收费的合计，以及按期办结率。",
        ),
        ResourceSpec(
            "appeals",
            "因政府信息公开引起的行政复议和行政诉讼案件",
            "schemas/appeals.json",
            description="每案一行：类别、收到日期、结果和审结日期；不含申请人信息。",
        ),
        ResourceSpec(
            "annual_table4",
            "年度报告表四：政府信息公开行政复议、行政诉讼情况",
            "schemas/annual_table4.json",
            description="按国办公开办函〔2021〕30号格式，每年3组×5列。",
        ),
    )

    class Config(Source.Config):
        """Where the register is and how to count working days."""

        #: Path of the register's CSV export; None → the shipped sample.
        register_path = fields.String(
            load_default=None,
            allow_none=True,
            metadata={"description": "依申请公开登记台账 CSV 文件路径；为空时读取随包附带的样例"},
        )
        #: Encoding of the export: Excel's "CSV UTF-8" is utf-8-sig; older exports are gb18030.
        encoding = fields.String(load_default="utf-8-sig")
        #: Path of the 复议诉讼台账 CSV; None → the shipped sample.
        appeals_path = fields.String(
            load_default=None,
            allow_none=True,
            metadata={"description": "复议诉讼台账 CSV 文件路径；为空时读取随包附带的样例"},
        )
        appeals_encoding = fields.String(load_default="utf-8-sig")
        #: Headings of the export deliberately left unread (skipped with a warning); any other
        #: heading the reader does not know fails the run.
        ignored_columns = fields.List(fields.String(), load_default=list)
        #: Per year: {"holidays": [dates], "workdays": [dates]} for years chinesecalendar lacks.
        workday_overrides = fields.Dict(
            keys=fields.String(validate=validate.Regexp(r"^\d{4}$")),
            values=fields.Dict(
                keys=fields.String(validate=validate.OneOf(("holidays", "workdays"))),
                values=fields.List(fields.Date()),
            ),
            load_default=dict,
        )

    def _handled(self) -> list[aggregate.Handled]:
        path = self.origin("register_path")
        calendar = WorkdayCalendar(
            overrides=parse_overrides(self.config), warn=self.context.warnings.append
        )
        applications = read_register(
            path,
            self.config["encoding"],
            ignored=frozenset(self.config["ignored_columns"]),
            warnings=self.context.warnings,
        )
        handled = aggregate.handle(applications, calendar)
        self.log.info("register %s: %d application(s)", path, len(handled))
        return handled

    def extract(self) -> Iterator[tuple[str, Row]]:
        """Read the register once and yield the rows of every resource."""
        handled = self._handled()
        path = self.origin("appeals_path")
        cases = appeals.read_appeals(path, self.config["appeals_encoding"])
        self.log.info("appeals ledger %s: %d case(s)", path, len(cases))
        for spec in self.resources:
            for row in self._build(spec.name, handled, cases):
                yield spec.name, row

    def _build(
        self, resource: str, handled: list[aggregate.Handled], cases: list[appeals.Case]
    ) -> Iterator[Row]:
        if resource == "monthly":
            return aggregate.monthly(handled)
        if resource == "annual_table3":
            return aggregate.table3(handled)
        if resource == "annual_summary":
            return aggregate.summary(handled)
        if resource == "appeals":
            return appeals.case_rows(cases)
        if resource == "annual_table4":
            years = [*aggregate.years(handled), *(c.filed.year for c in cases)]
            span = range(min(years), max(years) + 1) if years else range(0)
            return appeals.table4(cases, span)
        raise SourceError(f"{self.name} has no resource {resource!r}")
