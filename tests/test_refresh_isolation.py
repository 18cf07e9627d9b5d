"""Each refresh runs in its own process: killed at its time limit, capped in memory, alone.

The parent's view is read from ``/proc``: which processes live, in which process group, and how
many threads and how much memory the parent holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from example_sources import ExampleCatalog
from runaway_sources import DiesOfSignal, EatsMemory, HangsForever, HangsInStart

from opendata.cli import main
from opendata.config import load_config
from opendata.pipeline.isolated import refresh_in_process
from opendata.pipeline.publish import STAGING_PREFIX
from opendata.pipeline.refresh import ErrorKind, RunStatus
from opendata.services import Services
from opendata.store.leases import current_holder
from opendata.testing import prepare_database

TESTS = Path(__file__).parent


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name; None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rpartition(")")[2].split()


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has run its last instruction


def dies_soon(pid: int, within: float = 5.0) -> bool:
    """SIGKILL is delivered asynchronously: on a loaded machine a killed process may take a
    moment to stop. True once it has; False if it is still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[0] != "Z" and int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def left_behind(pid_file: Path) -> list[dict[str, int]]:
    return [json.loads(line) for line in pid_file.read_text(encoding="utf-8").splitlines()]


def staging_folders(root: Path, dataset: str) -> list[str]:
    folder = root / dataset
    return (
        [p.name for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]
        if folder.exists()
        else []
    )


