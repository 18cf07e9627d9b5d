"""The privacy promise as a property (issue 11, item 1).

Any personal value, in any written form people use (full-width digits, ``+86``, separators, a
full-width ``＠``, a passport number beside 护照…), planted into any published text field of
any built-in source's sample origin, fails the run with a policy error that names resource and
field, and appears in no byte a reader could get: not in the published files, the database
(datastore tables, catalog), nor any run report. Planted into a place that is never published
(private columns, withheld entries, registers published only as counts), it changes no
published byte. Public identifiers that look alike (统一社会信用代码, landlines, 索引号, 文号,
dates, amounts) publish.

Each example refreshes one source over a copy of a catalog where all five sources are already
published from clean origins, so a failed run has a previous version to leave untouched and the
leak search runs over real published files. The CI profile is bounded and seeded;
``PRIVACY_EXAMPLES=500`` explores further.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from personal_forms import Written, personal_written, public_written
from planting import (
    BUILT_IN,
    leaks,
    origin_text,
    report_leaks,
    samplegen,
    served_files,
    services_for,
    targets,
)

from opendata.pipeline.refresh import ErrorKind, RunResult, RunStatus, refresh
from opendata.services import Services

EXAMPLES = int(os.environ.get("PRIVACY_EXAMPLES", "25"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: Separators a planted value follows: it is appended to the origin's own text.
SEPARATORS = st.sampled_from(["；", "，", " ", "（", "。联系"])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog with all five built-in sources published from clean sample origins."""
    root = tmp_path_factory.mktemp("privacy-template")
    options = {name: samplegen(name).write_origin(root / "origins" / name) for name in BUILT_IN}
    services = services_for(root, options, BUILT_IN)
    try:
        for name in BUILT_IN:
            result = refresh(services, name)
            assert result.status is RunStatus.PUBLISHED, f"{name}: {result.error}"
    finally:
        services.close()  # checkpoints SQLite's WAL, so a copy of the folder is complete
    return root


@pytest.fixture(scope="module")
def workspace(template: Path) -> Iterator[Path]:
    """A scratch folder of the module, cleaned between examples by :func:`copy_of`."""
    with tempfile.TemporaryDirectory(dir=template.parent) as scratch:
        yield Path(scratch)


def copy_of(template: Path, workspace: Path) -> Path:
    root = workspace / "run"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    for folder in ("datasets", "instance"):
        shutil.copytree(template / folder, root / folder)
    return root


def plant_and_refresh(
    root: Path, source: str, resource: str, field: str, text: str
) -> tuple[Services, RunResult]:
    """Write the source's origin with ``text`` planted and refresh it over the copied catalog."""
    origin = root / "origin"
    options = {source: samplegen(source).write_origin(origin, planted=[(resource, field, text)])}
    assert text.strip() in origin_text(origin), f"{text!r} was not planted in {source}'s origin"
    services = services_for(root, options, [source])
    return services, refresh(services, source)


@seed(20261130)
@PROFILE
@given(
    target=st.sampled_from(targets(published=True)),
    written=personal_written(),
    separator=SEPARATORS,
)
def test_personal_data_in_a_published_field_fails_and_reaches_no_byte(
    template: Path,
    workspace: Path,
    target: tuple[str, str, str],
    written: Written,
    separator: str,
) -> None:
    source, resource, field = target
    root = copy_of(template, workspace)
    before = sorted(p.relative_to(root) for p in served_files(root) if "datasets" in p.parts)
    services, result = plant_and_refresh(root, source, resource, field, separator + written.text)
    try:
        where = f"{written.label} planted into {source}.{resource}.{field}"
        assert result.status is RunStatus.FAILED, f"{where}: the run {result.status}"
        assert result.error_kind is ErrorKind.POLICY, f"{where}: {result.error}"
        named = {
            (e["resource"], e["field"])
            for e in (result.report or {}).get("errors", [])
            if e["type"] == "personal-data"
        }
        assert (resource, field) in named, f"{where}: the report names {named}"
        # Nothing new was published: the previous version of every file is all there is.
        after = sorted(p.relative_to(root) for p in served_files(root) if "datasets" in p.parts)
        assert after == before, f"{where}: files changed under datasets/"
        assert not leaks(served_files(root), [written]), where
        assert not report_leaks(services, [written]), where
    finally:
        services.close()


@seed(20261201)
@settings(PROFILE, max_examples=max(EXAMPLES // 2, 5))
@given(
    target=st.sampled_from(targets(published=False)),
    written=personal_written(),
    separator=SEPARATORS,
)
def test_personal_data_where_nothing_is_published_changes_no_published_byte(
    template: Path,
    workspace: Path,
    target: tuple[str, str, str],
    written: Written,
    separator: str,
) -> None:
    source, resource, field = target
    root = copy_of(template, workspace)
    services, result = plant_and_refresh(root, source, resource, field, separator + written.text)
    try:
        where = f"{written.label} planted into {source}: {resource}.{field}"
        # Unchanged: the content hash of everything published equals the clean origin's.
        assert result.status is RunStatus.UNCHANGED, f"{where}: {result.status} {result.error}"
        assert not leaks(served_files(root), [written]), where
        assert not report_leaks(services, [written]), where
    finally:
        services.close()


def published_cells(services: Services, source: str, resource: str, field: str) -> list[str]:
    current = services.catalog.current_version(source)
    assert current is not None
    folder = services.version_dir(source, current["id"])
    with (folder / f"{resource}.csv").open(encoding="utf-8", newline="") as fh:
        return [row[field] for row in csv.DictReader(fh)]


@seed(20261202)
@settings(PROFILE, max_examples=max(EXAMPLES // 2, 5))
@given(
    target=st.sampled_from(targets(published=True)),
    written=public_written(),
    separator=SEPARATORS,
)
def test_public_identifiers_publish(
    template: Path,
    workspace: Path,
    target: tuple[str, str, str],
    written: Written,
    separator: str,
) -> None:
    source, resource, field = target
    root = copy_of(template, workspace)
    services, result = plant_and_refresh(root, source, resource, field, separator + written.text)
    try:
        where = f"{written.label} {written.text!r} planted into {source}.{resource}.{field}"
        assert result.status is RunStatus.PUBLISHED, f"{where}: {result.status} {result.error}"
        cells = published_cells(services, source, resource, field)
        spellings = {written.written, unicodedata.normalize("NFKC", written.written)}
        assert any(s in cell for cell in cells for s in spellings), f"{where}: not published"
    finally:
        services.close()
