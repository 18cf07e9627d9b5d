"""Refresh benchmark: opendata's whole refresh vs ``frictionless validate`` alone, same CSV/schema.

    .venv/bin/python bench/bench_refresh.py --rows 1000000 [--repeat 3] [--schema light]
    .venv/bin/python bench/bench_refresh.py --rows 1000000 --database postgres

Each repetition runs the two peers back to back, alternating which goes first, each in a fresh
process: ``frictionless validate resource.json`` (the CLI, on a resource descriptor naming the
generated CSV and its Table Schema) and ``bench/refresh_child.py`` (extract, validate every row,
write files, load the datastore, publish — into a fresh work folder, and on PostgreSQL into an
emptied database). Wall time and the peak RSS summed over the child's process tree (sampled;
opendata loads the datastore in helper processes) are recorded, with the load average of the
machine before each run (the machine is shared). Reported: the median and the range of each
peer's times, the ratio of the medians and the range of the ratios of each back-to-back pair,
the largest peak memory, and the median of each stage of opendata's refresh:

- ``extract_build_validate``: the source read, policy, files written, every row validated;
- ``preload_wait``: waiting for the datastore loader after that (the critical path's excess);
- ``load_*``: inside the loader process (reading the growing CSV, inserts/COPY, the full-text
  inserts, the indexes; ``load_after_end`` from the last byte written to the table being ready);
- ``publish``: files renamed, catalog pointer, marker, prune.

``--small N`` instead times the fixed cost of a refresh (issue 17): ``opendata refresh`` as an
operator types it (the CLI, the refresh process, the loader when a resource is big enough) on an
N-row source, ``--repeat`` times into fresh instances: median and range of wall and CPU seconds
(as wait4 reports it: the CLI and the processes it waited for; a busy machine inflates it
less than wall time) and the peak
memory of the tree. Writes ``bench/out/refresh-small-<N>.json``.

Two schemas (``--schema heavy|light|both``, :mod:`gen_catalog`). The opendata work folder of
the last heavy SQLite run is kept in ``bench/out/work-<rows>/`` for the serve benchmark. Writes
``bench/out/refresh-<rows>.json`` (heavy, SQLite) or ``refresh-<schema>-<database>-<rows>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import BENCH, OUT, ROOT, VENV_BIN, dataset, machine, run_measured, write_json

#: The PostgreSQL database the bench empties and refreshes into (created if missing).
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_BENCH_DB = "opendata_bench"


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


def _psql(database_url: str, sql: str) -> None:
    subprocess.run(["psql", database_url, "-qAtc", sql], check=True, capture_output=True)


def postgres_url() -> str:
    """An empty ``opendata_bench`` database on the local server (created on first use)."""
    base = PG_ADMIN.rsplit("/", 1)[0]
    exists = subprocess.run(
        ["psql", PG_ADMIN, "-qAtc", f"SELECT 1 FROM pg_database WHERE datname = '{PG_BENCH_DB}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        _psql(PG_ADMIN, f"CREATE DATABASE {PG_BENCH_DB}")
    _psql(f"{base}/{PG_BENCH_DB}", "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    _psql(f"{base}/{PG_BENCH_DB}", "CHECKPOINT")  # the previous run's dirty pages, not ours
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def opendata_run(folder: Path, workdir: Path, database: str = "sqlite") -> dict[str, Any]:
    """One refresh of the bench source into a fresh ``workdir`` (so it publishes every time)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    cmd = [sys.executable, str(BENCH / "refresh_child.py"), str(folder / "catalog.csv")]
    cmd.append(str(workdir))
    if database == "postgres":
        cmd.append(postgres_url())
    run = run_measured(cmd, cwd=ROOT)
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


def spread(values: list[float]) -> dict[str, float]:
    """Median, lowest and highest of ``values``."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians, ranges, pair ratios and stage medians of one size/schema/database."""
    seconds = {peer: spread([r["seconds"] for r in rs]) for peer, rs in runs.items()}
    pairs = [
        o["seconds"] / f["seconds"]
        for o, f in zip(runs["opendata"], runs["frictionless"], strict=True)
    ]
    stages: dict[str, list[float]] = {}
    for run in runs["opendata"]:
        for stage, value in run["timings"].items():
            stages.setdefault(stage, []).append(value)
    return {
        "seconds": seconds,
        "best_seconds": {peer: s["min"] for peer, s in seconds.items()},
        "peak_rss_mb": {peer: max(r["peak_tree_rss_mb"] for r in rs) for peer, rs in runs.items()},
        "time_ratio": round(seconds["opendata"]["median"] / seconds["frictionless"]["median"], 3),
        "pair_ratios": spread(pairs),
        "stages": {stage: round(statistics.median(v), 2) for stage, v in stages.items()},
        "load_average": spread([r["load_average"] for rs in runs.values() for r in rs]),
    }


