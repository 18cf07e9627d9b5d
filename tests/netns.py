"""Hosts on one machine for the multi-node test: network namespaces on a bridge (iproute2).

:class:`Network` makes a bridge in the root namespace (its address is the "outside": nginx and
the test client live there) and one namespace per host, each joined to the bridge by a veth pair
and given its own address. Processes start in a host with ``ip netns exec``, each in a session
of its own, so that :meth:`Proc.kill_host` kills every process it started (a host that dies
takes its workers, fork servers and refresh processes with it). Everything is removed at
:meth:`Network.close`, also after a failure.

Needs root and iproute2; the caller checks (the test fails on CI when they are missing).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass
class Proc:
    """A process started in a host; its log is a file (read it when something fails)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    host: str | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Host:
    name: str
    namespace: str
    address: str


@dataclass
class Network:
    """A bridge ``<prefix>br`` with address ``<subnet>.1`` and hosts at ``<subnet>.N``."""

    prefix: str
    subnet: str
    logs: Path
    hosts: dict[str, Host] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)
    _links: list[str] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"{self.prefix}br"

    @property
    def gateway(self) -> str:
        return f"{self.subnet}.1"

    def create(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        self._links.append(self.bridge)
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def add_host(self, name: str, last_octet: int) -> Host:
        namespace = f"{self.prefix}{name}"
        address = f"{self.subnet}.{last_octet}"
        _ip("netns", "add", namespace)
        host = Host(name, namespace, address)
        self.hosts[name] = host
        outside = f"{self.prefix}{name}v"[:15]
        _ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        self._links.append(outside)
        _ip("link", "set", outside, "master", self.bridge, "up")
        _ip("netns", "exec", namespace, "ip", "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("netns", "exec", namespace, "ip", "link", "set", "eth0", "up")
        _ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        return host

    def start(
        self,
        host: str | None,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> Proc:
        """Start ``argv`` in ``host`` (None: the root namespace), its output to a log file."""
        log = self.logs / f"{name}.log"
        prefix = [] if host is None else self._in_host(host)
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [*prefix, *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        proc = Proc(name, popen, log, host)
        self.procs.append(proc)
        return proc

    def _in_host(self, host: str) -> list[str]:
        """The prefix that runs a command in ``host``: its network namespace and a hostname of
        its own (a UTS namespace), so that what tells hosts apart by name (lease holders are
        ``host:pid:…``) sees different hosts, as on separate machines."""
        namespace = self.hosts[host].namespace
        set_name = 'hostname "$0" && exec "$@"'
        return [
            "ip",
            "netns",
            "exec",
            namespace,
            "unshare",
            "--uts",
            "sh",
            "-c",
            set_name,
            namespace,
        ]

    def run(self, host: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
        """Run ``argv`` in ``host`` to its end; its output, or an error naming it."""
        done = subprocess.run(
            [*self._in_host(host), *argv],
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} in {host} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def pids(self, host: str) -> list[int]:
        out = subprocess.run(
            ["ip", "netns", "pids", self.hosts[host].namespace],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_host(self, host: str) -> int:
        """SIGKILL every process in ``host``: the host dying, with whatever it had started
        (gunicorn's workers, a scheduler's fork server and refresh processes, which lead
        process groups of their own). Returns how many processes were killed."""
        killed = 0
        for _ in range(5):  # a process forking while we kill: look again
            pids = self.pids(host)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        for proc in self.procs:
            if proc.host == host:
                proc.popen.wait(timeout=10)
        return killed

    def tails(self) -> str:
        return "\n".join(proc.tail() for proc in self.procs)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.alive():
                proc.signal_group(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.popen.wait(timeout=10)
        for host in self.hosts.values():
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True, check=False)
        for link in reversed(self._links):
            subprocess.run(["ip", "link", "del", link], capture_output=True, check=False)


def wait_for(check: object, timeout: float, what: str, interval: float = 0.2) -> None:
    """Call ``check()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception as exc:
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout} s (last error: {last!r})")
