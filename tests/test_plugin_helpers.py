"""The helpers opendata.plugin gives plugin authors, each checked where it used to break.

- ``Source.origin(key)``: the configured path, else the shipped sample as a real file — also
  from a zipped install, where the package has no files on disk;
- ``Source.load_schema`` for a class defined in a plain module (a test file, ``__main__``);
- one recorded-responses layout: the file a sample generator names is the file the plugin's
  ``RecordedResponses`` reads and the file ``serve_directory`` serves;
- typed rows of a published resource (``opendata.typed_rows``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from opendata.plugin import (
    RecordedResponses,
    ResourceSpec,
    Row,
    Source,
    SourceContext,
    SourceError,
    recorded_name,
)
from opendata.sources.contract import check_contract
from opendata.sources.discovery import GROUP
from opendata.testing import run_source, serve_directory
from opendata.typed_rows import published_rows, typed_rows

PLUGIN_CODE = """
from opendata.plugin import ResourceSpec, Source, fields


class Zipped(Source):
    name = "zipped"
    title = "压缩包中的插件"
    description = "从压缩包安装的插件"
    publisher = "测试机关"
    samples = {"data_csv": "sample/data.csv", "recorded_dir": "sample/api"}
    resources = (ResourceSpec("items", "事项", "schemas/items.json"),)

    class Config(Source.Config):
        data_csv = fields.String(load_default=None, allow_none=True)
        recorded_dir = fields.String(load_default=None, allow_none=True)
"""
SCHEMA = {"fields": [{"name": "id", "title": "编号", "type": "integer"}]}


class _NoHttp:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the test source used http.{name}")


class _NoDatasets:
    def rows(self, dataset: str, resource: str) -> Iterator[Row]:
        raise AssertionError("the test source read a dataset")


def _context(config: Mapping[str, Any]) -> SourceContext:
    return SourceContext(config, _NoHttp(), logging.getLogger("test"), _NoDatasets())


def _write_package(root: Path) -> None:
    package = root / "opendata_zipped"
    (package / "sample" / "api" / "items").mkdir(parents=True)
    (package / "schemas").mkdir()
    (package / "__init__.py").write_text(PLUGIN_CODE, "utf-8")
    (package / "sample" / "data.csv").write_text("id\n1\n", "utf-8")
    (package / "sample" / "api" / "items" / "page=1.json").write_text('{"n": 1}', "utf-8")
    (package / "schemas" / "items.json").write_text(json.dumps(SCHEMA), "utf-8")


@pytest.fixture
def zipped_plugin(tmp_path: Path) -> Iterator[type[Source]]:
    """The plugin package imported from a zip file: its resources exist only inside the zip."""
    tree = tmp_path / "tree"
    _write_package(tree)
    archive = tmp_path / "plugin.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(tree.rglob("*")):
            zf.write(path, path.relative_to(tree).as_posix())
    sys.path.insert(0, str(archive))
    try:
        module = importlib.import_module("opendata_zipped")
        assert ".zip" in str(module.__file__)
        yield module.Zipped
    finally:
        sys.path.remove(str(archive))
        sys.modules.pop("opendata_zipped", None)


def test_origin_gives_a_zipped_sample_as_a_real_file_until_close(
    zipped_plugin: type[Source],
) -> None:
    source = zipped_plugin(_context({"data_csv": None, "recorded_dir": None}))
    path = source.origin("data_csv")
    assert path.is_file()
    assert path.read_text("utf-8") == "id\n1\n"
    folder = source.origin("recorded_dir")
    assert (folder / "items" / "page=1.json").read_text("utf-8") == '{"n": 1}'
    source.close()
    assert not path.exists()
    assert not folder.exists()


def test_origin_reads_the_schema_of_a_zipped_plugin(zipped_plugin: type[Source]) -> None:
    assert zipped_plugin.load_schema(zipped_plugin.resource("items")) == SCHEMA


def test_origin_prefers_the_configured_path_and_refuses_an_empty_one(
    zipped_plugin: type[Source], tmp_path: Path
) -> None:
    mine = tmp_path / "mine.csv"
    source = zipped_plugin(_context({"data_csv": str(mine), "recorded_dir": ""}))
    assert source.origin("data_csv") == mine
    with pytest.raises(SourceError, match="'recorded_dir' is empty"):
        source.origin("recorded_dir")
    with pytest.raises(SourceError, match="no shipped sample is declared"):
        source.origin("other")


PLUGINS = sorted(entry_points(group=GROUP), key=lambda e: e.name)


@pytest.mark.parametrize("ep", PLUGINS, ids=[e.name for e in PLUGINS])
def test_every_declared_sample_is_shipped(ep: Any) -> None:
    cls = ep.load()
    source = cls(_context(cls.Config().load({})))  # every origin option unset
    for key in cls.samples:
        assert source.origin(key).exists(), key
    source.close()


ZIPPED_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
import importlib
module = importlib.import_module(sys.argv[2])
assert ".zip" in module.__file__, module.__file__
from opendata.testing import run_source
run = run_source(getattr(module, sys.argv[3]), sys.argv[4])
print(run.status, sum(run.row_counts.values()), run.error or "")
"""


