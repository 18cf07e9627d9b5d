"""What a running server costs, from /proc: CPU time and memory of its process tree.

Used by ``bench_serve.py``: a gunicorn master and its workers are read together.
"""

from __future__ import annotations

import os
from typing import Any


def children(root: int) -> list[int]:
    """Every descendant of ``root`` (pids)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = [child for child, parent in parents.items() if parent == pid]
        found.extend(kids)
        todo.extend(kids)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) spent so far by ``root`` and its live descendants: a
    server's work per request, whatever share of a busy machine it was given."""
    ticks = 0
    for pid in [root, *children(root)]:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _kb(pid: int, path: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def server_memory(root: int) -> dict[str, Any]:
    """Memory of a server's process tree: each process's resident set (RSS, shared pages
    counted in every process) and proportional set (PSS, shared pages split among the
    processes that share them: the sum is what the tree really holds), in MB."""
    procs: list[dict[str, Any]] = [
        {
            "pid": pid,
            "role": "master" if pid == root else "worker",
            "rss_mb": round(_kb(pid, "status", "VmRSS:") / 1024, 1),
            "pss_mb": round(_kb(pid, "smaps_rollup", "Pss:") / 1024, 1),
        }
        for pid in [root, *children(root)]
    ]
    workers = [p for p in procs if p["role"] == "worker"] or procs
    return {
        "processes": procs,
        "workers": len(workers),
        "rss_per_worker_mb": max(p["rss_mb"] for p in workers),
        "pss_per_worker_mb": max(p["pss_mb"] for p in workers),
        "rss_total_mb": round(sum(p["rss_mb"] for p in procs), 1),
        "pss_total_mb": round(sum(p["pss_mb"] for p in procs), 1),
    }
