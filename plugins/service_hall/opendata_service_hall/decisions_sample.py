"""Seeded sample of the annual decision statistics (``sample/decisions.csv``), 2017–2025.

行政许可 lines are the hall's 行政许可 items (their codes are item codes of ``items``);
行政处罚 and 行政强制 matters come from the zone's power list, which the hall does not serve.
Written by ``samplegen.write_origin`` beside the recorded API responses.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from opendata_service_hall.decisions import COLUMNS
from opendata_service_hall.sampledata import ITEMS

DECISIONS_FILE = "decisions.csv"
YEARS = range(2017, 2026)

ZONE = "吉林经济技术开发区"
#: (code, name, department) of the enforcement matters in the power list.
PENALTIES = (
    ("220271-CF-001", "对违反大气污染防治管理制度行为的处罚", "吉林经济技术开发区生态环境分局"),
    ("220271-CF-002", "对未取得食品经营许可从事食品经营活动的处罚", ZONE + "市场监督管理分局"),
    ("220271-CF-003", "对未取得建设工程规划许可证进行建设的处罚", "吉林经济技术开发区城市管理局"),
    ("220271-CF-004", "对生产经营单位未履行安全生产管理职责的处罚", ZONE + "安全生产监督管理局"),
)  # fmt: skip
COERCIONS = (
    ("220271-QZ-001", "查封、扣押不符合食品安全标准的食品", "吉林经济技术开发区市场监督管理分局"),
    ("220271-QZ-002", "查封、扣押违法排放污染物的设施设备", "吉林经济技术开发区生态环境分局"),
    ("220271-QZ-003", "强制拆除违法建筑物、构筑物", "吉林经济技术开发区城市管理局"),
)  # fmt: skip


def licence_matters() -> list[tuple[str, str, str]]:
    """The hall's 行政许可 items as (code, name, department)."""
    return [(i.code, i.name, i.dept) for i in ITEMS if i.type == "行政许可"]


def write_decisions(dest: Path, seed: int = 2018) -> Path:
    """Write ``decisions.csv`` into ``dest`` (Excel's CSV UTF-8, CRLF) and return its path."""
    rng = random.Random(seed + 7)
    lines: list[list[object]] = []
    for year in YEARS:
        for kind, matters, low, high in (
            ("行政许可", licence_matters(), 4, 90),
            ("行政处罚", PENALTIES, 0, 25),
            ("行政强制", COERCIONS, 0, 4),
        ):
            for code, name, dept in matters:
                lines.append([year, kind, code, name, dept, rng.randint(low, high)])
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / DECISIONS_FILE
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    return path
