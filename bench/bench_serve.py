"""Serve benchmark: opendata under gunicorn vs Datasette on the same rows, under wrk on loopback.

    .venv/bin/python bench/bench_serve.py --rows 1000000 [--duration 10] [--repeat 1]

opendata runs as the README's production section documents (``gunicorn --workers 4
--timeout 60 --no-control-socket --access-logfile - wsgi:app``; only the port differs: a free
one on 127.0.0.1) over the work folder the refresh benchmark published (``bench/out/work-<rows>/``;
refreshed here if it is missing). Datasette serves a database built with ``sqlite-utils insert
--csv`` (types detected) plus an index on every column opendata indexes, in two configurations:

- ``datasette``: default settings (``--setting max_csv_mb 0`` only, so that the CSV is whole);
- ``datasette_tuned``: what an operator of a 1M-row table would do — immutable (``-i``) with a
  ``datasette inspect`` counts file and ``--setting suggest_facets off`` (plus ``max_csv_mb 0``).

Queries (both JSON with row objects, 100 rows a page): one category, sorted by date descending,
a deep keyset page in table order (``next`` followed ``--pages`` times), the same deep in date
order, one row by primary key; each under ``wrk -t2 -c16 --latency`` for ``--duration`` s, the
peers interleaved. Then whole CSV downloads (opendata's file vs Datasette's ``_stream=on``), and
opendata's unloaded latency (``wrk -t1 -c1``) for the growth table. Writes
``bench/out/serve-<rows>.json``.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from common import (
    OUT,
    ROOT,
    VENV_BIN,
    Server,
    dataset,
    download,
    free_port,
    get_json,
    machine,
    settle,
    write_json,
    wrk,
)

from opendata.store.datastore import indexed_fields

DATASET, RESOURCE, TABLE, DB = "bench_catalog", "entries", "entries", "catalog"
PEERS = ("opendata", "datasette", "datasette_tuned")


def datasette_db(folder: Path, rows: int) -> tuple[Path, Path]:
    """``sqlite-utils insert --csv`` the CSV, index it like opendata, write the inspect file."""
    from gen_catalog import SCHEMA

    target = OUT / f"datasette-{rows}"
    db, inspect = target / f"{DB}.db", target / "inspect.json"
    csv_path = folder / "catalog.csv"
    if db.is_file() and inspect.is_file() and db.stat().st_mtime > csv_path.stat().st_mtime:
        return db, inspect
    target.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    utils = str(VENV_BIN / "sqlite-utils")
    print(f"building the Datasette database for {rows:,} rows …", flush=True)
    subprocess.run([utils, "insert", str(db), TABLE, str(csv_path), "--csv"], check=True)
    for column in indexed_fields(SCHEMA):
        subprocess.run([utils, "create-index", str(db), TABLE, column], check=True)
    subprocess.run(
        [str(VENV_BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)],
        check=True,
    )
    return db, inspect


def servers(rows: int, workdir: Path, db: Path, inspect: Path) -> dict[str, Server]:
    env = {
        **os.environ,
        "OPENDATA_INSTANCE_PATH": str(workdir / "instance"),
        "OPENDATA_DATASETS_PATH": str(workdir / "datasets"),
    }
    env.pop("OPENDATA_DATABASE_URL", None)
    env.pop("OPENDATA_CONFIG", None)
    od_port, ds_port, dt_port = free_port(), free_port(), free_port()
    datasette = str(VENV_BIN / "datasette")
    return {
        "opendata": Server(
            f"opendata-{rows}",
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                "4",
                "--bind",
                f"127.0.0.1:{od_port}",
                "--timeout",
                "60",
                "--no-control-socket",
                "--access-logfile",
                "-",
                "wsgi:app",
            ],
            od_port,
            cwd=ROOT,
            env=env,
            ready_path="/healthz",
        ),
        "datasette": Server(
            f"datasette-{rows}",
            [
                datasette,
                "serve",
                str(db),
                "-h",
                "127.0.0.1",
                "-p",
                str(ds_port),
                "--setting",
                "max_csv_mb",
                "0",
            ],
            ds_port,
            ready_path="/-/versions.json",
        ),
        "datasette_tuned": Server(
            f"datasette-tuned-{rows}",
            [
                datasette,
                "serve",
                "-i",
                str(db),
                "--inspect-file",
                str(inspect),
                "-h",
                "127.0.0.1",
                "-p",
                str(dt_port),
                "--setting",
                "suggest_facets",
                "off",
                "--setting",
                "max_csv_mb",
                "0",
            ],
            dt_port,
            ready_path="/-/versions.json",
        ),
    }


def middle_key(folder: Path, rows: int) -> str:
    """The primary key of the row in the middle of the table."""
    with (folder / "catalog.csv").open(encoding="utf-8", newline="") as fh:
        for number, cells in enumerate(csv.reader(fh)):
            if number == rows // 2:
                return cells[0]
    raise ValueError("CSV shorter than announced")


def paths(key: str) -> dict[str, dict[str, str]]:
    """The first URL (path + query) of each query, per peer; ``deep_*`` are followed later."""
    rows_url = f"/api/v1/datasets/{DATASET}/resources/{RESOURCE}/rows?"
    table_url = f"/{DB}/{TABLE}.json?"
    shape = [("_shape", "objects")]

    def od(params: list[tuple[str, str]]) -> str:
        return rows_url + urlencode(params, quote_via=quote)

    def ds(params: list[tuple[str, str]]) -> str:
        return table_url + urlencode(params + shape, quote_via=quote)

    queries = {
        "filtered": [("subject", "档案"), ("_size", "100")],
        "sorted_date_desc": [("_sort_desc", "published"), ("_size", "100")],
        "deep_keyset": [("_size", "100")],
        "deep_keyset_date_desc": [("_sort_desc", "published"), ("_size", "100")],
        "by_key": [("index_no", key)],
    }
    return {name: {"opendata": od(p), "datasette": ds(p)} for name, p in queries.items()}


def follow(base: str, path: str, pages: int) -> dict[str, Any]:
    """Follow ``next_url`` ``pages`` times from ``path``; the deep URL or where it failed."""
    url = base + path
    for page in range(1, pages + 1):
        status, body = get_json(url)
        if status != 200 or not isinstance(body, dict):
            return {
                "url": None,
                "failed_at_page": page,
                "status": status,
                "error": (body or {}).get("error") if isinstance(body, dict) else None,
            }
        following = body.get("next_url")
        if not following:
            return {"url": None, "failed_at_page": page, "status": status, "error": "no next page"}
        url = following
    return {"url": url, "pages": pages}


def check(url: str) -> dict[str, Any]:
    """Status, rows and bytes of one response: the shapes compared must be alike."""
    status, body = get_json(url)
    rows = body.get("rows") if isinstance(body, dict) else None
    return {
        "status": status,
        "rows": len(rows) if isinstance(rows, list) else None,
        "object_rows": bool(rows) and isinstance(rows[0], dict),
    }


def bench(rows: int, duration: int, repeat: int, pages: int) -> dict[str, Any]:
    folder = dataset(rows)
    workdir = OUT / f"work-{rows}"
    if not (workdir / "instance" / "opendata.sqlite3").is_file():
        from bench_refresh import opendata_run

        print(f"publishing {rows:,} rows for opendata …", flush=True)
        opendata_run(folder, workdir)
    db, inspect = datasette_db(folder, rows)
    key = middle_key(folder, rows)
    first = paths(key)
    procs = servers(rows, workdir, db, inspect)
    result: dict[str, Any] = {
        "rows": rows,
        "machine": machine(),
        "duration_s": duration,
        "wrk": "-t2 -c16 --latency --timeout 10s",
        "queries": {},
        "downloads": {},
        "unloaded_ms": {},
    }
    with procs["opendata"], procs["datasette"], procs["datasette_tuned"]:
        base = {peer: procs[peer].base for peer in PEERS}
        urls: dict[str, dict[str, str | None]] = {}
        notes: dict[str, dict[str, Any]] = {}
        for name, by_peer in first.items():
            urls[name], notes[name] = {}, {}
            for peer in PEERS:
                path = by_peer["opendata" if peer == "opendata" else "datasette"]
                if name.startswith("deep_"):
                    # The same rows for both Datasette set-ups: follow on each (its own host).
                    found = follow(base[peer], path, pages)
                    urls[name][peer] = found["url"]
                    notes[name][peer] = found
                else:
                    urls[name][peer] = base[peer] + path
                if urls[name][peer]:
                    notes[name][peer] = {
                        **notes[name].get(peer, {}),
                        **check(str(urls[name][peer])),
                    }
        for name in first:
            runs: dict[str, list[dict[str, Any]]] = {peer: [] for peer in PEERS}
            # A short unrecorded run per peer first, the same for all: every worker process
            # opens its connections and caches before the measured runs.
            for peer in PEERS:
                if urls[name][peer]:
                    wrk(str(urls[name][peer]), duration=2)
                    settle()
            for i in range(repeat):
                order = PEERS[i % 3 :] + PEERS[: i % 3]
                for peer in order:
                    url = urls[name][peer]
                    if url is None:
                        continue
                    run = wrk(url, duration=duration)
                    runs[peer].append(run)
                    run["settle_s"] = round(settle(), 1)
                    print(
                        f"  {rows:>9,} {name:<22} {peer:<16} {run['ok_rps']:9.1f} req/s  "
                        f"p99 {run['p99_ms']} ms  non-2xx {run['non_2xx']} "
                        f"errors {run['socket_errors']}",
                        flush=True,
                    )
            best = {
                peer: max(rs, key=lambda r: r["ok_rps"]) if rs else None
                for peer, rs in runs.items()
            }
            result["queries"][name] = {"best": best, "runs": runs, "checks": notes[name]}
        csv_urls = {
            "opendata": f"{base['opendata']}/api/v1/datasets/{DATASET}/resources/{RESOURCE}.csv",
            "datasette": f"{base['datasette']}/{DB}/{TABLE}.csv?_stream=on&_size=max",
            "datasette_tuned": f"{base['datasette_tuned']}/{DB}/{TABLE}.csv?_stream=on&_size=max",
        }
        downloads: dict[str, list[dict[str, Any]]] = {peer: [] for peer in PEERS}
        for _ in range(repeat):
            for peer in PEERS:
                run = download(csv_urls[peer])
                downloads[peer].append(run)
                print(
                    f"  {rows:>9,} full CSV download       {peer:<16} {run['seconds']:8.2f} s "
                    f"{run['bytes'] / 1e6:8.1f} MB  {run['mb_per_s']} MB/s",
                    flush=True,
                )
        result["downloads"] = {
            peer: {"best": min(rs, key=lambda r: r["seconds"]), "runs": rs}
            for peer, rs in downloads.items()
        }
        for name in first:
            url = urls[name]["opendata"]
            if url:
                result["unloaded_ms"][name] = wrk(
                    url, duration=max(3, duration // 2), threads=1, connections=1
                )
    write_json(OUT / f"serve-{rows}.json", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs per peer")
    parser.add_argument("--pages", type=int, default=50, help="how deep the keyset pages go")
    args = parser.parse_args()
    bench(args.rows, args.duration, args.repeat, args.pages)


if __name__ == "__main__":
    sys.exit(main())
