"""Seeded sample of the fee income export (``sample/收费收入2017-2025.csv``).

Its items are the items of the sample fee list (``fees_sample.FEES``); a few are not collected
in a given year (an empty year for an item has no line, as the revenue system exports it).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from .fee_income import COLUMNS
from .fees_sample import FEES

FEE_INCOME_FILE = "收费收入2017-2025.csv"
YEARS = range(2017, 2026)


def write_fee_income(dest: Path, seed: int = 2018) -> Path:
    """Write the export into ``dest`` (Excel's CSV UTF-8) and return its path."""
    rng = random.Random(seed + 11)
    lines: list[list[object]] = []
    for year in YEARS:
        for item, _subs, department, *_rest in FEES:
            if rng.random() < 0.2:
                continue  # nothing collected for this item this year
            yuan = rng.randrange(2_000, 3_000_000) + rng.choice((0, 0, 0.5, 0.25))
            lines.append([year, item, department, f"{yuan:.2f}"])
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / FEE_INCOME_FILE
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    return path
