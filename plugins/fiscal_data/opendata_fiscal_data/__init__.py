"""财政预决算 and fees of 吉林经济技术开发区管委会, read from the finance office's XLSX workbooks.

Three origins, each a workbook as the finance office keeps it: the nine final-account tables
(决算), the budget tables (预算) and the 收费目录清单. Amount tables are published in long format
(one row per amount cell) with the table each row comes from described in ``table_notes``;
the 三公 breakdown and the fee list get resources of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import ClassVar

from opendata.plugin import ResourceSpec, Row, Source, SourceContext, fields, validate

from .catalogue import BUDGETS, FINAL_ACCOUNTS, HEADER_SYNONYMS
from .fee_income import read_fee_income
from .fee_income_sample import FEE_INCOME_FILE
from .fees import fee_rows
from .fiscal import FoundTable, amount_rows, note_row, read_workbook, three_public_rows

__all__ = ["SAMPLE_FILES", "FiscalData"]

#: The shipped sample origin: config key → file name under the package's sample/ folder.
SAMPLE_FILES = {
    "final_accounts_xlsx": "决算2018.xlsx",
    "budget_xlsx": "预算2018.xlsx",
    "fees_xlsx": "收费目录清单2018.xlsx",
}
FINAL = "决算"
BUDGET = "预算"


#: The portal's chart: expenditure budget (公开03表) against final accounts (决算公开03表),
#: per function class (功能分类, 类), one series per report and year.
_BY_FUNCTION = {"table_code": "公开03表", "code_system": "功能分类", "item_level": "类"}
BUDGET_VS_FINAL = {
    "name": "budget_vs_final_by_function",
    "title": "支出预算与决算（按功能分类科目，类级）",
    "title_en": "Expenditure: budget and final accounts by function",
    "kind": "bar",
    "x": "item_name",
    "y": "amount",
    "series": "year",
    "layers": [
        {"label": "预算", "label_en": "Budget", "filter": {**_BY_FUNCTION, "column_name": "合计"}},
        {
            "resource": "final_accounts",
            "label": "决算",
            "label_en": "Final accounts",
            "filter": {**_BY_FUNCTION, "column_name": "本年支出合计"},
        },
    ],
}


class FiscalData(Source):
    """Budgets, final accounts, 三公 expenses and the fee list of the 管委会."""

    name = "fiscal_data"
    title = "吉林经济技术开发区管委会财政预决算与收费目录清单"
    title_en = "Fiscal budgets, final accounts and fee schedules"
    description = (
        "吉林经济技术开发区管理委员会部门预算、部门决算（九张决算公开表）、一般公共预算财政拨款"
        "“三公”经费（预算数与决算数）、行政事业性收费目录清单和各年度收费收入。金额单位为万元，"
        "预决算保留两位小数；"
        "预决算表按功能分类科目（类、款、项）和经济分类科目逐格发布，空表连同说明一并发布。"
    )
    publisher = "吉林经济技术开发区管理委员会"
    license = "CC-BY-4.0"
    # Budgets and final accounts change a few times a year; a weekly refresh (Monday 03:15)
    # catches a new workbook well inside the 20-day publication window.
    schedule = "15 3 * * 1"
    keywords = ("财政", "预算", "决算", "三公经费", "收费目录清单", "政府信息公开")
    origin_title = "管委会财政局预决算公开工作簿与收费目录清单（XLSX）"
    samples: ClassVar[Mapping[str, str]] = {
        **{key: f"sample/{name}" for key, name in SAMPLE_FILES.items()},
        "fee_income_csv": f"sample/{FEE_INCOME_FILE}",
    }
    resources = (
        ResourceSpec(
            "table_notes",
            "预决算公开表目录及说明",
            "schemas/table_notes.json",
            description="每张预算、决算公开表一行：表号、表名、是否空表及说明、脚注。",
            disclosure_field="disclosure",
        ),
        ResourceSpec(
            "final_accounts",
            "部门决算（逐格）",
            "schemas/final_accounts.json",
            description="九张决算公开表的每个金额单元格一行（万元）。",
            disclosure_field="disclosure",
        ),
        ResourceSpec(
            "budgets",
            "部门预算（逐格）",
            "schemas/budgets.json",
            description="部门预算公开表的每个金额单元格一行（万元）。",
            disclosure_field="disclosure",
            charts=(BUDGET_VS_FINAL,),
        ),
        ResourceSpec(
            "three_public",
            "“三公”经费预算与决算",
            "schemas/three_public.json",
            description="一般公共预算财政拨款“三公”经费的预算数与决算数，按类别与细项。",
            disclosure_field="disclosure",
        ),
        ResourceSpec(
            "fees",
            "行政事业性收费目录清单",
            "schemas/fees.json",
            description="收费项目、子项、执收部门、资金管理方式和政策依据。",
        ),
        ResourceSpec(
            "fee_income",
            "行政事业性收费收入",
            "schemas/fee_income.json",
            description="非税收入征管系统按年度和收费项目统计的收费金额（元与万元）。",
        ),
    )

    class Config(Source.Config):
        """Where the workbooks are; None means the sample origin shipped with the package."""

        final_accounts_xlsx = fields.String(load_default=None, allow_none=True)
        budget_xlsx = fields.String(load_default=None, allow_none=True)
        fees_xlsx = fields.String(load_default=None, allow_none=True)
        #: The non-tax revenue system's fee income export (CSV, every year it holds).
        fee_income_csv = fields.String(load_default=None, allow_none=True)
        fee_income_encoding = fields.String(load_default="utf-8-sig")
        year = fields.Integer(load_default=2018, validate=validate.Range(min=2000, max=2100))
        #: More header wordings declared harmless, e.g. {"本年支出数": "本年支出合计"}: read as
        #: the declared column with a warning, instead of failing the run (see catalogue.py).
        header_synonyms = fields.Dict(
            keys=fields.String(), values=fields.String(), load_default=dict
        )

    def __init__(self, context: SourceContext) -> None:
        super().__init__(context)
        self.year: int = self.config["year"]  # Config's default and range apply

    @cached_property
    def synonyms(self) -> dict[str, str]:
        """The plugin's declared header synonyms, and the deployment's own."""
        return {**HEADER_SYNONYMS, **self.config["header_synonyms"]}

    @cached_property
    def final_tables(self) -> list[FoundTable]:
        return read_workbook(
            self.origin("final_accounts_xlsx"),
            FINAL_ACCOUNTS,
            year=self.year,
            required=True,
            warnings=self.context.warnings,
            synonyms=self.synonyms,
        )

    @cached_property
    def budget_tables(self) -> list[FoundTable]:
        return read_workbook(
            self.origin("budget_xlsx"),
            BUDGETS,
            year=self.year,
            required=False,
            warnings=self.context.warnings,
            synonyms=self.synonyms,
        )

    def rows(self, resource: str) -> Iterator[Row]:
        """Yield the rows of ``resource``."""
        year = self.year
        if resource == "table_notes":
            for found in self.final_tables:
                yield note_row(found, year=year, report=FINAL)
            for found in self.budget_tables:
                yield note_row(found, year=year, report=BUDGET)
        elif resource == "final_accounts":
            for found in self.final_tables:
                yield from amount_rows(found, year=year, report=FINAL)
        elif resource == "budgets":
            for found in self.budget_tables:
                yield from amount_rows(found, year=year, report=BUDGET)
        elif resource == "three_public":
            for found in self.final_tables:
                if found.is_three_public:
                    yield from three_public_rows(found, year=year, report=FINAL)
        elif resource == "fees":
            yield from fee_rows(
                self.origin("fees_xlsx"),
                year=year,
                synonyms=self.synonyms,
                warnings=self.context.warnings,
            )
        elif resource == "fee_income":
            path = self.origin("fee_income_csv")
            yield from read_fee_income(path, self.config["fee_income_encoding"])
        else:
            raise KeyError(f"{self.name} has no resource {resource!r}")