@pytest.mark.parametrize(
    "cls",
    [
        pytest.param(HangsForever, id="hangs-in-extract"),  # the refresh process's own limit
        pytest.param(HangsInStart, id="hangs-in-constructor"),  # only the kill can stop it
    ],
)
def test_a_hanging_source_is_killed_at_its_limit_and_nothing_of_it_survives(
    cls: Any, make_services: Any, database_url: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "left.jsonl"
    options = {"timeout": 0.3, "kill_after": 0.7, "pid_file": str(pid_file)}
    services = make_services(cls, options={cls.name: options}, DATABASE_URL=database_url)
    threads_before = threads()
    result = refresh_in_process(services, cls.name)
    assert result.status is RunStatus.FAILED and result.error_kind is ErrorKind.TIMEOUT
    run = services.catalog.run(result.run_id)
    assert run is not None and run["status"] == "failed" and run["error_kind"] == "timeout"
    assert run["finished"] is not None
    # It did start a child process and a sleeping thread; none of it is left, in any group.
    (record,) = left_behind(pid_file)
    assert record["pgid"] == record["process"] != os.getpid()  # it led its own process group
    assert dies_soon(record["process"]) and dies_soon(record["child"])
    assert group_members(record["pgid"]) == []
    # No thread of ours is left (another test's background thread may end meanwhile: <=).
    assert threads() <= threads_before
    # What the run left is cleared and its lease is free: the dataset can be refreshed again.
    assert staging_folders(services.datasets_root, cls.name) == []
    assert current_holder(services.engine, cls.name) is None
    assert services.catalog.pending_tables(cls.name) == []


def test_the_kill_names_the_limit_and_the_next_run_is_not_blocked(
    make_services: Any, tmp_path: Path
) -> None:
    options = {"timeout": 0.2, "kill_after": 0.3, "pid_file": str(tmp_path / "left.jsonl")}
    services = make_services(HangsInStart, options={"hangs_in_start": options})
    first = refresh_in_process(services, "hangs_in_start")
    assert first.error_kind is ErrorKind.TIMEOUT
    assert first.error is not None and "0.5 s (timeout 0.2 s + kill_after 0.3 s)" in first.error
    assert first.timings["total"] >= 0.5  # killed at its limit, not before
    second = refresh_in_process(services, "hangs_in_start")  # not 'busy': the lease was freed
    assert second.error_kind is ErrorKind.TIMEOUT and second.run_id != first.run_id
    assert len(left_behind(tmp_path / "left.jsonl")) == 2


def test_a_source_that_eats_memory_fails_resources_and_the_host_is_fine(
    make_services: Any,
) -> None:
    services = make_services(EatsMemory, options={"eats_memory": {"memory_limit": 512}})
    rss_before = rss_kib()
    result = refresh_in_process(services, "eats_memory")
    assert result.status is RunStatus.FAILED
    assert result.error_kind is ErrorKind.RESOURCES, result.error
    assert "512 MiB" in (result.error or "")
    run = services.catalog.run(result.run_id)
    assert run is not None and run["error_kind"] == "resources"
    assert rss_kib() - rss_before < 32 * 1024  # the parent did not take the allocations
    assert staging_folders(services.datasets_root, "eats_memory") == []
    # The same limit leaves room for a normal refresh (the interpreter, numpy, the drivers).
    normal = make_services(ExampleCatalog, options={"example_catalog": {"memory_limit": 512}})
    assert refresh_in_process(normal, "example_catalog").status is RunStatus.PUBLISHED


def test_a_refresh_process_killed_by_a_signal_fails_resources(make_services: Any) -> None:
    services = make_services(DiesOfSignal)
    result = refresh_in_process(services, "dies_of_signal")
    assert result.status is RunStatus.FAILED and result.error_kind is ErrorKind.RESOURCES
    assert "SIGKILL" in (result.error or "")
    run = services.catalog.run(result.run_id)
    assert run is not None and run["status"] == "failed" and run["error_kind"] == "resources"
    assert staging_folders(services.datasets_root, "dies_of_signal") == []
    assert current_holder(services.engine, "dies_of_signal") is None


def test_a_small_memory_limit_is_refused_naming_the_unit(make_services: Any) -> None:
    from opendata.plugin import PluginValidationError
    from opendata.sources.discovery import load_config

    with pytest.raises(PluginValidationError, match="memory_limit is in MiB"):
        load_config(ExampleCatalog, {"memory_limit": 2})
    assert load_config(ExampleCatalog, {"memory_limit": 0})["memory_limit"] == 0
    assert load_config(ExampleCatalog, {})["memory_limit"] == 2048


def test_refresh_all_runs_every_source_though_some_hang_or_die(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"
    (tmp_path / "instance").mkdir()
    prepare_database(url)
    config_file = tmp_path / "opendata.toml"
    config_file.write_text(
        f"""
instance_path = "{tmp_path / "instance"}"
datasets_path = "{tmp_path / "datasets"}"
database_url = "{url}"
sources_enabled = ["example_catalog", "hangs_in_start", "dies_of_signal"]
sources_extra = [
  "example_sources:ExampleCatalog",
  "runaway_sources:HangsInStart",
  "runaway_sources:DiesOfSignal",
]
[sources.hangs_in_start]
timeout = 0.2
kill_after = 0.3
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("OPENDATA_CONFIG", str(config_file))
    result = CliRunner().invoke(main, ["refresh", "--all"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("example_catalog") and "published" in line for line in lines)
    assert any(line.startswith("dies_of_signal") and "failed" in line for line in lines)
    assert any(line.startswith("hangs_in_start") and "failed" in line for line in lines)
    assert "3 dataset(s): 1 published, 2 failed" in result.output
    assert "timeout:" in result.output and "resources:" in result.output


def test_the_scheduler_stays_flat_over_100_refreshes_of_a_hanging_source(tmp_path: Path) -> None:
    # A process of its own, as the scheduler is: what it holds is all the refreshes left in it.
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, str(TESTS / "isolation_driver.py"), str(tmp_path), str(report), "100"],
        check=True,
        timeout=300,
    )
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["kinds"] == {"timeout": 100}
    assert figures["threads_after"] == figures["threads_before"]
    assert figures["children_after"] == figures["children_before"]  # the fork server only
    assert figures["rss_after_kib"] - figures["rss_before_kib"] < 16 * 1024
    assert figures["left_alive"] == []  # not one of the 100 sleeping children survived


def test_ctrl_c_on_the_cli_kills_the_refresh_and_records_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'instance' / 'opendata.sqlite3'}"
    (tmp_path / "instance").mkdir()
    prepare_database(url)
    pid_file = tmp_path / "left.jsonl"
    config_file = tmp_path / "opendata.toml"
    config_file.write_text(
        f"""
instance_path = "{tmp_path / "instance"}"
datasets_path = "{tmp_path / "datasets"}"
database_url = "{url}"
sources_enabled = ["hangs_in_start"]
sources_extra = ["runaway_sources:HangsInStart"]
[sources.hangs_in_start]
pid_file = "{pid_file}"
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update({"OPENDATA_CONFIG": str(config_file), "PYTHONPATH": str(TESTS)})
    cli = subprocess.Popen(
        [str(Path(sys.executable).parent / "opendata"), "refresh", "hangs_in_start"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    services = Services.from_config(load_config({"DATABASE_URL": url}, environ={}))
    try:
        deadline = time.monotonic() + 120
        while not (pid_file.exists() and pid_file.read_text(encoding="utf-8").strip()):
            assert cli.poll() is None and time.monotonic() < deadline, "the refresh never started"
            time.sleep(0.1)
        cli.send_signal(signal.SIGINT)
        cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode != 0
    (record,) = left_behind(pid_file)
    assert dies_soon(record["process"]) and dies_soon(record["child"])
    assert group_members(record["pgid"]) == []
    (run,) = services.catalog.runs(dataset="hangs_in_start")
    assert run["status"] == "failed" and run["error_kind"] == "resources"
    assert "interrupted" in run["error"]
    assert current_holder(services.engine, "hangs_in_start") is None
    services.close()
