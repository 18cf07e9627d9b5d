"""Serve benchmark: opendata under gunicorn vs Datasette under gunicorn, on the same rows, same
number of processes, under wrk on loopback (issue 17).

    .venv/bin/python bench/bench_serve.py --rows 1000000 [--duration 10] [--repeat 3]

Servers (``--workers`` processes each, 2 by default: one per core of this project's machines):

- ``opendata``: ``gunicorn --workers 2 --worker-class sync --bind 127.0.0.1:<port> --timeout 60
  --no-control-socket --access-logfile - wsgi:app``, the README's production command (the
  access log goes to ``bench/out/opendata-<rows>.log``), over a work folder the refresh
  benchmark's code published (``bench/out/serve-work-<rows>/``, made once: a refresh benchmark
  running meanwhile does not pull it away); ``--worker-class gthread --threads N`` for the other;
- ``datasette_1`` and ``datasette_2``: Datasette under gunicorn with 1 and ``--workers`` uvicorn
  workers (``-k uvicorn.workers.UvicornWorker``, uvloop and httptools installed), tuned as an
  operator of a 1M-row table would tune it (``bench/datasette_asgi.py``: immutable, counts from
  ``datasette inspect``, no suggested facets, whole CSV), over a database built with
  ``sqlite-utils insert --csv`` plus an index on every column opendata indexes.

Queries (both JSON with row objects, 100 rows a page): one category, sorted by date descending,
a deep keyset page in table order (``next`` followed ``--pages`` times), the same deep in date
order, one row by primary key; each under ``wrk -t2 -c<--connections> --latency`` for
``--duration`` s, ``--repeat`` rounds with the servers interleaved (a different one first each
round), each server's queue drained between runs (:func:`quiet`). Reported per query and
server: the median and range of the successful requests per second, of the p99 latency and of
the CPU time per request, and the median and range of the per-round ratios opendata / Datasette
(req/s, and per core: CPU per request; each ratio from runs of one round, minutes apart at
most). Then each server's memory (RSS and PSS per process, after the runs), whole CSV downloads
(opendata's file vs Datasette's ``_stream=on``) and opendata's unloaded latency (``wrk -t1
-c1``). Writes ``bench/out/serve-<rows>.json``; :func:`table` makes the README's table.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from common import (
    BENCH,
    OUT,
    ROOT,
    VENV_BIN,
    Server,
    dataset,
    download,
    free_port,
    get_json,
    machine,
    write_json,
    wrk,
)
from procstat import server_memory, tree_cpu_seconds

from opendata.store.datastore import indexed_fields

DATASET, RESOURCE, TABLE, DB = "bench_catalog", "entries", "entries", "catalog"
OPENDATA = "opendata"
#: opendata with the other worker class (``--compare``), to show which the README advises.
OTHER = "opendata_other"
DATASETTE = ("datasette_1", "datasette_2")
PEERS = (OPENDATA, *DATASETTE)
#: What opendata must reach against Datasette with as many processes (issue 17): req/s ratio.
TARGETS = {
    "by_key": 1.5,
    "filtered": 5.0,
    "sorted_date_desc": 5.0,
    "deep_keyset": 5.0,
    "deep_keyset_date_desc": 5.0,
}
QUERY_TITLES = {
    "filtered": "one category, 100 rows",
    "sorted_date_desc": "sorted by date desc",
    "deep_keyset": "deep keyset page (table order)",
    "deep_keyset_date_desc": "deep keyset page (date desc)",
    "by_key": "one row by primary key",
}


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


def _opendata(name: str, workdir: Path, options: argparse.Namespace, worker_class: str) -> Server:
    env = {
        **os.environ,
        "OPENDATA_INSTANCE_PATH": str(workdir / "instance"),
        "OPENDATA_DATASETS_PATH": str(workdir / "datasets"),
    }
    env.pop("OPENDATA_DATABASE_URL", None)
    env.pop("OPENDATA_CONFIG", None)
    port = free_port()
    worker = ["--worker-class", worker_class]
    if worker_class == "gthread":
        worker += ["--threads", str(options.threads)]
    return Server(
        name,
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(options.workers),
            *worker,
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--no-control-socket",
            "--access-logfile",
            "-",
            "wsgi:app",
        ],
        port,
        cwd=ROOT,
        env=env,
        ready_path="/healthz",
    )


def servers(
    rows: int, workdir: Path, db: Path, inspect: Path, options: argparse.Namespace
) -> dict[str, Server]:
    gunicorn = str(VENV_BIN / "gunicorn")
    found = {OPENDATA: _opendata(f"opendata-{rows}", workdir, options, options.worker_class)}
    if options.compare:
        found[OTHER] = _opendata(
            f"opendata-{options.compare}-{rows}", workdir, options, options.compare
        )
    ds_env = {
        **os.environ,
        "BENCH_DATASETTE_DB": str(db),
        "BENCH_DATASETTE_INSPECT": str(inspect),
    }
    for peer in DATASETTE:
        workers = 1 if peer == "datasette_1" else options.workers
        port = free_port()
        found[peer] = Server(
            f"{peer}-{rows}",
            [
                gunicorn,
                "--workers",
                str(workers),
                "--worker-class",
                "uvicorn.workers.UvicornWorker",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--no-control-socket",
                "datasette_asgi:app",
            ],
            port,
            cwd=BENCH,
            env=ds_env,
            ready_path="/-/versions.json",
        )
    return found


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
        "object_rows": isinstance(rows, list) and bool(rows) and isinstance(rows[0], dict),
    }


def spread(values: list[float]) -> dict[str, float] | None:
    """Median, lowest and highest of ``values`` (None when there are none)."""
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def first_urls(
    base: dict[str, str], key: str, pages: int
) -> tuple[dict[str, dict[str, str | None]], dict[str, dict[str, Any]]]:
    """Per query and server, the URL to load (the deep pages followed first) and its checks."""
    urls: dict[str, dict[str, str | None]] = {}
    notes: dict[str, dict[str, Any]] = {}
    for name, by_peer in paths(key).items():
        urls[name], notes[name] = {}, {}
        for peer in base:
            path = by_peer[OPENDATA if peer.startswith(OPENDATA) else "datasette"]
            if name.startswith("deep_"):
                found = follow(base[peer], path, pages)
                urls[name][peer] = found["url"]
                notes[name][peer] = found
            else:
                urls[name][peer] = base[peer] + path
            url = urls[name][peer]
            if url:
                notes[name][peer] = {**notes[name].get(peer, {}), **check(url)}
    return urls, notes


def load(
    name: str,
    urls: dict[str, str | None],
    pids: dict[str, int],
    rows: int,
    options: argparse.Namespace,
) -> dict[str, Any]:
    """``--repeat`` interleaved wrk rounds of one query on every server, summarised. Each run
    also records the CPU time the server's processes spent per request: on a machine shared
    with other work, the share of the cores a server gets depends on how many threads it runs,
    and CPU per request is what it costs per core, whatever share it got."""
    peers = tuple(urls)
    runs: dict[str, list[dict[str, Any]]] = {peer: [] for peer in peers}
    # A short unrecorded run per server first: every worker opens its connections and caches.
    for peer in peers:
        if urls[peer]:
            wrk(str(urls[peer]), duration=2, connections=options.connections)
            quiet(pids[peer], options.settle)
    for i in range(options.repeat):
        order = peers[i % len(peers) :] + peers[: i % len(peers)]
        for peer in order:
            url = urls[peer]
            if url is None:
                continue
            load_avg = os.getloadavg()[0]
            cpu = tree_cpu_seconds(pids[peer])
            run = wrk(url, duration=options.duration, connections=options.connections)
            cpu = tree_cpu_seconds(pids[peer]) - cpu
            run["cpu_ms_per_request"] = round(1000 * cpu / max(run["requests"], 1), 3)
            run["round"], run["load_average"] = i, round(load_avg, 2)
            runs[peer].append(run)
            run["settle_s"] = round(quiet(pids[peer], options.settle), 1)
            print(
                f"  {rows:>9,} {name:<22} {peer:<12} {run['ok_rps']:9.1f} req/s  "
                f"p99 {run['p99_ms']} ms  cpu/request {run['cpu_ms_per_request']} ms  "
                f"non-2xx {run['non_2xx']} errors {run['socket_errors']}  load {load_avg:.1f}",
                flush=True,
            )
    return {"runs": runs, **summary(runs)}


def quiet(pid: int, max_wait: float) -> float:
    """Wait until the server ``pid`` stops working (its processes use under a tenth of a core
    over half a second), at most ``max_wait`` s; returns the seconds waited. A server that
    timed out on wrk keeps working through its queue after wrk stops: without this, that work
    would land in the next server's run. (``settle``, which waits for the whole machine to go
    idle, never returns early on a machine shared with other work.)"""
    start = time.monotonic()
    used = tree_cpu_seconds(pid)
    while time.monotonic() - start < max_wait:
        time.sleep(0.5)
        now = tree_cpu_seconds(pid)
        if now - used < 0.05:
            break
        used = now
    return time.monotonic() - start


def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Median and range per server, and of the per-round ratios opendata / each Datasette."""
    out: dict[str, Any] = {
        "rps": {p: spread([r["ok_rps"] for r in rs]) for p, rs in runs.items()},
        "p99_ms": {
            p: spread([r["p99_ms"] for r in rs if r["p99_ms"] is not None])
            for p, rs in runs.items()
        },
        "cpu_ms": {p: spread([r["cpu_ms_per_request"] for r in rs]) for p, rs in runs.items()},
        "ratios": {},
        "per_core_ratios": {},
        "p99_lower_rounds": {},
    }
    own = {r["round"]: r for r in runs[OPENDATA]}
    for peer in DATASETTE:
        pairs = [(own[r["round"]], r) for r in runs[peer] if r["round"] in own]
        versus = _versus(pairs)
        for key in ("ratios", "per_core_ratios", "p99_lower_rounds"):
            out[key][peer] = versus[key]
    return out


