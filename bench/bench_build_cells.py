"""Build's cell step at 200,000 rows: all-text rows (the fast path) and rows of Python values.

Run: ``.venv/bin/python bench/bench_build_cells.py``. Prints seconds per 200k rows (best of 5)
for :meth:`ResourceBuild.cells` plus the CSV text, the part of build the value codec touches
(CPU time of this process: the figure holds on a shared, busy machine).
"""

from __future__ import annotations

import io
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from opendata.pipeline.build import ResourceBuild
from opendata.policy import ResourcePolicy

ROWS = 200_000
BATCH = 2_000
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "title", "type": "string"},
        {"name": "amount", "type": "number"},
        {"name": "day", "type": "date"},
        {"name": "open", "type": "boolean", "trueValues": ["是"], "falseValues": ["否"]},
    ]
}


def rows(typed: bool) -> list[dict[str, Any]]:
    if typed:
        return [
            {
                "id": i,
                "title": f"标题{i}",
                "amount": Decimal(i) / 100,
                "day": date(2024, 1, 1 + i % 28),
                "open": i % 2 == 0,
            }
            for i in range(ROWS)
        ]
    return [
        {
            "id": str(i),
            "title": f"标题{i}",
            "amount": f"{i / 100:.2f}",
            "day": "2024-01-01",
            "open": "是",
        }
        for i in range(ROWS)
    ]


def measure(typed: bool) -> float:
    data = rows(typed)
    best = float("inf")
    for _ in range(5):
        policy = ResourcePolicy.from_schema("r", SCHEMA, None)
        build = ResourceBuild("r", "r", "", SCHEMA, policy, Path("r.csv"), io.BytesIO())  # type: ignore[arg-type]
        start = time.process_time()
        for i in range(0, ROWS, BATCH):
            build.write(build.cells(data[i : i + BATCH]))
        best = min(best, time.process_time() - start)
    return best


if __name__ == "__main__":
    print(
        f"all text: {measure(False):.3f} s   python values: {measure(True):.3f} s   ({ROWS} rows)"
    )
