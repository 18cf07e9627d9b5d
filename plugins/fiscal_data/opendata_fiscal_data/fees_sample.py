"""The sample 收费目录清单 workbook (written by :mod:`opendata_fiscal_data.samplegen`).

One row per sub-item; 序号, 项目名称, 执收部门, 资金管理方式 and 政策依据 merged down over an item's
sub-items, as the finance office prints it. The list also keeps the office's working columns
(经办人, 联系电话, 内部备注) that must never be published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

ORG = "吉林经济技术开发区管理委员会"
HEADER = [
    "序号",
    "项目名称",
    "子项名称",
    "执收部门",
    "资金管理方式",
    "政策依据",
    "备注",
    "经办人",
    "联系电话",
    "内部备注",
]
#: (item, sub-items, department, fund management, basis, remarks)
FEES: list[tuple[str, list[str], str, str, str, str | None]] = [
    (
        "不动产登记费",
        ["住宅类不动产登记", "非住宅类不动产登记", "证书工本费"],
        "经开区不动产登记中心",
        "国库",
        "财税〔2016〕79号；发改价格规〔2016〕2559号",
        "小微企业免收",
    ),
    ("土地复垦费", [], "经开区国土资源分局", "国库", "《土地复垦条例》（国务院令第592号）", None),
    (
        "土地闲置费",
        [],
        "经开区国土资源分局",
        "国库",
        "《中华人民共和国城市房地产管理法》；《闲置土地处置办法》（国土资源部令第53号）",
        None,
    ),
    (
        "耕地开垦费",
        [],
        "经开区国土资源分局",
        "国库",
        "《中华人民共和国土地管理法》；《中华人民共和国土地管理法实施条例》",
        None,
    ),
    (
        "城市道路占用挖掘修复费",
        ["城市道路占用费", "城市道路挖掘修复费"],
        "经开区住房和城乡建设局",
        "国库",
        "《城市道路管理条例》（国务院令第198号）",
        None,
    ),
    (
        "防空地下室易地建设费",
        [],
        "经开区人民防空办公室",
        "国库",
        "计价格〔2000〕474号；财综〔2014〕17号",
        None,
    ),
    (
        "污水处理费",
        [],
        "经开区住房和城乡建设局",
        "国库",
        "《城镇排水与污水处理条例》；财税〔2014〕151号",
        None,
    ),
    (
        "公办幼儿园保育教育费",
        ["保育教育费", "住宿费"],
        "经开区社会事业局",
        "财政专户",
        "《幼儿园收费管理暂行办法》（发改价格〔2011〕3207号）",
        "家庭经济困难幼儿减免",
    ),
    (
        "考试考务费",
        ["专业技术人员职业资格考试考务费"],
        "经开区人力资源和社会保障局",
        "国库",
        "财税〔2015〕69号",
        None,
    ),
]
CLERKS = [("刘洋", "0432-64661234"), ("陈静", "0432-64661235")]


#: Columns merged down over an item's sub-items: 序号, 项目名称, 执收部门, 资金管理方式, 政策依据.
MERGED_DOWN = (1, 2, 4, 5, 6)


def write_fees(path: Path, *, year: int, plant: bool) -> None:
    """Write the fee list of ``year``; ``plant`` puts personal data into the working columns."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "收费目录清单"
    ws.append([f"{ORG}行政事业性收费目录清单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([f"（{year}年）"])
    ws.append([f"编制单位：{ORG}财政局"])
    ws.append(HEADER)
    row = 5
    for no, fee in enumerate(FEES, start=1):
        row = _write_item(ws, row, no, fee, plant)
    ws.cell(row + 1, 1, "注：清单以外的行政事业性收费一律不得收取；收费标准按政策依据执行。")
    ws.cell(row + 2, 1, "填表人：刘洋　　联系电话：0432-64661234")
    for letter, width in zip("ABCDEFGHIJ", [6, 24, 28, 26, 12, 48, 20, 10, 16, 30], strict=True):
        ws.column_dimensions[letter].width = width
    book.save(path)


def _write_item(ws: Any, row: int, no: int, fee: tuple[Any, ...], plant: bool) -> int:
    """One fee item from ``row`` on, a line per sub-item; the row after it."""
    item, subs, dept, fund, basis, remarks = fee
    first = row
    for k, sub in enumerate(subs or [None]):
        clerk, phone, note = _clerk(no, k, plant)
        values = [no, item, sub, dept, fund, basis, remarks if k == 0 else None, clerk, phone, note]
        for col, value in enumerate(values, start=1):
            if value is not None and (k == 0 or col not in MERGED_DOWN):
                ws.cell(row, col, value).alignment = Alignment(vertical="center", wrap_text=True)
        row += 1
    if row - first > 1:
        for col in MERGED_DOWN:
            ws.merge_cells(start_row=first, start_column=col, end_row=row - 1, end_column=col)
    return row


def _clerk(no: int, k: int, plant: bool) -> tuple[str, str, str | None]:
    """The 经办人, phone and internal note of a sub-item (planted personal data on the first)."""
    if plant and no == 1 and k == 0:
        return "王秘密", "13912345678", "经办人身份证号11010519491231002X，已核对"
    clerk, phone = CLERKS[(no + k) % 2]
    return clerk, phone, None
