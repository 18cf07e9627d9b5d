"""The refresh pipeline end to end: publish, unchanged, failures that change nothing, pruning."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from example_sources import DerivedSummary, ExampleCatalog
from frictionless import Package

from opendata.pipeline.refresh import ErrorKind, RunStatus, refresh
from opendata.services import Services


def published_rows(services: Services, dataset: str, resource: str) -> list[dict[str, str]]:
    current = services.catalog.current_version(dataset)
    assert current is not None
    path = services.version_dir(dataset, current["id"]) / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def with_options(services: Services, **options: Any) -> Services:
    from conftest import make_registry

    services.registry = make_registry(
        ExampleCatalog, DerivedSummary, options={"example_catalog": options}
    )
    return services


def test_publishes_a_valid_versioned_package(make_services: Any, database_url: str) -> None:
    services = make_services(ExampleCatalog, DATABASE_URL=database_url)
    result = refresh(services, "example_catalog")
    assert result.status is RunStatus.PUBLISHED, result.error
    folder = services.version_dir("example_catalog", result.version)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"].endswith("/2.0/datapackage.json")
    for key in (
        "name",
        "title",
        "description",
        "version",
        "created",
        "licenses",
        "sources",
        "contributors",
    ):
        assert descriptor[key], key
    entries = next(r for r in descriptor["resources"] if r["name"] == "entries")
    assert entries["rows"] == result.rows["entries"]
    assert entries["bytes"] == (folder / "entries.csv").stat().st_size
    assert entries["hash"].startswith("sha256:")
    # the catalog's pointer, the marker file and the datastore all agree
    assert services.catalog.current_version("example_catalog")["id"] == result.version
    assert (folder.parent / "current").read_text().strip() == result.version
    table = services.catalog.datastore_table(result.version, "entries")
    assert table is not None and table["row_count"] == result.rows["entries"]
    assert (folder / "validation-report.json").exists()
    run = services.catalog.run(result.run_id)
    assert run["status"] == "published" and run["report"]["valid"] is True


def test_policy_withholds_and_drops_private_fields(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    result = refresh(services, "example_catalog")
    rows = published_rows(services, "example_catalog", "entries")
    # every 10th entry is 不予公开 in the example source
    assert result.withheld == {"entries": {"不予公开": 2}}
    assert len(rows) == 18 and all(r["disclosure"] == "主动公开" for r in rows)
    assert "applicant" not in rows[0]  # private field dropped
    folder = services.version_dir("example_catalog", result.version)
    for path in folder.iterdir():
        assert "王秘密" not in path.read_text(encoding="utf-8"), path.name
    run = services.catalog.run(result.run_id)
    assert run["withheld"] == {"entries": {"不予公开": 2}}
    assert run["dropped_fields"] == {"entries": ["applicant"]}


def test_same_content_makes_no_new_version(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    first = refresh(services, "example_catalog")
    second = refresh(services, "example_catalog")
    assert second.status is RunStatus.UNCHANGED
    assert second.version == first.version
    assert len(services.catalog.versions("example_catalog")) == 1
    assert services.catalog.run(second.run_id)["status"] == "unchanged"
    changed = refresh(with_options(services, revision=1), "example_catalog")
    assert changed.status is RunStatus.PUBLISHED and changed.version > first.version


@pytest.mark.parametrize(
    ("mode", "kind", "needle"),
    [
        ("invalid", ErrorKind.VALIDATION, "published"),
        ("fk_broken", ErrorKind.VALIDATION, "channels"),
        ("pii", ErrorKind.POLICY, "mobile phone number"),
        ("crash", ErrorKind.SOURCE, "origin file broken"),
        ("transient", ErrorKind.TRANSIENT, "connection refused"),
    ],
)
def test_failure_keeps_the_previous_version(
    make_services: Any, mode: str, kind: ErrorKind, needle: str
) -> None:
    services = make_services(ExampleCatalog, DerivedSummary)
    good = refresh(services, "example_catalog")
    before = published_rows(services, "example_catalog", "entries")
    failed = refresh(with_options(services, mode=mode, revision=2), "example_catalog")
    assert failed.status is RunStatus.FAILED
    assert failed.error_kind is kind
    assert needle in (failed.error or "")
    assert services.catalog.current_version("example_catalog")["id"] == good.version
    assert published_rows(services, "example_catalog", "entries") == before
    run = services.catalog.run(failed.run_id)
    assert run["status"] == "failed" and run["error_kind"] == kind.value
    assert run["finished"] is not None and run["timings"]["total"] >= 0
    leftovers = [p.name for p in (services.datasets_root / "example_catalog").iterdir()]
    assert sorted(leftovers) == sorted([good.version, "current"])


def test_validation_report_names_resource_row_and_field(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    failed = refresh(with_options(services, mode="invalid"), "example_catalog")
    errors = services.catalog.run(failed.run_id)["report"]["errors"]
    assert {(e["resource"], e["row"], e["field"], e["type"]) for e in errors} == {
        ("entries", 4, "published", "type-error")
    }


def test_foreign_key_error_is_reported_with_its_row(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    failed = refresh(with_options(services, mode="fk_broken"), "example_catalog")
    errors = services.catalog.run(failed.run_id)["report"]["errors"]
    fk = [e for e in errors if e["type"] == "foreign-key"]
    assert len(fk) == 1 and fk[0]["resource"] == "channels"
    assert fk[0]["row"] == 7  # the broken row follows entry 5's own channel row


def test_personal_data_error_never_echoes_the_value(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    failed = refresh(with_options(services, mode="pii"), "example_catalog")
    run = services.catalog.run(failed.run_id)
    assert "13912345678" not in json.dumps(run, default=str, ensure_ascii=False)
    (error,) = run["report"]["errors"]
    assert (error["resource"], error["row"], error["field"]) == ("entries", 5, "title")


def test_source_time_limit(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    with_options(services, mode="hang", sleep=5.0, timeout=1.0)
    result = refresh(services, "example_catalog")
    assert result.status is RunStatus.FAILED and result.error_kind is ErrorKind.TIMEOUT
    assert "time limit" in (result.error or "")


def test_old_versions_are_pruned_never_the_current(make_services: Any, database_url: str) -> None:
    services = make_services(ExampleCatalog, DATABASE_URL=database_url, KEEP_VERSIONS=2)
    versions = []
    for revision in range(4):
        result = refresh(with_options(services, revision=revision), "example_catalog")
        assert result.status is RunStatus.PUBLISHED, result.error
        versions.append(result.version)
    kept = [v["id"] for v in services.catalog.versions("example_catalog")]
    assert kept == versions[:1:-1]  # the newest two, newest first
    root = services.datasets_root / "example_catalog"
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(kept)
    assert all(
        t["version"] in kept for t in services.catalog.datastore_tables_of("example_catalog")
    )
    # a failed run afterwards still leaves the current version in place
    refresh(with_options(services, mode="crash", revision=9), "example_catalog")
    assert services.catalog.current_version("example_catalog")["id"] == versions[-1]


def test_derived_source_reads_the_published_dataset(make_services: Any) -> None:
    services = make_services(ExampleCatalog, DerivedSummary)
    assert (
        refresh(services, "derived_summary").error_kind is ErrorKind.SOURCE
    )  # nothing to read yet
    refresh(services, "example_catalog")
    result = refresh(services, "derived_summary")
    assert result.status is RunStatus.PUBLISHED, result.error
    counts = {
        r["category"]: int(r["count"])
        for r in published_rows(services, "derived_summary", "by_category")
    }
    entries = published_rows(services, "example_catalog", "entries")
    assert sum(counts.values()) == len(entries)


def test_every_published_package_passes_frictionless(make_services: Any) -> None:
    services = make_services(ExampleCatalog, DerivedSummary)
    for name in ("example_catalog", "derived_summary"):
        result = refresh(services, name)
        folder = services.version_dir(name, result.version)
        report = Package(str(folder / "datapackage.json")).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_unknown_dataset_is_a_clear_failure(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    result = refresh(services, "no_such_source")
    assert result.status is RunStatus.FAILED and "no source named 'no_such_source'" in (
        result.error or ""
    )


def test_staging_is_never_left_behind(make_services: Any, tmp_path: Path) -> None:
    services = make_services(ExampleCatalog)
    refresh(services, "example_catalog")
    refresh(with_options(services, mode="invalid"), "example_catalog")
    names = [p.name for p in (services.datasets_root / "example_catalog").iterdir()]
    assert not [n for n in names if n.startswith(".staging")]
