"""Micro-benchmark: opendata.validation vs frictionless 5.21 on the same generated package.

Usage::

    .venv/bin/python bench/bench_validate.py [--rows 200000] [--out bench/out/validate]

Generates an ~11-column CSV (Chinese text, dates, enums, integers, numbers, empty cells) with a
primary key and constraints, validates it with both, checks that the verdicts and error sets are
the same, and prints rows/s for each and the speed ratio. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from pathlib import Path

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {"name": "文号", "type": "string", "constraints": {"required": True}},
        {"name": "标题", "type": "string"},
        {"name": "发布日期", "type": "date", "constraints": {"required": True}},
        {"name": "生效日期", "type": "date"},
        {
            "name": "公开属性",
            "type": "string",
            "constraints": {"enum": ["主动公开", "依申请公开", "不予公开"]},
        },
        {
            "name": "类别",
            "type": "string",
            "constraints": {"enum": ["通知", "公告", "决定", "意见"]},
        },
        {"name": "页数", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "金额", "type": "number"},
        {"name": "机构", "type": "string"},
        {"name": "备注", "type": "string", "constraints": {"maxLength": 200}},
    ],
    "primaryKey": ["id"],
}

WORDS = [
    *("关于", "印发", "开展", "年度", "政府", "信息", "公开", "工作", "通知"),
    *("实施", "方案", "管理", "办法", "经济", "开发区", "财政", "预算"),
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write the benchmark CSV; about one row in 20,000 carries an error."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([fld["name"] for fld in SCHEMA["fields"]])
        for i in range(1, rows + 1):
            title = "".join(rnd.choices(WORDS, k=rnd.randint(3, 9)))
            y, m, d = rnd.randint(2010, 2024), rnd.randint(1, 12), rnd.randint(1, 28)
            row = [
                str(i),
                f"吉开管发〔{y}〕{rnd.randint(1, 300)}号",
                title,
                f"{y}-{m:02d}-{d:02d}",
                "" if rnd.random() < 0.3 else f"{y}-{m:02d}-{d:02d}",
                rnd.choice(["主动公开", "主动公开", "依申请公开"]),
                rnd.choice(["通知", "公告", "决定", "意见"]),
                "" if rnd.random() < 0.1 else str(rnd.randint(1, 80)),
                f"{rnd.randint(0, 10**6)}.{rnd.randint(0, 99):02d}",
                rnd.choice(["管委会办公室", "财政局", "经济发展局", "规划建设局"]),
                "" if rnd.random() < 0.7 else title,
            ]
            if i % 20000 == 0:
                row[7] = "十二"  # a type error
            if i % 30000 == 0:
                row[3] = "2021-02-30"  # an impossible date
            w.writerow(row)


def write_package(folder: Path, rows: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    generate(folder / "documents.csv", rows)
    descriptor = {
        "name": "bench",
        "resources": [
            {
                "name": "documents",
                "path": "documents.csv",
                "format": "csv",
                "encoding": "utf-8",
                "schema": SCHEMA,
            }
        ],
    }
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False), encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/validate"))
    parser.add_argument("--skip-frictionless", action="store_true")
    args = parser.parse_args()

    from opendata.validation import validate_package_dir

    write_package(args.out, args.rows)
    size_mb = (args.out / "documents.csv").stat().st_size / 1e6
    print(f"{args.rows} rows × {len(SCHEMA['fields'])} columns, {size_mb:.1f} MB")

    t0 = time.perf_counter()
    ours = validate_package_dir(args.out)
    t_ours = time.perf_counter() - t0
    print(
        f"opendata:     {t_ours:6.2f} s  {args.rows / t_ours:>10,.0f} rows/s  "
        f"valid={ours.valid} errors={len(ours.errors)}"
    )
    if args.skip_frictionless:
        return

    from frictionless import Package

    t0 = time.perf_counter()
    theirs = Package(str(args.out / "datapackage.json")).validate()
    t_fr = time.perf_counter() - t0
    print(
        f"frictionless: {t_fr:6.2f} s  {args.rows / t_fr:>10,.0f} rows/s  "
        f"valid={theirs.valid} errors={len(theirs.flatten())}"
    )
    print(f"ratio: opendata is {t_fr / t_ours:.1f}× faster")
    ours_set = {(e.resource, e.row, e.field, e.type) for e in ours.errors}
    their_set = {
        (t.name, getattr(e, "row_number", None), getattr(e, "field_name", None) or None, e.type)
        for t in theirs.tasks
        for e in t.errors
    }
    same = ours.valid == theirs.valid and ours_set == their_set
    print("same verdict and errors:", same)
    if not same:
        print("  only frictionless:", sorted(their_set - ours_set, key=str)[:10])
        print("  only opendata:   ", sorted(ours_set - their_set, key=str)[:10])


if __name__ == "__main__":
    main()
