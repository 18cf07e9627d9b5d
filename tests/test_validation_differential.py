"""Differential test: opendata.validation must give frictionless 5.21's verdict and error set.

Hypothesis builds small packages (see ``differential_packages``): every Table Schema type and
option frictionless reads, missing values in both forms, ``fieldsMatch``, keys, foreign keys, every
CSV dialect option and several encodings, filled with dirty data. Both validators read the same
files; the (resource, row, field, error type) sets must be equal. Where frictionless refuses the
descriptor outright (it raises), opendata must call the package invalid too.

Two profiles:

* ``ci`` (the default): a fixed seed and a bounded number of examples, so the suite is
  reproducible and stays within about a minute.
* ``fuzz``: fresh seeds, run by ``make fuzz`` (``python tests/test_validation_differential.py``)
  for ``FUZZ_SECONDS``; it prints how many examples it tried, and the first failing package.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).parent))  # run as a script by `make fuzz`

from differential_packages import packages, write_package

from opendata.validation import validate_package_dir

frictionless = pytest.importorskip("frictionless")

CI_EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "400"))
HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=HEALTH
)
settings.register_profile(
    "fuzz",
    max_examples=50,  # per hypothesis run; the fuzz loop starts fresh runs until time is up
    deadline=None,
    derandomize=False,
    database=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=HEALTH,
)

tried = 0  # examples run in this process (the fuzz run reports it)


def frictionless_errors(folder: Path) -> tuple[bool, set[tuple[Any, ...]]] | None:
    """frictionless's verdict and error set; None when it refuses the descriptor itself."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = frictionless.Package(str(folder / "datapackage.json")).validate()
        except frictionless.FrictionlessException:
            return None  # it refuses the descriptor
        except TypeError:
            return None  # it fails on keys of JSON values ("unhashable type"), which we refuse
    found = {
        (task.name, getattr(e, "row_number", None), getattr(e, "field_name", None) or None, e.type)
        for task in report.tasks
        for e in task.errors
    }
    found |= {("", None, None, e.type) for e in report.errors}
    return bool(report.valid), found


def compare(package: dict[str, Any]) -> None:
    """Write ``package``, validate it with both, and assert they agree."""
    global tried
    folder = Path(tempfile.mkdtemp(prefix="odiff-"))
    try:
        if not write_package(folder, package):
            return  # the drawn dialect cannot write these cells (e.g. no escape character)
        tried += 1
        theirs = frictionless_errors(folder)
        ours = validate_package_dir(folder)
        # a field named "" (a blank label) is None on both sides, as frictionless's "" is
        our_errors = {(e.resource, e.row, e.field or None, e.type) for e in ours.errors}
        shown = json.dumps(package, ensure_ascii=False)
        if theirs is None:
            assert not ours.valid, (
                f"frictionless refuses this descriptor, opendata does not: {shown}"
            )
            return
        fr_valid, fr_errors = theirs
        assert (ours.valid, our_errors) == (fr_valid, fr_errors), (
            f"only frictionless: {sorted(fr_errors - our_errors, key=str)}\n"
            f"only opendata: {sorted(our_errors - fr_errors, key=str)}\n"
            f"opendata's resource-level notes: {[e.note for e in ours.errors if e.row is None]}\n"
            f"package: {shown}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(settings.get_profile("ci"))
@given(package=packages())
def test_same_verdict_and_errors_as_frictionless(package: dict[str, Any]) -> None:
    compare(package)


@given(package=packages())
def _fuzz_once(package: dict[str, Any]) -> None:
    compare(package)


def fuzz(seconds: float) -> int:
    """Run fresh-seeded hypothesis runs for ``seconds``; return how many examples were tried."""
    until = time.monotonic() + seconds
    runner = settings(settings.get_profile("fuzz"))(_fuzz_once)
    while time.monotonic() < until:
        runner()
    return tried


if __name__ == "__main__":
    seconds = float(os.environ.get("FUZZ_SECONDS", "600"))
    started = time.monotonic()
    try:
        count = fuzz(seconds)
    finally:
        print(f"fuzz: {tried} examples in {time.monotonic() - started:.0f} s", flush=True)
    print(f"fuzz: no difference from frictionless in {count} examples")
