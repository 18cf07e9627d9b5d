"""The multi-node deployment of docs/operations.md, built on one machine and broken on purpose.

Hosts are network namespaces on a bridge (tests/netns.py), each with its own address: ``db``
(a private PostgreSQL and Redis, so that PostgreSQL can be stopped without touching the
machine's), ``web1`` and ``web2`` (gunicorn with deploy/gunicorn.conf.py, after ``opendata db
upgrade``), ``sch1`` and
``sch2`` (``opendata scheduler`` each), one shared datasets folder, and nginx in the root
namespace on loopback with deploy/nginx.conf, both web nodes its upstreams. A source publishes a
new version every 3 s (keeping 2, so versions are pruned all the time) while:

- wrk loads nginx and one web host dies (SIGKILL to every process in it): no request fails at
  the client, and no answer mixes versions (each row carries the tick of its version);
- one scheduler host dies: each scheduled time is still run once, by the other;
- PostgreSQL stops for 10 s: requests are answered 503 at once, and served again when it is
  back, with no restart;
- hundreds of sockets trickle their headers: /healthz still answers through nginx;
- a rate limit in Redis holds across both nodes.

It prints its figures (requests, failures, p99). Needs root, iproute2, nginx, wrk, redis-server
and PostgreSQL's server binaries: on CI a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
from netns import Network, Proc, wait_for
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
INTERVAL = 3  # seconds between scheduled refreshes of the test source
LEASE = 5.0
ROWS_URL = "/api/v1/datasets/ticker/resources/ticks/rows?_size=100"
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]


def _tool(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version_key)
    return Path(found[-1]).parent if found else None


def _version_key(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def _require_tools() -> dict[str, str]:
    names = ("ip", "unshare", "nginx", "wrk", "redis-server", "runuser")
    tools = {name: _tool(name) for name in names}
    problems = [f"{name} not found" for name, path in tools.items() if path is None]
    if _postgres_bin() is None:
        problems.append("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) not found")
    if os.geteuid() != 0:
        problems.append("not root (network namespaces need it)")
    if problems:
        message = "the multi-node test needs: " + "; ".join(problems) + " (see .ci/run)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return {name: str(path) for name, path in tools.items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Deployment:
    net: Network
    root: Path
    tools: dict[str, str]
    env: dict[str, str]
    nginx_url: str
    pg_url: str
    procs: dict[str, Proc] = field(default_factory=dict)

    def host_url(self, host: str) -> str:
        return f"http://{self.net.hosts[host].address}:8000"

    # -- PostgreSQL, in the db host ----------------------------------------------------------

    def start_postgres(self) -> None:
        pg_bin = _postgres_bin()
        assert pg_bin is not None
        address = self.net.hosts["db"].address
        argv = [
            self.tools["runuser"], "-u", "postgres", "--",
            str(pg_bin / "postgres"), "-D", str(self.root / "pg"),
            "-c", f"listen_addresses={address}", "-c", "port=5432",
            "-c", f"unix_socket_directories={self.root / 'pgsock'}",
            "-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip
        self.procs["postgres"] = self.net.start("db", "postgres", argv)
        wait_for(self._postgres_up, 30, "PostgreSQL")

    def _postgres_up(self) -> bool:
        url = self.pg_url.rsplit("/", 1)[0] + "/postgres"  # there before the test's database
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()

    def stop_postgres(self) -> None:
        """A fast shutdown (SIGINT to the postmaster): connections are closed, new refused."""
        pid = int((self.root / "pg" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGINT)
        self.procs["postgres"].popen.wait(timeout=30)

    # -- the opendata processes ------------------------------------------------------------

    def node_env(self, host: str) -> dict[str, str]:
        return {**self.env, "OPENDATA_INSTANCE_PATH": str(self.root / host / "instance")}

    def start_web(self, host: str) -> None:
        argv = [
            str(VENV_BIN / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
            "-w", "2", "-b", f"{self.net.hosts[host].address}:8000", "--timeout", "60",
        ]  # fmt: skip
        self.procs[host] = self.net.start(host, host, argv, env=self.node_env(host), cwd=REPO)
        wait_for(lambda: self._healthy(self.host_url(host)), 60, f"gunicorn in {host}")

    def start_scheduler(self, host: str) -> None:
        argv = [str(VENV_BIN / "opendata"), "scheduler"]
        self.procs[host] = self.net.start(host, host, argv, env=self.node_env(host), cwd=REPO)

    @staticmethod
    def _healthy(base: str) -> bool:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200

    def connections(self) -> int:
        """Connections to the catalog database now (the sizing note in docs/operations.md)."""
        engine = create_engine(self.pg_url)
        try:
            with engine.connect() as conn:
                query = "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = 'opendata'"
                return int(conn.execute(text(query)).scalar() or 0)
        finally:
            engine.dispose()

    def runs(self) -> list[tuple[float, str]]:
        """(started, status) of the test source's scheduled runs, oldest first."""
        engine = create_engine(self.pg_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT extract(epoch FROM started), status FROM od_runs "
                        "WHERE dataset = 'ticker' AND trigger = 'schedule' ORDER BY started"
                    )
                ).all()
        finally:
            engine.dispose()
        return [(float(started), str(status)) for started, status in rows]