@pytest.mark.parametrize(
    "ep", [e for e in PLUGINS if e.value.startswith("opendata_")], ids=lambda e: e.name
)
def test_a_built_in_plugin_runs_its_sample_from_a_zip(ep: Any, tmp_path: Path) -> None:
    """Installed as a zip, a plugin has no files on disk; its sample origin must still run."""
    module_name, _, class_name = ep.value.partition(":")
    package = Path(importlib.import_module(module_name).__file__ or "").parent
    archive = tmp_path / "plugin.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(package.parent).as_posix())
    done = subprocess.run(
        [sys.executable, "-c", ZIPPED_RUN, str(archive), module_name, class_name, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    status, rows, *_ = done.stdout.split(" ", 2)
    assert status == "valid", done.stdout
    assert int(rows) > 0


def test_the_contract_names_a_sample_not_shipped_or_not_an_option(
    zipped_plugin: type[Source],
) -> None:
    assert check_contract(zipped_plugin) == []

    class Typo(zipped_plugin):  # type: ignore[valid-type,misc]
        samples: ClassVar[Mapping[str, str]] = {
            "data_csv": "sample/missing.csv",
            "data_cvs": "sample/data.csv",
        }

    problems = check_contract(Typo)
    assert "samples names 'data_cvs', which is not an option of Config" in problems
    assert "samples['data_csv']: the package ships no 'sample/missing.csv'" in problems


# -- schema lookup for classes defined anywhere --------------------------------------------------


def _plain_module(folder: Path, name: str) -> Any:
    """A module imported from a file, not in any package (as pytest's importlib mode does)."""
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    (folder / "schemas" / "items.json").write_text(json.dumps(SCHEMA), "utf-8")
    (folder / f"{name}.py").write_text(PLUGIN_CODE, "utf-8")
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_load_schema_for_a_class_in_a_plain_module(tmp_path: Path) -> None:
    module = _plain_module(tmp_path, "plain_source_module")
    try:
        assert module.Zipped.load_schema(module.Zipped.resource("items")) == SCHEMA
    finally:
        sys.modules.pop("plain_source_module", None)


def test_load_schema_for_a_class_in_main(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "items.json").write_text(json.dumps(SCHEMA), "utf-8")
    script = tmp_path / "script.py"
    script.write_text(
        PLUGIN_CODE + "\nprint(Zipped.load_schema(Zipped.resource('items'))['fields'][0]['name'])",
        "utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "id"


def test_a_missing_schema_says_where_it_was_looked_for() -> None:
    class Here(Source):
        name = "here"
        title = "此处"
        resources = (ResourceSpec("items", "事项", "schemas/nowhere.json"),)

    with pytest.raises(FileNotFoundError) as caught:
        Here.load_schema(Here.resource("items"))
    message = str(caught.value)
    assert "schemas/nowhere.json" in message
    assert str(Path(__file__).resolve().parent / "schemas") in message


def test_origin_as_a_class_attribute_is_still_read_as_its_title() -> None:
    class Old(Source):
        name = "old"
        title = "旧式"
        origin = "登记台账（CSV）"  # type: ignore[assignment]

    assert Old.origin_title == "登记台账（CSV）"
    assert callable(Old.origin)


# -- one recorded-responses layout ---------------------------------------------------------------


def test_recorded_layout_is_one_for_writer_reader_and_server(tmp_path: Path) -> None:
    files = {
        recorded_name("items", {"pageSize": 10, "page": 2}): {"page": 2},
        recorded_name("items/X 1/guide"): {"guide": "X 1"},
    }
    assert sorted(files) == ["items/X 1/guide.json", "items/page=2&pageSize=10.json"]
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(json.dumps(body), "utf-8")
    client = RecordedResponses(tmp_path)
    assert client.get_json(f"{client.base_url}/items", {"page": 2, "pageSize": 10}) == {"page": 2}
    assert client.get_json(f"{client.base_url}/items/X%201/guide") == {"guide": "X 1"}
    with pytest.raises(SourceError, match=r"expected the file .*page=3&pageSize=10\.json"):
        client.get_json(f"{client.base_url}/items", {"page": 3, "pageSize": 10})
    with serve_directory(tmp_path) as url:
        served = requests.get(f"{url}/items", {"page": 2, "pageSize": 10}, timeout=10)
        assert served.json() == {"page": 2}
        assert requests.get(f"{url}/items/X%201/guide", timeout=10).json() == {"guide": "X 1"}
        assert requests.get(f"{url}/items/../items", timeout=10).status_code == 404
        assert requests.get(f"{url}/items", {"page": 3}, timeout=10).status_code == 404


def test_recorded_name_refuses_a_path_leaving_the_folder() -> None:
    with pytest.raises(ValueError, match="not a path inside"):
        recorded_name("items/../../etc/passwd")


# -- typed rows from published versions ----------------------------------------------------------

TYPED_SCHEMA = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer"},
        {"name": "amount", "title": "金额", "type": "number"},
        {"name": "day", "title": "日期", "type": "date"},
        {"name": "open", "title": "开放", "type": "boolean"},
        {"name": "note", "title": "说明", "type": "string"},
    ]
}


class Typed(Source):
    name = "typed"
    title = "类型"
    description = "各类型的值"
    publisher = "测试机关"
    resources = (ResourceSpec("items", "事项", TYPED_SCHEMA),)

    def rows(self, resource: str) -> Iterator[Row]:
        yield {"id": 1, "amount": Decimal("12.50"), "day": date(2018, 3, 1), "open": True}
        yield {"id": 2, "amount": None, "day": None, "open": False, "note": "备注"}


def test_published_rows_come_back_as_values(tmp_path: Path) -> None:
    run = run_source(Typed, tmp_path)
    assert run.ok, run.error
    rows = list(published_rows(run.package_dir, "items"))
    assert rows == [
        {"id": 1, "amount": Decimal("12.50"), "day": date(2018, 3, 1), "open": True, "note": None},
        {"id": 2, "amount": None, "day": None, "open": False, "note": "备注"},
    ]
    with pytest.raises(SourceError, match="no resource 'other'"):
        list(published_rows(run.package_dir, "other"))


def _published(run: Any, typed: bool) -> dict[str, list[Row]]:
    names = [
        r["name"]
        for r in json.loads((run.package_dir / "datapackage.json").read_text())["resources"]
    ]
    if typed:
        return {name: list(published_rows(run.package_dir, name)) for name in names}
    return {name: list(run.rows(name)) for name in names}


def test_the_annual_report_reads_typed_rows_as_it_reads_published_text(tmp_path: Path) -> None:
    """The core's derived source gives the same tables whether its datasets come typed or not."""
    from opendata.report.source import AnnualReports

    runs = {}
    for ep in PLUGINS:
        if ep.name in AnnualReports.depends_on:
            runs[ep.name] = run_source(ep.load(), tmp_path / ep.name)
            assert runs[ep.name].ok, runs[ep.name].error
    config = {"last_year": 2024}
    built = {
        typed: run_source(
            AnnualReports,
            tmp_path / f"report-{typed}",
            config,
            datasets={name: _published(run, typed) for name, run in runs.items()},
        )
        for typed in (False, True)
    }
    assert built[True].ok, built[True].error
    assert built[True].row_counts == built[False].row_counts
    assert sum(built[True].row_counts.values()) > 100
    for resource in built[True].row_counts:
        assert built[True].rows(resource) == built[False].rows(resource), resource


def test_typed_rows_name_a_cell_that_is_not_its_type() -> None:
    rows = typed_rows(TYPED_SCHEMA, [{"id": "1"}, {"id": "一"}], "typed/items")
    assert next(rows) == {"id": 1}
    with pytest.raises(SourceError, match=r"typed/items row 2: field 'id'"):
        next(rows)


def test_helpers_are_documented_in_the_guide() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "plugin-authoring.md").read_text()
    for name in ("origin(", "samples", "RecordedResponses", "post_json", "headers="):
        assert name in guide, name
