"""How long the command line takes to answer: ``opendata --help`` and ``opendata sources``.

Each command runs N times in a fresh interpreter (as an operator's shell runs it) and the median
and minimum wall-clock seconds are printed. ``--baseline DIR`` runs the same commands against
another checkout's ``opendata`` package too (e.g. ``git archive <commit> opendata | tar -x -C
DIR``), alternating the two runs, so a busy shared machine slows both alike and only their
ratio is read. Not part of the tests: timings depend on the machine.

    .venv/bin/python bench/cli_startup.py --runs 15
    .venv/bin/python bench/cli_startup.py --runs 15 --baseline /tmp/opendata-before
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {"--help": ["--help"], "sources": ["sources"]}
RUN = "import sys; from opendata.cli import main; sys.argv[0] = 'opendata'; main()"


def once(args: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", RUN, *args],
        env=env,
        # Not the checkout: "python -c" puts the working directory first on sys.path.
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def environment(tree: Path | None, instance: Path) -> dict[str, str]:
    env = {**os.environ, "OPENDATA_INSTANCE_PATH": str(instance)}
    env.pop("OPENDATA_CONFIG", None)  # the defaults: the same configuration for both trees
    if tree is not None:
        # PYTHONPATH is searched before the editable install's finder: that tree's package.
        env["PYTHONPATH"] = str(tree)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help="a folder holding another opendata/")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        trees: dict[str, Path | None] = {"now": None}
        if options.baseline:
            trees["baseline"] = options.baseline
        envs = {label: environment(tree, Path(instance)) for label, tree in trees.items()}
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(options.runs):
            for command, args in COMMANDS.items():
                for label, env in envs.items():
                    times.setdefault((command, label), []).append(once(args, env, instance))
    for (command, label), values in times.items():
        print(
            f"opendata {command:8} {label:9} median {statistics.median(values):.3f} s  "
            f"min {min(values):.3f} s  ({len(values)} runs)"
        )
    if options.baseline:
        for command in COMMANDS:
            ratio = statistics.median(times[(command, "now")]) / statistics.median(
                times[(command, "baseline")]
            )
            print(f"opendata {command:8} now / baseline = {ratio:.2f}")


if __name__ == "__main__":
    main()