def _render_nginx(dep: Deployment, port: int) -> Path:
    run_dir = dep.root / "nginx"
    run_dir.mkdir()
    servers = "\n        ".join(
        f"server {dep.net.hosts[h].address}:8000 max_fails=1 fail_timeout=5s;"
        for h in ("web1", "web2")
    )
    conf = (REPO / "deploy" / "nginx.conf").read_text()
    conf = conf.replace("{{run_dir}}", str(run_dir))
    conf = conf.replace("{{listen}}", f"127.0.0.1:{port}")
    conf = conf.replace("{{servers}}", servers)
    path = run_dir / "nginx.conf"
    path.write_text(conf)
    return path


def _environment(net: Network, root: Path) -> dict[str, str]:
    db = net.hosts["db"].address
    schedules = json.dumps({"ticker": f"@every {INTERVAL}s"})
    unlimited = "1000000/minute"
    return {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(TESTS),
        "OPENDATA_DATABASE_URL": f"postgresql+psycopg://postgres@{db}:5432/opendata",
        "OPENDATA_DATASETS_PATH": str(root / "datasets"),
        "OPENDATA_KEEP_VERSIONS": "2",
        "OPENDATA_SOURCES_ENABLED": '["ticker"]',
        "OPENDATA_SOURCES_EXTRA": '["multinode_sources:Ticker"]',
        "OPENDATA_SCHEDULER__SCHEDULES": schedules,
        "OPENDATA_SCHEDULER__JITTER": "0",
        "OPENDATA_SCHEDULER__RETRIES": "0",
        "OPENDATA_SCHEDULER__LEASE_SECONDS": str(LEASE),
        "OPENDATA_SCHEDULER__HEARTBEAT_SECONDS": "1",
        "OPENDATA_SCHEDULER__POLL_SECONDS": "1",
        "OPENDATA_RATE_LIMITS__ENABLED": "true",
        "OPENDATA_RATE_LIMITS__STORAGE_URI": f"redis://{db}:6379/0",
        "OPENDATA_RATE_LIMITS__ROWS": unlimited,
        "OPENDATA_RATE_LIMITS__SEARCH": unlimited,
        "OPENDATA_RATE_LIMITS__CKAN": unlimited,
        "OPENDATA_RATE_LIMITS__DOWNLOADS": "6/minute",
        "OPENDATA_PROXY__TRUSTED": json.dumps([net.gateway]),
    }


