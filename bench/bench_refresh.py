"""Refresh benchmark: opendata's whole refresh vs ``frictionless validate`` alone, same CSV/schema.

    .venv/bin/python bench/bench_refresh.py --rows 1000000 [--repeat 2]

Each repetition runs the two peers back to back, alternating which goes first, each in a fresh
process: ``frictionless validate resource.json`` (the CLI, on a resource descriptor naming the
generated CSV and its Table Schema) and ``bench/refresh_child.py`` (extract, validate every row,
write files, load the SQLite datastore, publish — into a fresh work folder). Wall time and the
the peak RSS summed over the child's process tree (sampled; opendata may
load the datastore in a helper process) are recorded; the best time of each peer is compared. The
opendata work folder of the last run is kept in ``bench/out/work-<rows>/`` for the serve benchmark.
Writes ``bench/out/refresh-<rows>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from common import BENCH, OUT, ROOT, VENV_BIN, dataset, machine, run_measured, write_json


def frictionless_run(folder: Path) -> dict[str, Any]:
    """``frictionless validate --json resource.json`` in the data folder (relative path, safe)."""
    run = run_measured(
        [str(VENV_BIN / "frictionless"), "validate", "--json", "resource.json"], cwd=folder
    )
    try:
        report = json.loads(run["stdout"])
        run["valid"] = bool(report.get("valid"))
        run["errors"] = sum(len(t.get("errors", [])) for t in report.get("tasks", []))
    except ValueError:
        run["valid"], run["errors"] = None, None
    run.pop("stdout")
    if run["rc"] not in (0, 1):
        raise RuntimeError(f"frictionless failed: {run['stderr']}")
    return run


def opendata_run(folder: Path, workdir: Path) -> dict[str, Any]:
    """One refresh of the bench source into a fresh ``workdir`` (so it publishes every time)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    run = run_measured(
        [
            sys.executable,
            str(BENCH / "refresh_child.py"),
            str(folder / "catalog.csv"),
            str(workdir),
        ],
        cwd=ROOT,
    )
    if run["rc"] != 0:
        raise RuntimeError(f"refresh_child failed: {run['stderr']}")
    child = json.loads(run["stdout"].strip().splitlines()[-1])
    if child["status"] != "published":
        raise RuntimeError(f"refresh did not publish: {child}")
    run.pop("stdout")
    run.pop("stderr")
    run["valid"] = child["errors"] == 0
    run["errors"] = child["errors"]
    run["timings"] = child["timings"]
    run["refresh_seconds"] = child["seconds"]  # inside the process, imports excluded
    return run


def bench(rows: int, repeat: int) -> dict[str, Any]:
    folder = dataset(rows)
    workdir = OUT / f"work-{rows}"
    runs: dict[str, list[dict[str, Any]]] = {"frictionless": [], "opendata": []}
    for i in range(repeat):
        order = ["frictionless", "opendata"] if i % 2 == 0 else ["opendata", "frictionless"]
        for peer in order:
            run = (
                frictionless_run(folder)
                if peer == "frictionless"
                else opendata_run(folder, workdir)
            )
            runs[peer].append(run)
            print(
                f"  {rows:>9,} rows  {peer:<12} {run['seconds']:7.2f} s  "
                f"{run['peak_tree_rss_mb']:7.1f} MB  valid={run['valid']}",
                flush=True,
            )
    best = {peer: min(r["seconds"] for r in rs) for peer, rs in runs.items()}
    # Memory of the whole process tree: opendata may load the datastore in a helper process.
    peak = {peer: max(r["peak_tree_rss_mb"] for r in rs) for peer, rs in runs.items()}
    result = {
        "rows": rows,
        "csv_mb": round((folder / "catalog.csv").stat().st_size / 1e6, 1),
        "machine": machine(),
        "runs": runs,
        "best_seconds": best,
        "peak_rss_mb": peak,
        "time_ratio": round(best["opendata"] / best["frictionless"], 3),
        "memory_ratio": round(peak["opendata"] / peak["frictionless"], 3),
        "same_verdict": {r["valid"] for r in runs["opendata"]}
        == {r["valid"] for r in runs["frictionless"]},
        "workdir": str(workdir),
    }
    write_json(OUT / f"refresh-{rows}.json", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    result = bench(args.rows, args.repeat)
    print(
        json.dumps(
            {
                k: result[k]
                for k in (
                    "best_seconds",
                    "peak_rss_mb",
                    "time_ratio",
                    "memory_ratio",
                    "same_verdict",
                )
            }
        )
    )


if __name__ == "__main__":
    main()