def _versus(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Per-round comparisons of opendata's run (first) with a peer's (second)."""
    return {
        "ratios": spread([a["ok_rps"] / b["ok_rps"] for a, b in pairs if b["ok_rps"]]),
        # Requests per CPU-second, opendata over the peer: the peer's CPU per request over ours.
        "per_core_ratios": spread(
            [
                b["cpu_ms_per_request"] / a["cpu_ms_per_request"]
                for a, b in pairs
                if a["cpu_ms_per_request"]
            ]
        ),
        "p99_lower_rounds": sum(1 for a, b in pairs if _lower_p99(a, b)),
    }


def _lower_p99(own: dict[str, Any], peer: dict[str, Any]) -> bool:
    mine, theirs = own["p99_ms"], peer["p99_ms"]
    return mine is not None and theirs is not None and mine < theirs and peer["ok_rps"] > 0


def _worker_label(worker_class: str, threads: int) -> str:
    return f"gthread, {threads} threads" if worker_class == "gthread" else worker_class


def served_folder(rows: int) -> Path:
    """The published work folder opendata serves, made once per size."""
    workdir = OUT / f"serve-work-{rows}"
    if not (workdir / "instance" / "opendata.sqlite3").is_file():
        from bench_refresh import opendata_run

        print(f"publishing {rows:,} rows for opendata …", flush=True)
        opendata_run(dataset(rows), workdir)
    return workdir


def _header(rows: int, procs: dict[str, Server], options: argparse.Namespace) -> dict[str, Any]:
    """What a run measured, and with what: the result's fields before the measurements."""
    classes = {OPENDATA: _worker_label(options.worker_class, options.threads)}
    if options.compare:
        classes[OTHER] = _worker_label(options.compare, options.threads)
    return {
        "rows": rows,
        "machine": machine(),
        "duration_s": options.duration,
        "repeat": options.repeat,
        "wrk": f"-t2 -c{options.connections} --latency --timeout 10s",
        "servers": {
            peer: " ".join(Path(c).name if i == 0 else c for i, c in enumerate(p.cmd))
            for peer, p in procs.items()
        },
        "worker_classes": classes,
        "queries": {},
        "memory": {},
        "downloads": {},
        "unloaded_ms": {},
    }


def bench(
    rows: int,
    duration: int = 10,
    repeat: int = 3,
    pages: int = 50,
    options: argparse.Namespace | None = None,
) -> dict[str, Any]:
    options = options or parser().parse_args([])
    options.duration, options.repeat, options.pages = duration, repeat, pages
    folder = dataset(rows)
    workdir = served_folder(rows)
    db, inspect = datasette_db(folder, rows)
    key = middle_key(folder, rows)
    procs = servers(rows, workdir, db, inspect, options)
    result = _header(rows, procs, options)
    with contextlib.ExitStack() as running:
        for server in procs.values():
            running.enter_context(server)
        base = {peer: server.base for peer, server in procs.items()}
        pids = {peer: server.proc.pid for peer, server in procs.items()}  # type: ignore[union-attr]
        urls, notes = first_urls(base, key, pages)
        for name in urls:
            result["queries"][name] = {
                **load(name, urls[name], pids, rows, options),
                "checks": notes[name],
            }
        for peer in procs:
            result["memory"][peer] = server_memory(pids[peer])
        result["downloads"] = downloads(base, repeat)
        for name in urls:
            url = urls[name][OPENDATA]
            if url:
                result["unloaded_ms"][name] = wrk(
                    url, duration=max(3, duration // 2), threads=1, connections=1
                )
    loads = [
        r["load_average"]
        for q in result["queries"].values()
        for rs in q["runs"].values()
        for r in rs
    ]
    result["load_average"] = spread(loads)
    write_json(OUT / f"serve-{rows}.json", result)
    return result


def downloads(base: dict[str, str], repeat: int) -> dict[str, Any]:
    """The whole table as CSV: opendata's published file vs Datasette's ``_stream=on``."""
    csv_urls = {
        OPENDATA: f"{base[OPENDATA]}/api/v1/datasets/{DATASET}/resources/{RESOURCE}.csv",
        **{p: f"{base[p]}/{DB}/{TABLE}.csv?_stream=on&_size=max" for p in DATASETTE},
    }
    found: dict[str, list[dict[str, Any]]] = {peer: [] for peer in PEERS}
    for _ in range(max(1, min(repeat, 2))):
        for peer in PEERS:
            run = download(csv_urls[peer])
            found[peer].append(run)
            print(
                f"  full CSV download {peer:<12} {run['seconds']:8.2f} s "
                f"{run['bytes'] / 1e6:8.1f} MB  {run['mb_per_s']} MB/s",
                flush=True,
            )
    return {
        peer: {"best": min(rs, key=lambda r: r["seconds"]), "runs": rs}
        for peer, rs in found.items()
    }


def _range(s: dict[str, float] | None, pattern: str = "{:,.0f}") -> str:
    if s is None:
        return "—"
    return f"{pattern.format(s['median'])} ({pattern.format(s['min'])}–{pattern.format(s['max'])})"


def _server_cell(q: dict[str, Any], peer: str) -> str:
    check = q["checks"].get(peer) or {}
    if check.get("failed_at_page"):
        return f"fails (HTTP {check.get('status')} at page {check['failed_at_page']})"
    failed = sum(r["non_2xx"] + r["socket_errors"] for r in q["runs"][peer])
    text = f"{_range(q['rps'][peer])} / {_range(q['p99_ms'][peer], '{:,.1f}')}"
    return text + (f" ({failed} failed)" if failed else "")


def _holds(name: str, q: dict[str, Any]) -> tuple[str, str]:
    """(per core, as served): opendata's requests per CPU-second over Datasette ×2's, and its
    requests per second with a lower p99, each against the target."""
    peer = "datasette_2"
    ratio, per_core = q["ratios"].get(peer), q["per_core_ratios"].get(peer)
    if ratio is None:
        fails = "yes (Datasette fails)" if q["rps"][OPENDATA] else "—"
        return fails, fails
    p99 = q["p99_ms"]
    lower = bool(p99[OPENDATA] and p99[peer] and p99[OPENDATA]["median"] < p99[peer]["median"])
    target = TARGETS[name]
    core = per_core is not None and per_core["median"] >= target
    served = ratio["median"] >= target and lower
    return ("yes" if core else "**no**"), ("yes" if served else "**no**")


def _ratio(q: dict[str, Any], key: str) -> str:
    r2, r1 = q[key].get("datasette_2"), q[key].get("datasette_1")
    return "—" if r2 is None else f"{_range(r2, '{:.2f}')} ({_range(r1, '{:.2f}')})"


def _classes_table(serve: dict[int, dict[str, Any]]) -> list[str]:
    """opendata with both worker classes, when the run compared them (``--compare``)."""
    runs = {rows: s for rows, s in serve.items() if OTHER in s.get("worker_classes", {})}
    if not runs:
        return []
    lines = [
        "",
        "| rows | query | opendata worker class | req/s | p99 ms | CPU ms a request |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for rows, s in sorted(runs.items()):
        for name, q in s["queries"].items():
            for peer in (OPENDATA, OTHER):
                lines.append(
                    f"| {rows:,} | {QUERY_TITLES.get(name, name)} | {s['worker_classes'][peer]} "
                    f"| {_range(q['rps'].get(peer))} | {_range(q['p99_ms'].get(peer), '{:,.1f}')} "
                    f"| {_range(q['cpu_ms'].get(peer), '{:.2f}')} |"
                )
    return lines


def table(serve: dict[int, dict[str, Any]]) -> list[str]:
    """The README's serve tables for the runs in ``serve`` (by rows)."""
    lines = [
        "| rows | query | opendata req/s / p99 ms | Datasette ×1 req/s / p99 ms "
        "| Datasette ×2 req/s / p99 ms | req/s ÷ Datasette ×2 (×1) "
        "| CPU ms a request: opendata / ×1 / ×2 | per core ÷ Datasette ×2 (×1) | target "
        "| holds per core / as served |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for rows, s in sorted(serve.items()):
        for name, q in s["queries"].items():
            cpu = " / ".join(_range(q["cpu_ms"][p], "{:.2f}") for p in PEERS)
            core, served = _holds(name, q)
            lines.append(
                f"| {rows:,} | {QUERY_TITLES.get(name, name)} | "
                + " | ".join(_server_cell(q, p) for p in PEERS)
                + f" | {_ratio(q, 'ratios')} | {cpu} | {_ratio(q, 'per_core_ratios')} "
                f"| ≥ {TARGETS[name]}× | {core} / {served} |"
            )
    lines += _classes_table(serve)
    lines += [
        "",
        "| rows | server | processes | RSS per worker MB | PSS per worker MB | RSS all MB "
        "| PSS all MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for rows, s in sorted(serve.items()):
        for peer, m in s.get("memory", {}).items():
            lines.append(
                f"| {rows:,} | {peer} | {len(m['processes'])} | {m['rss_per_worker_mb']:.1f} "
                f"| {m['pss_per_worker_mb']:.1f} | {m['rss_total_mb']:.0f} "
                f"| {m['pss_total_mb']:.0f} |"
            )
    lines += [
        "",
        "| rows | full CSV download | opendata s (MB/s) | Datasette ×1 s (MB/s) "
        "| Datasette ×2 s (MB/s) | speed-up (budget ≥ 10×) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for rows, s in sorted(serve.items()):
        d = {peer: v["best"] for peer, v in s["downloads"].items()}
        fastest_peer = min(d[p]["seconds"] for p in DATASETTE)
        speedup = fastest_peer / d[OPENDATA]["seconds"]
        cells = " | ".join(
            f"{d[p]['seconds']:.2f} ({d[p]['mb_per_s']}; {d[p]['bytes'] / 1e6:.0f} MB)"
            for p in PEERS
        )
        ok = "yes" if speedup >= 10 else "**no**"
        lines.append(f"| {rows:,} | whole table | {cells} | {speedup:.1f}× {ok} |")
    return lines


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    found.add_argument("--rows", type=int, default=1_000_000)
    found.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    found.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    found.add_argument("--pages", type=int, default=50, help="how deep the keyset pages go")
    found.add_argument("--connections", type=int, default=32, help="wrk connections")
    found.add_argument("--workers", type=int, default=2, help="processes of each server")
    found.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    found.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    found.add_argument(
        "--compare",
        choices=("sync", "gthread"),
        help="also run opendata with this worker class (the README's advice comes from it)",
    )
    found.add_argument(
        "--settle",
        type=float,
        default=60,
        help="longest wait (s) for a server to finish its queue after each run",
    )
    return found


def main() -> None:
    args = parser().parse_args()
    result = bench(args.rows, args.duration, args.repeat, args.pages, args)
    print("\n".join(table({args.rows: result})))


if __name__ == "__main__":
    main()
