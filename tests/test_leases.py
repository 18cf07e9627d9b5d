"""Refresh leases across real processes, on SQLite and PostgreSQL: never two holders at once,
and a dead holder's lease is taken over once it expires."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from scheduler_kit import TESTS, wait_for

from opendata.store.db import init_db, make_engine
from opendata.store.leases import current_holder, try_acquire


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    # cwd: not the repository root, whose conftest.py would shadow tests/conftest.py.
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        cwd=TESTS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _results(procs: list[subprocess.Popen[str]]) -> list[Any]:
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


CONTENDER = """
    import json, os, sys, time
    from opendata.store.db import make_engine
    from opendata.store.leases import holder_id, release, try_acquire
    url, inside, go = sys.argv[1], sys.argv[2], sys.argv[3]
    engine = make_engine(url)
    me = holder_id()
    while not os.path.exists(go):
        time.sleep(0.01)
    held = clashes = 0
    for _ in range(25):
        if try_acquire(engine, "shared", me, 30):
            held += 1
            try:  # O_EXCL: fails if another holder is inside at the same moment
                fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                clashes += 1
            else:
                time.sleep(0.005)
                os.close(fd)
                os.unlink(inside)
            release(engine, "shared", me)
        time.sleep(0.001)
    print(json.dumps({"held": held, "clashes": clashes}))
"""


def test_no_two_processes_hold_a_lease_at_once(tmp_path: Path, database_url: str) -> None:
    init_db(make_engine(database_url))
    go = tmp_path / "go"
    procs = [_spawn(CONTENDER, database_url, str(tmp_path / "inside"), str(go)) for _ in range(4)]
    go.touch()
    results = _results(procs)
    assert sum(r["clashes"] for r in results) == 0
    assert sum(r["held"] for r in results) > 0


HOLDER = """
    import sys, time
    from opendata.store.db import make_engine
    from opendata.store.leases import lease
    with lease(make_engine(sys.argv[1]), "shared", 1.5):
        print("held", flush=True)
        time.sleep(120)
"""


def test_a_dead_holders_lease_expires_and_is_taken_over(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    init_db(engine)
    proc = _spawn(HOLDER, database_url)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        assert not try_acquire(engine, "shared", "me", 30)
        first = current_holder(engine, "shared")
        assert first is not None
        # Alive, it keeps renewing: the expiry moves past this run's first one.
        wait_for(
            lambda: (current_holder(engine, "shared") or ("", 0.0))[1] > first[1],
            timeout=10,
            what="the holder to renew its lease",
        )
        assert not try_acquire(engine, "shared", "me", 30)
        proc.send_signal(signal.SIGKILL)  # dies without releasing
        proc.wait(timeout=10)
        assert current_holder(engine, "shared") is not None
        wait_for(
            lambda: try_acquire(engine, "shared", "me", 30),
            timeout=15,
            what="the dead holder's lease to expire",
        )
        held = current_holder(engine, "shared")
        assert held is not None and held[0] == "me"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        engine.dispose()


REFRESHER = """
    import json, os, sys, time
    from conftest import make_registry
    from example_sources import ExampleCatalog
    from opendata.config import load_config
    from opendata.pipeline.refresh import refresh
    from opendata.services import Services
    root, url, go = sys.argv[1], sys.argv[2], sys.argv[3]
    config = load_config({"INSTANCE_PATH": root + "/instance", "DATASETS_PATH": root + "/datasets",
                          "DATABASE_URL": url}, environ={})
    services = Services.from_config(config)
    services.registry = make_registry(
        ExampleCatalog, options={"example_catalog": {"mode": "hang", "sleep": 1.0}})
    while not os.path.exists(go):
        time.sleep(0.01)
    result = refresh(services, "example_catalog", trigger="cli")
    print(json.dumps(result.status.value))
"""


def test_concurrent_refreshes_of_one_dataset_never_overlap(
    tmp_path: Path, database_url: str
) -> None:
    """Whoever starts them (here: three CLI-like processes), one dataset refreshes alone."""
    engine = make_engine(database_url)
    init_db(engine)
    go = tmp_path / "go"
    procs = [_spawn(REFRESHER, str(tmp_path), database_url, str(go)) for _ in range(3)]
    wait_for(lambda: all(p.poll() is None for p in procs), what="the processes to start")
    go.touch()
    statuses = _results(procs)
    assert set(statuses) <= {"published", "unchanged", "busy"}
    assert "busy" in statuses, f"no contention happened ({statuses}); the test proved nothing"
    assert "published" in statuses
    from opendata.store.catalog import Catalog

    runs = sorted(Catalog(engine).runs(dataset="example_catalog"), key=lambda r: r["started"])
    assert len(runs) == len(statuses) - statuses.count("busy")
    for before, after in itertools.pairwise(runs):
        assert before["finished"] <= after["started"], "two refreshes of one dataset overlapped"
    engine.dispose()
