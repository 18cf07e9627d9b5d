"""The ``opendata`` commands as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from example_sources import ExampleCatalog

from opendata.cli import main
from opendata.pipeline.refresh import refresh


@pytest.fixture
def env(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for key in ("INSTANCE_PATH", "DATASETS_PATH", "DATABASE_URL"):
        monkeypatch.setenv(f"OPENDATA_{key}", config[key])
    monkeypatch.setenv("OPENDATA_SOURCES_ENABLED", '["disclosure_catalog"]')
    return config


def test_refresh_publishes_and_summarises(env: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["refresh", "disclosure_catalog"])
    assert result.exit_code == 0, result.output
    assert "disclosure_catalog" in result.output and "published" in result.output
    again = CliRunner().invoke(main, ["refresh", "--all"])
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output and "1 dataset(s): 1 unchanged" in again.output


def test_refresh_exits_non_zero_on_failure(env: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["refresh", "disclosure_catalog", "fiscal_data"])
    assert result.exit_code == 1
    assert "not enabled" in result.output  # fiscal_data is installed but filtered out here
    assert "1 published, 1 failed" in result.output


def test_refresh_needs_names_or_all(env: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["refresh"])
    assert result.exit_code == 2 and "--all" in result.output


def test_validate_reports_a_published_package_valid(make_services: Any) -> None:
    services = make_services(ExampleCatalog)
    version = refresh(services, "example_catalog").version
    folder = services.version_dir("example_catalog", version)
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    as_json = CliRunner().invoke(main, ["validate", str(folder / "datapackage.json"), "--json"])
    assert json.loads(as_json.output)["valid"] is True


def test_validate_finds_type_key_and_privacy_errors(make_services: Any, tmp_path: Path) -> None:
    services = make_services(ExampleCatalog)
    version = refresh(services, "example_catalog").version
    folder = services.version_dir("example_catalog", version)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in folder.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash"), resource.pop("bytes")  # we edit the file below
    (copy / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False), encoding="utf-8"
    )
    lines = (copy / "entries.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[3] = "2018-13-45"  # published: not a date
    cells[1] = "举报电话 13912345678"  # title: a mobile number
    lines[2] = ",".join(cells)
    lines.append(lines[1])  # a duplicate primary key
    (copy / "entries.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(copy), "--json"])
    assert result.exit_code == 1
    errors = {
        (e["resource"], e["row"], e["field"], e["type"])
        for e in json.loads(result.output)["errors"]
    }
    assert ("entries", 3, "published", "type-error") in errors
    assert ("entries", 3, "title", "personal-data") in errors
    assert any(e[3] == "primary-key" and e[1] == len(lines) for e in errors)
    assert "13912345678" not in result.output
    readable = CliRunner().invoke(main, ["validate", str(copy)])
    assert "entries" in readable.output and readable.exit_code == 1


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ({"delimiter": ";"}, "id;title\n1;举报电话 13912345678\n"),
        ({"header": False}, "1,举报电话 13912345678\n"),
    ],
)
def test_validate_scans_for_personal_data_with_the_declared_dialect(
    tmp_path: Path, dialect: dict[str, Any], text: str
) -> None:
    """The personal-data scan reads the file as the validator does, not as plain CSV."""
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "title"}]}
    descriptor = {
        "name": "p",
        "resources": [{"name": "r", "path": "data.csv", "dialect": dialect, "schema": schema}],
    }
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--json"])
    errors = json.loads(result.output)["errors"]
    row = 1 if dialect.get("header") is False else 2
    assert [(e["type"], e["row"], e["field"]) for e in errors] == [("personal-data", row, "title")]
    assert result.exit_code == 1


def test_lazy_commands_help_lines_are_their_own() -> None:
    """``opendata --help`` lists the lazy groups from cli.LAZY without importing them: each
    line there must be the command's own first help line, under the same name."""
    from opendata.cli import LAZY, load_lazy

    for name, (_, help_line) in LAZY.items():
        command = load_lazy(name)
        assert command.name == name
        assert (command.help or "").strip().splitlines()[0] == help_line, name


def test_every_command_runs_through_the_group() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("config", "db", "report", "runs", "scheduler", "token", "refresh", "sources"):
        assert f"\n  {name} " in result.output, name
        sub = CliRunner().invoke(main, [name, "--help"])
        assert sub.exit_code == 0 and "Usage: main " + name in sub.output, sub.output


def test_help_imports_no_heavy_module(tmp_path: Path) -> None:
    """What makes ``opendata --help`` slow is what it imports; the timings are in
    bench/cli_startup.py, this test keeps the imports away."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from opendata.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'frictionless', 'numpy', 'openpyxl', 'flask', 'opendata.pipeline',"
        " 'opendata.sources', 'opendata.services', 'opendata.report', 'opendata.config')\n"
        "print(sorted({m.split('.')[0] if not m.startswith('opendata') else m"
        " for m in sys.modules if m.startswith(heavy)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip().splitlines()[-1] == "[]", out


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal() -> None:
    from opendata.cli import Progress

    now = [100.0]
    terminal = _Terminal()
    progress = Progress(terminal, clock=lambda: now[0])
    progress.start("fiscal_data", tick=False)
    now[0] = 104.0
    progress("fiscal_data", 20_000)
    last = terminal.text.split("\r")[-1]
    assert "fiscal_data" in last and "extracting" in last and "20,000 rows" in last
    assert "5,000 rows/s" in last and "4.0 s" in last and "no new row" not in last
    now[0] = 104.05  # redrawn at most ten times a second
    progress("fiscal_data", 20_001)
    assert "20,001" not in terminal.text
    now[0] = 107.0  # rows stopped coming: the line says so, and the time goes on
    progress.stage("fiscal_data", "extracting", "budgets")
    last = terminal.text.split("\r")[-1]
    assert "extracting budgets" in last and "no new row for 3 s" in last and "7.0 s" in last
    progress.done()
    assert terminal.text.endswith("\r")


def test_progress_ticker_redraws_and_stops() -> None:
    import time

    from opendata.cli import Progress

    terminal = _Terminal()
    progress = Progress(terminal)
    progress.TICK = 0.01
    progress.start("x")
    progress("x", 5)
    deadline = time.monotonic() + 10
    while terminal.text.count("\r") < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    progress.done()
    drawn = terminal.text
    assert drawn.count("\r") >= 5 and drawn.endswith("\r")
    time.sleep(0.05)
    assert terminal.text == drawn  # nothing drawn after done()


def test_progress_is_silent_off_a_terminal() -> None:
    import io

    from opendata.cli import Progress

    stream = io.StringIO()
    progress = Progress(stream)
    progress.start("x")
    progress("x", 10)
    progress.done()
    assert stream.getvalue() == ""


def test_summary_says_why_rows_were_withheld() -> None:
    from opendata.cli import _summary
    from opendata.pipeline.refresh import RunResult, RunStatus

    result = RunResult(
        dataset="disclosure_catalog",
        status=RunStatus.PUBLISHED,
        rows={"entries": 90},
        withheld={"entries": {"不予公开": 7, "依申请公开": 3}},
    )
    text = _summary(result)
    assert "withheld 10" in text
    assert "entries" in text and "不予公开 7" in text and "依申请公开 3" in text
