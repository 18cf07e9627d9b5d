"""Serve benchmark on PostgreSQL: two nodes behind nginx vs SQLite on one node vs Datasette.

    .venv/bin/python bench/bench_serve_pg.py --rows 1000000 [--duration 10] [--workers 4]

The queries are bench_serve.py's (one category, sorted by date descending, deep keyset pages in
table and date order, one row by key; JSON row objects, 100 a page), each under ``wrk -t2 -c16
--latency`` for ``--duration`` s, the set-ups interleaved, all in one run on this machine:

- ``sqlite_1node``: gunicorn with ``--workers`` sync workers over the SQLite catalog and
  datastore (``bench/out/serve-work-<rows>/``, published here if missing);
- ``pg_1node``: the same gunicorn over PostgreSQL (the local server's ``opendata_serve_bench``
  database, refreshed here from the same CSV when it does not hold the rows) — the same worker
  count as SQLite, so that the two databases are compared alone;
- ``pg_2nodes_nginx``: two gunicorn nodes of ``--workers``/2 workers each over that database,
  behind nginx with deploy/nginx.conf (the recipe of docs/operations.md) — the deployment;
- ``datasette_tuned``: Datasette immutable with its inspect file (bench_serve.py's tuned peer).

Writes ``bench/out/serve-pg-<rows>.json`` and prints the table of bench/README.md (PostgreSQL
serving). Needs nginx and wrk (``apt-get install -y nginx wrk``), datasette and sqlite-utils.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_serve import DATASET, datasette_db, follow, middle_key, paths
from common import (
    OUT,
    ROOT,
    VENV_BIN,
    Server,
    dataset,
    free_port,
    get_json,
    machine,
    settle,
    write_json,
    wrk,
)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_DB = "opendata_serve_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
SETUPS = ("sqlite_1node", "pg_1node", "pg_2nodes_nginx", "datasette_tuned")


def _psql(url: str, sql: str) -> str:
    done = subprocess.run(["psql", url, "-qAtc", sql], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _refresh(csv_path: Path, workdir: Path, database_url: str | None) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    cmd = [sys.executable, str(ROOT / "bench" / "refresh_child.py"), str(csv_path), str(workdir)]
    if database_url:
        cmd.append(database_url)
    print(f"publishing into {database_url or 'SQLite'} …", flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)


def sqlite_workdir(folder: Path, rows: int) -> Path:
    workdir = OUT / f"serve-work-{rows}"
    if not (workdir / "instance" / "opendata.sqlite3").is_file():
        _refresh(folder / "catalog.csv", workdir, None)
    return workdir


def postgres_workdir(folder: Path, rows: int) -> Path:
    """The PostgreSQL bench database holding the rows (refreshed when it does not)."""
    workdir = OUT / f"serve-pg-work-{rows}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    if not _psql(PG_ADMIN, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"):
        _psql(PG_ADMIN, f"CREATE DATABASE {PG_DB}")
    db = f"{base}/{PG_DB}"
    held = _psql(
        db,
        "SELECT coalesce(sum(row_count), 0) FROM od_datastore_tables WHERE state = 'published'"
        if _psql(db, "SELECT to_regclass('od_datastore_tables') IS NOT NULL") == "t"
        else "SELECT 0",
    )
    if int(held or 0) != rows or not (workdir / "datasets" / DATASET).is_dir():
        _psql(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        _refresh(folder / "catalog.csv", workdir, PG_URL)
    _psql(db, "VACUUM ANALYZE")
    return workdir


def gunicorn(name: str, workdir: Path, workers: int, database_url: str | None) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "OPENDATA_INSTANCE_PATH": str(workdir / "instance"),
        "OPENDATA_DATASETS_PATH": str(workdir / "datasets"),
        "OPENDATA_PROXY__TRUSTED": '["127.0.0.1"]',
    }
    env.pop("OPENDATA_CONFIG", None)
    if database_url:
        env["OPENDATA_DATABASE_URL"] = database_url
    else:
        env.pop("OPENDATA_DATABASE_URL", None)
    argv = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--timeout", "60", "--no-control-socket", "wsgi:app"]  # fmt: skip
    return Server(name, argv, port, cwd=ROOT, env=env, ready_path="/healthz")


def nginx(upstreams: list[Server]) -> Server:
    exe = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if exe is None:
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    port = free_port()
    run_dir = OUT / "serve-pg-nginx"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    servers = "\n        ".join(
        f"server 127.0.0.1:{up.port} max_fails=1 fail_timeout=5s;" for up in upstreams
    )
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for key, value in (
        ("run_dir", str(run_dir)),
        ("listen", f"127.0.0.1:{port}"),
        ("servers", servers),
    ):
        conf = conf.replace("{{" + key + "}}", value)
    (run_dir / "nginx.conf").write_text(conf)
    argv = [exe, "-c", str(run_dir / "nginx.conf"), "-e", str(run_dir / "error.log"),
            "-g", "daemon off; user root;"]  # fmt: skip
    return Server("serve-pg-nginx", argv, port, ready_path="/healthz")


def datasette(db: Path, inspect: Path) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "datasette"), "serve", "-i", str(db), "--inspect-file", str(inspect),
            "-h", "127.0.0.1", "-p", str(port), "--setting", "suggest_facets", "off"]  # fmt: skip
    return Server("serve-pg-datasette", argv, port, ready_path="/-/versions.json")


def _urls(bases: dict[str, str], key: str, pages: int) -> dict[str, dict[str, str | None]]:
    urls: dict[str, dict[str, str | None]] = {}
    for name, by_peer in paths(key).items():
        urls[name] = {}
        for setup, base in bases.items():
            path = by_peer["datasette" if setup.startswith("datasette") else "opendata"]
            if name.startswith("deep_"):
                urls[name][setup] = follow(base, path, pages)["url"]
            else:
                urls[name][setup] = base + path
            url = urls[name][setup]
            if url and get_json(url)[0] != 200:
                urls[name][setup] = None
    return urls


def _measure(
    urls: dict[str, dict[str, str | None]], duration: int, settle_max: float, repeat: int
) -> dict[str, Any]:
    """Best of ``repeat`` interleaved wrk runs per query and set-up (the machine is shared)."""
    results: dict[str, Any] = {}
    for name, by_setup in urls.items():
        runs: dict[str, list[dict[str, Any]]] = {setup: [] for setup in SETUPS}
        for setup in SETUPS:
            url = by_setup.get(setup)
            if url:
                wrk(url, duration=2)  # warm the workers' connections and caches, unrecorded
        for i in range(repeat):
            for setup in SETUPS[i % len(SETUPS) :] + SETUPS[: i % len(SETUPS)]:
                url = by_setup.get(setup)
                if url is None:
                    continue
                waited = settle(max_wait=settle_max)
                run = wrk(url, duration=duration)
                run["settle_s"] = round(waited, 1)
                runs[setup].append(run)
                print(
                    f"  {name:<22} {setup:<16} {run['ok_rps']:9.1f} req/s  p99 {run['p99_ms']} ms"
                    f"  non-2xx {run['non_2xx']} errors {run['socket_errors']}",
                    flush=True,
                )
        results[name] = {
            setup: max(rs, key=lambda r: r["ok_rps"]) if rs else None for setup, rs in runs.items()
        }
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        "| query | SQLite 1 node | PostgreSQL 1 node | PostgreSQL 2 nodes + nginx "
        "| Datasette tuned | PG 1 node / SQLite |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_setup in results.items():
        cells = []
        for setup in SETUPS:
            run = by_setup.get(setup)
            cells.append(f"{run['ok_rps']:.0f} / {run['p99_ms']}" if run else "fails")
        sqlite, pg = by_setup.get("sqlite_1node"), by_setup.get("pg_1node")
        ratio = f"{pg['ok_rps'] / sqlite['ok_rps']:.2f}" if sqlite and pg else "–"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def bench(
    rows: int, duration: int, workers: int, pages: int, settle_max: float, repeat: int
) -> dict[str, Any]:
    folder = dataset(rows)
    sqlite_dir = sqlite_workdir(folder, rows)
    pg_dir = postgres_workdir(folder, rows)
    db, inspect = datasette_db(folder, rows)
    key = middle_key(folder, rows)
    half = max(1, workers // 2)
    sqlite = gunicorn(f"serve-pg-sqlite-{rows}", sqlite_dir, workers, None)
    pg_one = gunicorn(f"serve-pg-pg1-{rows}", pg_dir, workers, PG_URL)
    node_a = gunicorn(f"serve-pg-node-a-{rows}", pg_dir, half, PG_URL)
    node_b = gunicorn(f"serve-pg-node-b-{rows}", pg_dir, half, PG_URL)
    ds = datasette(db, inspect)
    with sqlite, pg_one, node_a, node_b, ds, nginx([node_a, node_b]) as proxy:
        bases = {
            "sqlite_1node": sqlite.base,
            "pg_1node": pg_one.base,
            "pg_2nodes_nginx": proxy.base,
            "datasette_tuned": ds.base,
        }
        results = _measure(_urls(bases, key, pages), duration, settle_max, repeat)
    out = {
        "rows": rows,
        "machine": machine(),
        "workers": workers,
        "duration_s": duration,
        "repeat": repeat,
        "load_at_end": os.getloadavg()[0],
        "wrk": "-t2 -c16 --latency --timeout 10s",
        "queries": results,
    }
    write_json(OUT / f"serve-pg-{rows}.json", out)
    print(table(results))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per set-up")
    parser.add_argument("--pages", type=int, default=50, help="how deep the keyset pages go")
    parser.add_argument("--repeat", type=int, default=2, help="interleaved runs; the best kept")
    parser.add_argument(
        "--settle", type=float, default=60.0, help="most seconds to wait for an idle machine"
    )
    parser.add_argument("--table", type=Path, help="print the table of a written JSON file")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.table.read_text(encoding="utf-8"))["queries"]))
        return
    # SIGTERM unwinds the with-blocks, so that every server started here is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench(args.rows, args.duration, args.workers, args.pages, args.settle, args.repeat)


if __name__ == "__main__":
    main()