def _build(net: Network, root: Path, tools: dict[str, str]) -> Deployment:
    net.create()
    net.add_host("db", 2)
    for name, octet in (("web1", 11), ("web2", 12), ("sch1", 21), ("sch2", 22)):
        net.add_host(name, octet)
    db = net.hosts["db"].address
    port = _free_port()
    dep = Deployment(
        net,
        root,
        tools,
        _environment(net, root),
        nginx_url=f"http://127.0.0.1:{port}",
        pg_url=f"postgresql+psycopg://postgres@{db}:5432/opendata",
    )
    pg_bin = _postgres_bin()
    assert pg_bin is not None
    for folder in ("pg", "pgsock"):
        (root / folder).mkdir()
        shutil.chown(root / folder, "postgres", "postgres")
    subprocess.run(
        [tools["runuser"], "-u", "postgres", "--", str(pg_bin / "initdb"), "-D", str(root / "pg"),
         "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    with (root / "pg" / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {net.subnet}.0/24 trust\n")  # the hosts of this network
    argv = [tools["redis-server"], "--bind", db, "--port", "6379", "--save", "",
            "--appendonly", "no", "--protected-mode", "no"]  # fmt: skip
    dep.procs["redis"] = net.start("db", "redis", argv)
    dep.start_postgres()
    admin = create_engine(
        f"postgresql+psycopg://postgres@{db}:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE opendata"))
    admin.dispose()
    # Each web host applies the schema before its gunicorn starts (the second finds it done).
    for host in ("web1", "web2"):
        net.run(host, [str(VENV_BIN / "opendata"), "db", "upgrade"], dep.node_env(host), REPO)
    for host in ("sch1", "sch2"):
        dep.start_scheduler(host)
    for host in ("web1", "web2"):
        dep.start_web(host)
    conf = _render_nginx(dep, port)
    dep.procs["nginx"] = net.start(
        None,
        "nginx",
        [tools["nginx"], "-c", str(conf), "-e", str(root / "nginx" / "error.log"),
         "-g", "daemon off; user root;"],
    )  # fmt: skip
    wait_for(lambda: dep._healthy(dep.nginx_url), 30, "nginx")
    wait_for(lambda: _rows(dep.nginx_url).status_code == 200, 90, "a first published version")
    return dep


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    tools = _require_tools()
    root = Path(tempfile.mkdtemp(prefix="od-multinode-"))
    root.chmod(0o755)  # the private PostgreSQL runs as postgres and must reach its folder
    tag = f"od{os.getpid() % 100000}"
    subnet = f"10.{200 + os.getpid() % 50}.{os.getpid() % 250}"
    logs = root / "logs"
    logs.mkdir()
    net = Network(tag, subnet, logs)
    try:
        dep = _build(net, root, tools)
    except BaseException:
        print(net.tails())
        net.close()
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield dep
    finally:
        net.close()
        shutil.rmtree(root, ignore_errors=True)


def _rows(base: str, timeout: float = 10) -> requests.Response:
    return requests.get(base + ROWS_URL, timeout=timeout)


# -- the version check, run beside the load ----------------------------------------------------


@dataclass
class VersionChecker:
    """Reads pages of rows through nginx and checks each against its version.

    Every row of a version carries that version's tick; a page must be of one tick, and one
    version must always show the same tick (a version never changes once published).
    """

    base: str
    ticks: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def check_once(self) -> None:
        resp = _rows(self.base)
        if resp.status_code != 200:
            self.problems.append(f"HTTP {resp.status_code}: {resp.text[:200]}")
            return
        body = resp.json()
        version = resp.headers.get("X-Opendata-Version")
        if version != body["version"]:
            self.problems.append(f"header version {version} but body {body['version']}")
        ticks = {row["tick"] for row in body["rows"]}
        if len(ticks) != 1:
            self.problems.append(f"version {version}: a page of {len(ticks)} ticks")
            return
        tick = ticks.pop()
        if self.ticks.setdefault(body["version"], tick) != tick:
            self.problems.append(f"version {version} showed two ticks")
        self.pages += 1

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.check_once()
            except requests.RequestException as exc:
                self.problems.append(f"request failed: {exc.__class__.__name__}")


