"""The annual_reports derived source, run offline on small published datasets built here: it
publishes each year's cells in long form, and refuses to publish a report that breaks a rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from opendata.report.source import AnnualReports
from opendata.testing import assert_contract, run_source

T3_CODES = [
    "一",
    "二",
    "三（一）",
    "三（二）",
    *[f"三（三）{n}" for n in range(1, 9)],
    *[f"三（四）{n}" for n in range(1, 4)],
    *[f"三（五）{n}" for n in range(1, 6)],
    *[f"三（六）{n}" for n in range(1, 4)],
    "三（七）",
    "四",
]
KINDS = ["行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"]


def table3(year: int, natural: dict[str, int], business: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for order, code in enumerate(T3_CODES, 1):
        n, b = natural.get(code, 0), business.get(code, 0)
        rows.append(
            {
                "year": year,
                "row_order": order,
                "row_code": code,
                "row_label": code,
                "natural_person": n,
                "commercial_enterprise": b,
                "research_institution": 0,
                "public_welfare_org": 0,
                "legal_service_org": 0,
                "other_org": 0,
                "total": n + b,
            }
        )
    return rows


def datasets() -> dict[str, dict[str, list[dict[str, Any]]]]:
    # 2019: 3 new (2 natural, 1 business), 2 disclosed, 1 partly, 0 carried over.
    # 2020: 1 new, 1 disclosed: every R holds and nothing carries over between them.
    t3 = table3(
        2019,
        {"一": 2, "三（一）": 2, "三（七）": 2},
        {"一": 1, "三（二）": 1, "三（七）": 1},
    ) + table3(2020, {"一": 1, "三（一）": 1, "三（七）": 1}, {})
    t4 = [
        {
            "year": y,
            "group_order": i,
            "kind": k,
            "upheld": 1 if (y, k) == (2019, "行政复议") else 0,
            "corrected": 0,
            "other": 0,
            "pending": 0,
            "total": 1 if (y, k) == (2019, "行政复议") else 0,
        }
        for y in (2019, 2020)
        for i, k in enumerate(KINDS, 1)
    ]
    return {
        "disclosure_requests": {
            "annual_summary": [
                {"year": 2019, "fee_total": Decimal("0")},
                {"year": 2020, "fee_total": Decimal("0")},
            ],
            "annual_table3": t3,
            "annual_table4": t4,
        },
        "disclosure_catalog": {
            "publications": [
                {"index_no": "A/2019-1", "channel": "门户网站", "published": "2019-03-01"},
                {"index_no": "A/2019-1", "channel": "微信公众号", "published": "2019-03-02"},
                {"index_no": "A/2020-1", "channel": "政务微博", "published": "2020-05-01"},
            ],
            "responses": [
                {"response_id": "H1", "date": "2019-06-01", "method": "在线访谈"},
            ],
        },
    }


def test_contract() -> None:
    assert_contract(AnnualReports)


def test_publishes_every_cell_with_its_source(tmp_path: Any) -> None:
    run = run_source(AnnualReports, tmp_path, datasets=datasets())
    assert run.ok, run.error
    reports = run.rows("reports")
    assert [(r["year"], r["format"], r["due_date"]) for r in reports] == [
        ("2019", "2019-trial", "2020-01-31"),
        ("2020", "2019-trial", "2021-01-31"),
    ]
    cells = {(r["year"], r["row_code"], r["column_code"]): r for r in run.rows("table3")}
    new = cells[("2019", "1", "total")]
    assert new["value"] == "3" and new["source_resource"] == "annual_table3"
    assert new["source_filter"] == "year=2019 AND row_code=一"
    assert cells[("2019", "3.2", "business")]["value"] == "1"
    review = {(r["year"], r["column_code"]): r["value"] for r in run.rows("table4")}
    assert review[("2019", "review.upheld")] == "1" and review[("2020", "review.total")] == "0"
    sheet = {(r["year"], r["row_code"]): r["value"] for r in run.rows("sheet")}
    assert sheet[("2019", "proactive.total")] == "2"
    assert sheet[("2019", "response.online_interview")] == "1"
    assert sheet[("2020", "proactive.other")] == "1"
    # Table 二 has no published source here: its cells are left out, never filled with zeros.
    assert run.rows("table2") == []
    assert reports[0]["unsourced_cells"] != "0"


def test_a_report_with_a_rule_error_is_not_published(tmp_path: Any) -> None:
    data = datasets()
    for row in data["disclosure_requests"]["annual_table3"]:
        if (row["year"], row["row_code"]) == (2020, "三（七）"):
            row["natural_person"], row["total"] = 2, 2  # handled 2 of 1 received: R1 and R2 fail
    run = run_source(AnnualReports, tmp_path, datasets=data)
    assert run.status == "error"
    assert run.error is not None
    assert "not published" in run.error
    assert "2020 R1 table3/natural" in run.error and "2020 R2 table3/3.7/natural" in run.error
    assert "1 + 0 = 1，而 2 + 0 = 2" in run.error  # the numbers of the failed sum
    assert "2019 R" not in run.error  # the consistent year is not blamed


def test_no_year_to_report_on_says_what_is_missing(tmp_path: Any) -> None:
    run = run_source(AnnualReports, tmp_path, datasets={})
    assert run.status == "error"
    assert "disclosure_requests/annual_summary is not published" in (run.error or "")
