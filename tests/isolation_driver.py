"""Refresh a hanging source N times through the scheduler's Runner, in a process of its own.

Usage: python isolation_driver.py FOLDER REPORT_JSON N

Writes the process's thread count, child processes and resident memory before and after, the
error kinds of the runs, and which of the children the source started are still alive
(test_refresh_isolation). A few runs first, so that what the first refresh allocates once (the
fork server, caches) is not counted as growth.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from opendata.config import load_config
from opendata.scheduler.runner import Runner
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.testing import prepare_database

WARM_UP = 5


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _children() -> int:
    me = str(os.getpid())
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        count += fields[1] == me and fields[0] != "Z"
    return count


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def main() -> None:
    folder, report, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    logging.basicConfig(level=logging.ERROR)
    pid_file = folder / "left.jsonl"
    url = f"sqlite:///{folder / 'instance' / 'opendata.sqlite3'}"
    (folder / "instance").mkdir(parents=True, exist_ok=True)
    config = load_config(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATASETS_PATH": str(folder / "datasets"),
            "DATABASE_URL": url,
            "SOURCES_ENABLED": ["hangs_forever"],
            "SOURCES_EXTRA": ["runaway_sources:HangsForever"],
            "SOURCES": {"hangs_forever": {"timeout": 0.2, "pid_file": str(pid_file)}},
        },
        environ={},
    )
    prepare_database(url)
    services = Services.from_config(config)
    runner = Runner(services, SchedulerSettings.from_config(config))
    for _ in range(WARM_UP):
        runner.run_one("hangs_forever", trigger="schedule")
    before = {"threads": _status("Threads"), "rss": _status("VmRSS"), "children": _children()}
    kinds: Counter[str] = Counter()
    for _ in range(runs):
        result = runner.run_one("hangs_forever", trigger="schedule")
        kinds[str(result.error_kind)] += 1
    left = [json.loads(line)["child"] for line in pid_file.read_text().splitlines()]
    figures: dict[str, Any] = {
        "kinds": dict(kinds),
        "threads_before": before["threads"],
        "threads_after": _status("Threads"),
        "children_before": before["children"],
        "children_after": _children(),
        "rss_before_kib": before["rss"],
        "rss_after_kib": _status("VmRSS"),
        "left_alive": [pid for pid in left if _alive(pid)],
        "refreshes": len(left),
    }
    report.write_text(json.dumps(figures), encoding="utf-8")


if __name__ == "__main__":  # the fork server's children import __main__ again
    main()