def bench(
    rows: int, repeat: int, schema: str = "heavy", database: str = "sqlite"
) -> dict[str, Any]:
    folder = dataset(rows, schema)
    tag = str(rows) if (schema, database) == ("heavy", "sqlite") else f"{schema}-{database}-{rows}"
    workdir = OUT / f"work-{tag}"
    runs: dict[str, list[dict[str, Any]]] = {"frictionless": [], "opendata": []}
    for i in range(repeat):
        order = ["frictionless", "opendata"] if i % 2 == 0 else ["opendata", "frictionless"]
        for peer in order:
            load = os.getloadavg()[0]
            run = (
                frictionless_run(folder)
                if peer == "frictionless"
                else opendata_run(folder, workdir, database)
            )
            run["load_average"] = round(load, 2)
            runs[peer].append(run)
            print(
                f"  {rows:>9,} rows {schema:<5} {database:<8} {peer:<12} {run['seconds']:7.2f} s"
                f"  {run['peak_tree_rss_mb']:7.1f} MB  valid={run['valid']}  load {load:.1f}",
                flush=True,
            )
    result = {
        "rows": rows,
        "schema": schema,
        "database": database,
        "repeat": repeat,
        "csv_mb": round((folder / "catalog.csv").stat().st_size / 1e6, 1),
        "machine": machine(),
        "runs": runs,
        **summarise(runs),
        "same_verdict": {r["valid"] for r in runs["opendata"]}
        == {r["valid"] for r in runs["frictionless"]},
        "workdir": str(workdir),
    }
    peak = result["peak_rss_mb"]
    result["memory_ratio"] = round(peak["opendata"] / peak["frictionless"], 3)
    write_json(OUT / f"refresh-{tag}.json", result)
    return result


SMALL_CONFIG = """\
instance_path = "instance"
datasets_path = "datasets"
sources_enabled = ["bench_catalog"]
sources_extra = ["bench_source:BenchCatalog"]
[sources.bench_catalog]
csv_path = "{csv}"
"""


def small(rows: int, repeat: int) -> dict[str, Any]:
    """``opendata refresh bench_catalog`` on a ``rows``-row source (heavy schema: the plugin's)."""
    folder = dataset(rows, "heavy")
    work = OUT / f"work-small-{rows}"
    env = {**os.environ, "OPENDATA_CONFIG": str(work / "opendata.toml")}
    # The plugin module comes from bench/, the package from the tree this script belongs to.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(BENCH)])
    runs = []
    for _ in range(repeat):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        config = SMALL_CONFIG.format(csv=folder / "catalog.csv")
        (work / "opendata.toml").write_text(config, encoding="utf-8")
        opendata = [str(VENV_BIN / "opendata")]
        subprocess.run(
            [*opendata, "db", "upgrade"], env=env, cwd=work, check=True, capture_output=True
        )
        load = os.getloadavg()[0]
        run = run_measured([*opendata, "refresh", "bench_catalog"], cwd=work, env=env)
        if run["rc"] != 0 or "1 published" not in run["stdout"]:
            raise RuntimeError(f"opendata refresh failed: {run['stdout']} {run['stderr']}")
        run["load_average"] = round(load, 2)
        run.pop("stdout")
        run.pop("stderr")
        runs.append(run)
        print(
            f"  {rows:>9,} rows  opendata refresh {run['seconds']:6.2f} s wall "
            f"{run['tree_cpu_seconds']:6.2f} s CPU {run['peak_tree_rss_mb']:6.1f} MB "
            f" load {load:.1f}",
            flush=True,
        )
    result = {
        "rows": rows,
        "machine": machine(),
        "runs": runs,
        "seconds": spread([r["seconds"] for r in runs]),
        "cpu_seconds": spread([r["tree_cpu_seconds"] for r in runs]),
        "peak_tree_rss_mb": spread([r["peak_tree_rss_mb"] for r in runs]),
        "load_average": spread([r["load_average"] for r in runs]),
    }
    write_json(OUT / f"refresh-small-{rows}.json", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schema", choices=["heavy", "light", "both"], default="both")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--small", type=int, metavar="N", help="time `opendata refresh` on N rows")
    args = parser.parse_args()
    if args.small:
        result = small(args.small, args.repeat)
        print(json.dumps({k: result[k] for k in ("seconds", "cpu_seconds", "peak_tree_rss_mb")}))
        return
    schemas = ["heavy", "light"] if args.schema == "both" else [args.schema]
    for schema in schemas:
        result = bench(args.rows, args.repeat, schema, args.database)
        keys = ("seconds", "time_ratio", "pair_ratios", "peak_rss_mb", "stages", "same_verdict")
        print(json.dumps({"schema": schema, **{k: result[k] for k in keys}}))


if __name__ == "__main__":
    main()
