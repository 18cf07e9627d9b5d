"""The personal-data pre-filter on realistic data: speed, and how often a batch falls through.

    python bench/bench_prefilter.py [--rows 200000] [--samples]

Reads the generated catalogue of ``gen_catalog.py`` (written into a temporary folder) and, with
``--samples``, the published CSVs of every built-in source's sample origin; cuts each into
batches of 2,000 rows as build does, and reports for the old filter (11 ASCII digits in a row or
an "@") and the current one (``opendata.personal_data.may_hold_personal_data``): MB/s over the
bytes and the share of batches it sends to the per-row scan, and how long the per-row scan of
those batches takes. Not part of the test suite: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from opendata.personal_data import may_hold_personal_data
from opendata.policy import ResourcePolicy

BATCH = 2000
_OLD_MARKS = bytes(48 if 48 <= b <= 57 else 64 if b == 64 else 46 for b in range(256))


def old_filter(data: bytes) -> bool:
    """The pre-filter before full-width digits and separators (11 ASCII digits or an "@")."""
    marked = data.translate(_OLD_MARKS)
    return b"00000000000" in marked or b"@" in marked


def batches(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    csv.field_size_limit(10**8)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    return header, [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def encode(rows: list[list[str]]) -> bytes:
    buf = []
    for row in rows:
        buf.append(",".join(row))
    return ("\n".join(buf) + "\n").encode("utf-8")


def measure(name: str, header: list[str], parts: list[list[list[str]]]) -> None:
    datas = [encode(p) for p in parts]
    size = sum(map(len, datas))
    filters: dict[str, Callable[[bytes], bool]] = {"old": old_filter, "new": may_hold_personal_data}
    for label, test in filters.items():
        best, flagged = float("inf"), 0
        for _ in range(5):
            start = time.perf_counter()
            flagged = sum(1 for d in datas if test(d))
            best = min(best, time.perf_counter() - start)
        print(
            f"{name:28s} {label}: {size / best / 1e6:8.0f} MB/s, "
            f"{flagged}/{len(datas)} batches to the per-row scan"
        )
    policy = ResourcePolicy.from_schema("r", {"fields": [{"name": n} for n in header]}, None)
    start = time.perf_counter()
    found = 0
    for rows, data in zip(parts, datas, strict=True):
        if may_hold_personal_data(data):
            found += len(policy.scan_batch(rows, 2))
    print(
        f"{name:28s} scan of flagged batches: {time.perf_counter() - start:.3f} s, "
        f"{found} findings ({size / 1e6:.1f} MB, {sum(map(len, parts))} rows)"
    )


def sample_csvs(workdir: Path) -> list[Path]:
    from opendata.sources.discovery import discover
    from opendata.testing import run_source

    paths = []
    for loaded in discover(["*"], {}).sources.values():
        if loaded.cls.depends_on:
            continue  # a derived source reads published datasets, not an origin
        run = run_source(loaded.cls, workdir)
        paths += [p for p in run.published_files() if p.suffix == ".csv"]
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--samples", action="store_true", help="also the built-in samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "catalog"
        gen = Path(__file__).with_name("gen_catalog.py")
        subprocess.run([sys.executable, str(gen), str(args.rows), str(folder)], check=True)
        header, parts = batches(folder / "catalog.csv")
        measure(f"catalog ({args.rows:,} rows)", header, parts)
        if args.samples:
            for path in sample_csvs(Path(tmp) / "samples"):
                header, parts = batches(path)
                # ×50: each sample resource is small; repeat it to a size that can be timed
                measure(f"{path.parent.name}/{path.stem} ×50", header, parts * 50)


if __name__ == "__main__":
    main()