LUA = """
local paths = {
  "/api/v1/datasets/ticker/resources/ticks/rows?_size=50",
  "/api/v1/datasets/ticker/resources/ticks/rows?_size=10&id__gt=100",
  "/api/v1/datasets/ticker",
  "/api/v1/datasets/ticker/versions",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


@dataclass
class WrkResult:
    requests: int
    non_2xx: int
    socket_errors: int
    p99_ms: float
    output: str


def _wrk(tools: dict[str, str], url: str, seconds: int, script: Path) -> subprocess.Popen[str]:
    argv = [tools["wrk"], "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "--latency",
            "-s", str(script), url]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse_wrk(output: str) -> WrkResult:
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    p99 = re.search(r"99%\s+([\d.]+(?:us|ms|s))", output)
    return WrkResult(
        total,
        int(non_2xx.group(1)) if non_2xx else 0,
        sum(int(n) for n in sockets.groups()) if sockets else 0,
        _milliseconds(p99.group(1)) if p99 else float("nan"),
        output,
    )


# -- the tests ---------------------------------------------------------------------------------


def test_a_web_node_dies_under_load(deployment: Deployment, tmp_path: Path) -> None:
    dep = deployment
    script = tmp_path / "paths.lua"
    script.write_text(LUA)
    checker = VersionChecker(dep.nginx_url)
    thread = threading.Thread(target=checker.run, daemon=True)
    thread.start()
    wrk = _wrk(dep.tools, dep.nginx_url, 20, script)
    peak = 0
    for _ in range(5):  # sampled while wrk runs and refreshes publish
        time.sleep(1)
        peak = max(peak, dep.connections())
    time.sleep(2)
    try:
        killed = dep.net.kill_host("web1")
        output, _ = wrk.communicate(timeout=60)
        checker.stop.set()
        thread.join(timeout=30)
    finally:
        # The later tests need both nodes, whatever this one found.
        dep.start_web("web1")
    result = _parse_wrk(output)
    print(
        f"\nweb node killed under load: {result.requests} requests through nginx in 20 s, "
        f"{result.non_2xx} non-2xx, {result.socket_errors} socket errors, "
        f"p99 {result.p99_ms:.1f} ms; {killed} processes killed in web1; "
        f"{checker.pages} pages checked against the {len(checker.ticks)} versions they showed "
        f"(published and pruned meanwhile, keeping 2); at most {peak} PostgreSQL connections "
        f"under load (2 web nodes × 2 workers, 2 schedulers)"
    )
    assert result.requests > 0, output
    assert result.non_2xx == 0 and result.socket_errors == 0, output
    assert checker.problems == [], checker.problems[:10]
    assert len(checker.ticks) >= 2, "no refresh published while the load ran"


def test_a_scheduler_dies_and_every_run_is_made_once(deployment: Deployment) -> None:
    dep = deployment
    time.sleep(2 * INTERVAL)
    killed_at = time.time()
    killed = dep.net.kill_host("sch1")
    time.sleep(LEASE + 5 * INTERVAL)
    runs = dep.runs()
    started = [at for at, _status in runs]
    gaps = [b - a for a, b in itertools.pairwise(started)]
    after = [at for at in started if at > killed_at + LEASE]
    statuses: dict[str, int] = {}
    for _at, status in runs:
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"\nscheduler killed: {len(runs)} scheduled runs ({statuses}), {len(after)} after the "
        f"kill by the other scheduler; gaps between starts {min(gaps):.2f}–{max(gaps):.2f} s "
        f"(every {INTERVAL} s); {killed} processes killed in sch1"
    )
    # Once: two runs of one scheduled time would start within a fraction of the interval.
    doubles = [round(gap, 2) for gap in gaps if gap < INTERVAL / 2]
    timeline = [(round(at - killed_at, 2), status) for at, status in runs]
    assert doubles == [], f"scheduled times run twice (gaps {doubles} s): {timeline}"
    # Still made: the surviving scheduler goes on at the schedule's pace, after at most the
    # lease of a refresh the dead host was running (another host's lease is waited out).
    assert len(after) >= 3, runs
    assert all(gap < LEASE + 2 * INTERVAL + 1 for gap in gaps), timeline
    dep.start_scheduler("sch1")


def test_postgres_stops_for_ten_seconds(deployment: Deployment) -> None:
    dep = deployment
    dep.stop_postgres()
    stopped = time.monotonic()
    answers: list[tuple[str, int, float]] = []
    while time.monotonic() - stopped < 10:
        for path in (ROWS_URL, "/api/v1/datasets", "/api/v1/datasets/ticker", "/healthz"):
            began = time.monotonic()
            resp = requests.get(dep.nginx_url + path, timeout=15)  # a hang fails here
            answers.append((path, resp.status_code, time.monotonic() - began))
            if path.startswith("/api/v1/"):
                assert resp.json()["error"]["code"] == "unavailable", resp.text
        time.sleep(0.5)
    dep.start_postgres()
    back = time.monotonic()
    wait_for(lambda: _rows(dep.nginx_url).status_code == 200, 60, "serving after PostgreSQL")
    recovered = time.monotonic() - back
    codes = {code for _path, code, _took in answers}
    slowest = max(took for _path, _code, took in answers)
    print(
        f"\nPostgreSQL stopped 10 s: {len(answers)} requests answered {sorted(codes)}, the "
        f"slowest in {slowest:.2f} s; serving again {recovered:.1f} s after it was back"
    )
    assert codes == {503}, answers
    assert all(dep.procs[h].alive() for h in ("web1", "web2")), "a web node died with its database"


def test_slow_clients_do_not_starve_the_nodes(deployment: Deployment) -> None:
    dep = deployment
    port = int(dep.nginx_url.rsplit(":", 1)[1])
    sockets: list[socket.socket] = []
    stop = threading.Event()
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)

        def trickle() -> None:
            while not stop.is_set():
                for sock in sockets:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X")
                stop.wait(1)

        threading.Thread(target=trickle, daemon=True).start()
        answers = []
        for _ in range(10):
            answers.append(requests.get(dep.nginx_url + "/healthz", timeout=10).status_code)
            answers.append(_rows(dep.nginx_url).status_code)
            time.sleep(0.3)
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
    print(f"\n300 slow clients trickling headers: 20 requests beside them answered {answers}")
    assert answers == [200] * 20


def test_a_rate_limit_in_redis_holds_across_both_nodes(deployment: Deployment) -> None:
    dep = deployment
    path = "/api/v1/datasets/ticker/resources/ticks.csv"
    # Straight to the nodes, one after the other: the test host is the bridge's address, which
    # the nodes trust as their proxy, so each takes this client's address from the header.
    client = {"X-Forwarded-For": "198.51.100.7"}
    codes = [
        requests.get(dep.host_url(host) + path, headers=client, timeout=10).status_code
        for host in ("web1", "web2") * 5
    ]
    # Through nginx, all test requests are one client (127.0.0.1): its own six.
    via_nginx = [requests.get(dep.nginx_url + path, timeout=10).status_code for _ in range(8)]
    info = redis.Redis(host=dep.net.hosts["db"].address).info("memory")
    keys = redis.Redis(host=dep.net.hosts["db"].address).dbsize()
    print(
        f"\ndownloads (limit 6/minute in Redis) alternating web1/web2: {codes}; "
        f"through nginx: {via_nginx}; Redis holds {keys} keys in {info['used_memory']} bytes"
    )
    assert codes == [200] * 6 + [429] * 4
    assert via_nginx == [200] * 6 + [429] * 2
