"""The test kit: its privacy helpers find what they are asked to find (so checks built on them can
fail), and ``run_source`` fails exactly as a refresh records, through the same stage runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_sources import ExampleCatalog

from opendata.pipeline.refresh import RunStatus, refresh
from opendata.pipeline.stages import ErrorKind
from opendata.plugin import Row
from opendata.testing import SourceRun, assert_not_published, find_published, run_source
from opendata.validation import ValidationReport


def test_find_published_names_file_and_value(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n1,王秘密\n", encoding="utf-8")
    (tmp_path / "datapackage.json").write_text('{"name": "x"}', encoding="utf-8")
    files = sorted(tmp_path.iterdir())
    assert find_published(files, ["王秘密", "13912345678"]) == [("a.csv", "王秘密")]
    run = SourceRun("valid", tmp_path, ValidationReport([], {}))
    with pytest.raises(AssertionError, match="王秘密"):
        assert_not_published(run, "王秘密")
    assert_not_published(run, "13912345678")


# --- run_source and a refresh share one stage runner ------------------------------------------


class _ManyLeaks(ExampleCatalog):
    """Personal data in every row: the stages stop early (PolicyAbort) rather than read on."""

    name = "many_leaks"

    def extract(self) -> Iterator[tuple[str, Row]]:
        for resource, row in super().extract():
            if resource == "entries":
                row = {**row, "title": f"联系 139{row['id']:08d}"}
            yield resource, row


@pytest.mark.parametrize(
    ("source", "options", "kind"),
    [
        (ExampleCatalog, {"mode": "invalid"}, ErrorKind.VALIDATION),
        (ExampleCatalog, {"mode": "fk_broken"}, ErrorKind.VALIDATION),
        (ExampleCatalog, {"mode": "pii"}, ErrorKind.POLICY),
        (_ManyLeaks, {"rows": 300}, ErrorKind.POLICY),
        (ExampleCatalog, {"mode": "crash"}, ErrorKind.SOURCE),
        (ExampleCatalog, {"mode": "transient"}, ErrorKind.TRANSIENT),
    ],
    ids=["type-error", "foreign-key", "personal-data", "policy-abort", "crash", "transient"],
)
def test_the_kit_fails_exactly_as_a_refresh_records(
    make_services: Any,
    tmp_path: Path,
    source: type[ExampleCatalog],
    options: dict[str, Any],
    kind: ErrorKind,
) -> None:
    services = make_services(source, options={source.name: options})
    result = refresh(services, source.name)
    run = run_source(source, tmp_path, options)
    assert result.status is RunStatus.FAILED and result.error_kind is kind, result.error
    assert run.failure is not None and run.failure.kind is kind
    assert run.failure.message == result.error
    report = None if run.failure.report is None else run.failure.report.to_dict()
    assert report == result.report
    assert run.status == (
        "error" if kind is ErrorKind.SOURCE or kind is ErrorKind.TRANSIENT else "invalid"
    )


def test_the_kit_calls_the_refresh_stage_runner(
    make_services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both go through opendata.pipeline.stages.run_stages: a change to it shows in both."""
    from opendata.pipeline import stages

    calls: list[str] = []
    real = stages.run_stages

    def spy(*args: Any, **kwargs: Any) -> stages.StageOutcome:
        outcome = real(*args, **kwargs)
        calls.append(args[1].source_cls.name)
        return outcome

    monkeypatch.setattr(stages, "run_stages", spy)
    monkeypatch.setattr("opendata.pipeline.refresh.run_stages", spy)
    monkeypatch.setattr("opendata.testing.run_stages", spy)
    assert run_source(ExampleCatalog, tmp_path).ok
    assert refresh(make_services(ExampleCatalog), "example_catalog").ok
    assert calls == ["example_catalog", "example_catalog"]
