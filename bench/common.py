"""Shared helpers of the benchmarks: generated data, timed child processes, servers, wrk.

Everything here talks to 127.0.0.1 only, and every load generator and wait is bounded in time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
VENV_BIN = Path(sys.executable).parent

sys.path.insert(0, str(BENCH))

from gen_catalog import SCHEMAS, generate  # noqa: E402


def dataset(rows: int, schema: str = "heavy") -> Path:
    """``bench/data/catalog-<rows>/`` (the ``light`` schema: ``catalog-light-<rows>/``) with
    catalog.csv, schema.json and a resource descriptor for frictionless; generated (seeded, so
    always the same bytes) when missing."""
    folder = DATA / (f"catalog-{rows}" if schema == "heavy" else f"catalog-{schema}-{rows}")
    csv_path = folder / "catalog.csv"
    if not csv_path.is_file() or not (folder / "schema.json").is_file():
        print(f"generating {rows:,} rows into {folder} …", flush=True)
        generate(rows, folder, schema=schema)
    descriptor = {
        "name": "catalog",
        "path": "catalog.csv",
        "schema": SCHEMAS[schema],
        "encoding": "utf-8",
    }
    text = json.dumps(descriptor, ensure_ascii=False)
    target = folder / "resource.json"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return folder


def _tree_usage(root: int) -> tuple[int, dict[int, int]]:
    """Resident memory (kB) of ``root`` and all its descendants, summed, and the CPU clock ticks
    (user + system) each of them has used so far, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
            with open(f"/proc/{entry.name}/statm", "rb") as fh:
                resident = int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        rss[pid] = resident * (os.sysconf("SC_PAGE_SIZE") // 1024)
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    total, todo, seen = 0, [root], {}
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        seen[pid] = ticks.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total, seen


def run_measured(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
) -> dict[str, Any]:
    """Run ``cmd``: wall seconds, CPU seconds, exit code, stdout, stderr, and two peaks of memory:
    ``peak_rss_mb`` of the biggest single process (``wait4``) and ``peak_tree_rss_mb``, the
    largest sum over the child and its descendants (sampled every 50 ms), which is what a
    program that runs helper processes really holds. ``tree_cpu_seconds`` sums the CPU of every
    process seen in the tree (the last sample of each, so a process's last 50 ms may be
    missed): ``cpu_seconds`` counts only the processes their parents waited for, and a fork
    server's children are not among them."""
    out_path = OUT / f".child-{os.getpid()}.out"
    err_path = OUT / f".child-{os.getpid()}.err"
    OUT.mkdir(parents=True, exist_ok=True)
    tree_peak = 0
    cpu_ticks: dict[int, int] = {}
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=None if env is None else dict(env), stdout=out, stderr=err
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"{cmd[:3]} ran longer than {timeout} s")
            rss_kb, ticks = _tree_usage(proc.pid)
            tree_peak = max(tree_peak, rss_kb)
            for pid, used in ticks.items():
                cpu_ticks[pid] = max(cpu_ticks.get(pid, 0), used)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(max(tree_peak, usage.ru_maxrss) / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "tree_cpu_seconds": round(sum(cpu_ticks.values()) / os.sysconf("SC_CLK_TCK"), 2),
        "rc": proc.returncode,
        "stdout": out_path.read_text(encoding="utf-8", errors="replace"),
        "stderr": err_path.read_text(encoding="utf-8", errors="replace")[-4000:],
    }
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return result


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values), idle


def settle(busy_below: float = 0.15, max_wait: float = 60.0) -> float:
    """Wait until the machine is nearly idle (busy share of all cores < ``busy_below`` over one
    second), at most ``max_wait`` seconds; returns the seconds waited.

    A server that timed out on wrk keeps working through its queued requests after wrk stops;
    without this, that work lands in the next peer's measured run.
    """
    start = time.monotonic()
    while time.monotonic() - start < max_wait:
        total0, idle0 = _cpu_times()
        time.sleep(1.0)
        total1, idle1 = _cpu_times()
        spent = total1 - total0
        if spent and 1 - (idle1 - idle0) / spent < busy_below:
            break
    return time.monotonic() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(url: str, timeout: float = 120) -> tuple[int, Any]:
    """(status, parsed body) of a GET on loopback; the body is None when it is not JSON."""
    assert url.startswith("http://127.0.0.1:"), url
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


class Server:
    """A server process on 127.0.0.1:``port``, started and stopped by its own pid/group."""

    def __init__(
        self,
        name: str,
        cmd: Sequence[str],
        port: int,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        ready_path: str = "/",
    ) -> None:
        self.name, self.cmd, self.port, self.cwd = name, list(cmd), port, cwd
        self.env = None if env is None else dict(env)
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = OUT / f"{name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        OUT.mkdir(parents=True, exist_ok=True)
        log = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=5):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers: ready
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not answer within 120 s; see {self.log}")

    def __exit__(self, *_: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # The server's own process group (start_new_session): gunicorn's workers go with it.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    url: str, *, duration: int = 10, threads: int = 2, connections: int = 16, timeout: int = 10
) -> dict[str, Any]:
    """One bounded ``wrk --latency`` run against a loopback URL, parsed."""
    assert url.startswith("http://127.0.0.1:"), url
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    cmd = [
        exe,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout}s",
        "--latency",
        url,
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + timeout + 30, check=False
    )
    out = proc.stdout
    result: dict[str, Any] = {
        "url": url,
        "requests": 0,
        "rps": 0.0,
        "p50_ms": None,
        "p99_ms": None,
        "non_2xx": 0,
        "socket_errors": 0,
    }
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", out):
        result["requests"] = int(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE):
            result[key] = round(_ms(m.group(1)), 2)
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    # Successful requests per second: failures (non-2xx, timeouts) are not served requests.
    bad = result["non_2xx"] + result["socket_errors"]
    if result["requests"]:
        result["ok_rps"] = round(
            result["rps"] * max(result["requests"] - bad, 0) / result["requests"], 2
        )
    else:
        result["ok_rps"] = 0.0
    return result


def download(url: str, timeout: int = 600) -> dict[str, Any]:
    """A whole download with curl to /dev/null: seconds, bytes, MB/s, status."""
    assert url.startswith("http://127.0.0.1:"), url
    fmt = "%{http_code} %{size_download} %{time_total}"
    proc = subprocess.run(
        ["curl", "-s", "-o", os.devnull, "--max-time", str(timeout), "-w", fmt, url],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    )
    code, size, seconds = proc.stdout.split()
    secs = float(seconds)
    return {
        "status": int(code),
        "bytes": int(size),
        "seconds": round(secs, 3),
        "mb_per_s": round(int(size) / 1e6 / secs, 1) if secs else None,
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": sys.version.split()[0],
        "load_at_start": os.getloadavg()[0],
    }
