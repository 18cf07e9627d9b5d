"""Tests of the service_hall source: contract, sample origin, live paging over HTTP, bad input,
privacy. Origins are written by the seeded generator into tmp_path; HTTP tests use a real
server on 127.0.0.1 replaying those files, and the core's own HTTP client.
"""

from __future__ import annotations

import collections
import filecmp
import importlib.metadata
import json
import logging
import pathlib
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from opendata_service_hall import ServiceHall
from opendata_service_hall.samplegen import (
    PLANT_ID_NUMBER,
    PLANT_MOBILE,
    PLANT_NAME,
    write_origin,
)
from opendata_service_hall.typemap import LEGACY_TYPE, map_type

from opendata.plugin import SourceContext, SourceError, TransientSourceError
from opendata.testing import (
    SourceRun,
    assert_contract,
    assert_not_published,
    run_source,
    serve_directory,
)

SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "opendata_service_hall" / "sample"

# The development-zone items the issue names: each must be in the published list.
NAMED_ITEMS = (
    "企业投资项目备案",
    "建设工程规划许可证核发",
    "建筑工程施工许可证核发",
    "食品经营许可",
    "排污许可",
    "公共场所卫生许可",
    "户外广告设置审批",
    "城市道路占用挖掘许可",
    "人防工程建设审批",
    "特种设备使用登记",
)
MARKERS = (PLANT_ID_NUMBER, PLANT_MOBILE, PLANT_NAME, "绝密测试记录")


# -- a recorded-response server that also tells what it was asked -------------------------------


class RecordingServer:
    """Serves a folder of recorded responses on 127.0.0.1 (serve_directory's file naming) and
    keeps the list of request targets; ``status`` makes every answer that HTTP status instead."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self.status: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if server.status is not None:
                    self._send(server.status, b'{"message": "maintenance"}')
                    return
                parts = urlsplit(self.path)
                query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parts.query)))
                relative = unquote(parts.path).lstrip("/")
                path = (
                    server.root / relative / f"{query}.json"
                    if query
                    else server.root / f"{relative}.json"
                )
                if path.is_file():
                    self._send(200, path.read_bytes())
                else:
                    self._send(404, b'{"code": 404, "msg": "not found"}')

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> RecordingServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def origin(tmp_path: pathlib.Path) -> tuple[pathlib.Path, dict[str, object]]:
    """A fresh, unplanted origin (recorded responses) in tmp_path, and its source config."""
    config = write_origin(tmp_path / "origin")
    return pathlib.Path(str(config["recorded_dir"])), config


@pytest.fixture
def recorded(origin: tuple[pathlib.Path, dict[str, object]]) -> Iterator[RecordingServer]:
    with RecordingServer(origin[0]) as server:
        yield server


def by_code(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows:
        grouped[row["item_code"]].append(row)
    return grouped


class _NoDatasets:
    def rows(self, dataset: str, resource: str) -> Iterator[dict[str, Any]]:
        raise AssertionError("service_hall reads no other dataset")


def extract_direct(config: dict[str, object]) -> list[tuple[str, dict[str, Any]]]:
    """Run the source's extract() on recorded files (no HTTP), to see the errors it raises."""

    class NoHttp:
        def __getattr__(self, name: str) -> Any:  # every HttpClient method
            raise AssertionError(f"no HTTP expected, asked for http.{name}")

    context = SourceContext(
        config=ServiceHall.Config().load(config),
        http=NoHttp(),
        log=logging.getLogger("test"),
        datasets=_NoDatasets(),
    )
    return list(ServiceHall(context).extract())


# -- contract ------------------------------------------------------------------------------------


def test_contract() -> None:
    assert_contract(ServiceHall)


def test_registered_under_its_name() -> None:
    (entry,) = [
        ep
        for ep in importlib.metadata.entry_points(group="opendata.sources")
        if ep.name == "service_hall"
    ]
    assert entry.load() is ServiceHall


def test_shipped_sample_is_what_the_generator_writes(tmp_path: pathlib.Path) -> None:
    write_origin(tmp_path)
    comparison = filecmp.dircmp(SHIPPED / "api", tmp_path / "api")
    stack, differing = [comparison], []
    while stack:
        current = stack.pop()
        differing += current.left_only + current.right_only + current.diff_files
        _, mismatch, errors = filecmp.cmpfiles(
            current.left, current.right, current.common_files, shallow=False
        )
        differing += mismatch + errors
        stack += current.subdirs.values()
    assert differing == []


# -- the sample origin (embedded default) --------------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    result = run_source(ServiceHall, tmp_path_factory.mktemp("sample"))
    assert result.ok, result.error or result.report.summary()
    return result


def test_sample_publishes_the_item_list_and_guides(sample_run: SourceRun) -> None:
    items = sample_run.rows("items")
    # 17 items across two pages of the platform's list, the named items among them.
    assert len(items) == 17
    assert len({row["item_code"] for row in items}) == 17
    names = {row["item_name"] for row in items}
    assert set(NAMED_ITEMS) <= names
    assert sample_run.warnings == []


def _check_item(row: dict[str, str], steps: list[dict[str, str]]) -> None:
    """Steps run 受理 … 送达 within the promised limit; fees and phones as published."""
    item_steps = sorted(steps, key=lambda s: int(s["seq"]))
    assert [item_steps[0]["step_name"], item_steps[-1]["step_name"]] == ["受理", "送达"]
    promised = int(row["promised_limit_days"])
    assert sum(int(s["limit_days"]) for s in item_steps) <= promised
    if row["statutory_limit_days"]:
        assert promised <= int(row["statutory_limit_days"])
    if row["fee_status"] == "收费":
        assert row["fee_basis"] and row["fee_standard"]
    else:
        assert row["fee_basis"] == row["fee_standard"] == ""
    assert row["consult_phone"].startswith("0432-")
    assert row["complaint_phone"].startswith("0432-")


def test_sample_items_have_materials_forms_and_steps_in_their_limits(
    sample_run: SourceRun,
) -> None:
    materials, steps, forms = (by_code(sample_run.rows(r)) for r in ("materials", "steps", "forms"))
    for row in sample_run.rows("items"):
        code = row["item_code"]
        assert materials[code], f"{code} has no materials"
        assert forms[code], f"{code} has no forms"
        _check_item(row, steps[code])


def test_sample_legacy_items_keep_their_type_and_get_a_current_one(sample_run: SourceRun) -> None:
    """Every legacy 非行政许可审批 item keeps its type and gets a current one."""
    items = sample_run.rows("items")
    legacy = {
        r["item_name"]: r["item_type"] for r in items if r["item_type_original"] == LEGACY_TYPE
    }
    assert legacy["企业投资项目备案"] == "其他行政权力"
    assert legacy["城建档案查询利用"] == "公共服务"
    assert all(t != LEGACY_TYPE for t in legacy.values())
    assert {r["item_type"] for r in items} - {LEGACY_TYPE} == {r["item_type"] for r in items}


def test_sample_children_belong_to_items_and_private_fields_stay_out(
    sample_run: SourceRun,
) -> None:
    # Children all belong to a published item (the FK the package also validates).
    codes = {row["item_code"] for row in sample_run.rows("items")}
    for resource in ("materials", "steps", "forms"):
        assert set(by_code(sample_run.rows(resource))) <= codes
    # Private fields never reach the package.
    published = (sample_run.package_dir / "datapackage.json").read_text("utf-8")
    for private in ("handler_name", "handler_mobile", "sample_applicant_id_number"):
        assert private not in published


def test_counts_agree_with_the_recorded_origin(
    tmp_path: pathlib.Path, origin: tuple[pathlib.Path, dict[str, object]]
) -> None:
    """Published figures equal what the platform's responses hold, counted independently."""
    root, config = origin
    result = run_source(ServiceHall, tmp_path / "run", config=config)
    assert result.ok, result.error or result.report.summary()
    pages = sorted((root / "items").glob("page=*.json"))
    listed = [e for p in pages for e in json.loads(p.read_text("utf-8"))["data"]["list"]]
    guides = [json.loads(p.read_text("utf-8"))["data"] for p in root.glob("items/*/guide.json")]
    assert len(pages) == 2
    assert len(result.rows("items")) == len(listed) == len(guides)
    assert len(result.rows("materials")) == sum(len(g["materials"]) for g in guides)
    assert len(result.rows("steps")) == sum(len(g["steps"]) for g in guides)
    assert len(result.rows("forms")) == sum(len(g["forms"]) for g in guides)
    charged = {g["itemCode"] for g in guides if g["fee"]["charge"] == "收费"}
    assert {r["item_code"] for r in result.rows("items") if r["fee_status"] == "收费"} == charged


# -- the live path: real HTTP server, core client, paging -----------------------------------------


def test_http_paging_fetches_every_page_and_guide(
    tmp_path: pathlib.Path, recorded: RecordingServer
) -> None:
    result = run_source(
        ServiceHall, tmp_path, config={"base_url": recorded.url + "/", "page_size": 10}
    )
    assert result.ok, result.error or result.report.summary()
    assert "/items?page=1&pageSize=10" in recorded.requests
    assert "/items?page=2&pageSize=10" in recorded.requests
    assert not any("page=3" in r for r in recorded.requests)
    codes = [row["item_code"] for row in result.rows("items")]
    assert sorted(r for r in recorded.requests if r.endswith("/guide")) == sorted(
        f"/items/{code}/guide" for code in codes
    )
    # The live path and the demo path publish the same rows.
    demo = run_source(ServiceHall, tmp_path / "demo")
    for resource in ("items", "materials", "steps", "forms"):
        assert result.rows(resource) == demo.rows(resource)


def test_serve_directory_replays_the_recorded_origin(
    tmp_path: pathlib.Path, origin: tuple[pathlib.Path, dict[str, object]]
) -> None:
    with serve_directory(origin[0]) as url:
        result = run_source(ServiceHall, tmp_path, config={"base_url": url})
    assert result.ok, result.error or result.report.summary()
    assert len(result.rows("items")) == 17


def test_server_503_is_transient(tmp_path: pathlib.Path, recorded: RecordingServer) -> None:
    recorded.status = HTTPStatus.SERVICE_UNAVAILABLE
    result = run_source(ServiceHall, tmp_path, config={"base_url": recorded.url})
    assert not result.ok
    assert isinstance(result.exception, TransientSourceError)
    assert "503" in (result.error or "")
    assert recorded.requests == ["/items?page=1&pageSize=10"]


# -- bad origin input ---------------------------------------------------------------------------


def _edit(path: pathlib.Path, change: Any) -> None:
    body = json.loads(path.read_text("utf-8"))
    change(body)
    path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")


def test_code_not_200_names_the_url(
    tmp_path: pathlib.Path,
    origin: tuple[pathlib.Path, dict[str, object]],
    recorded: RecordingServer,
) -> None:
    root, _ = origin
    page2 = root / "items" / "page=2&pageSize=10.json"
    _edit(page2, lambda b: b.update(code=500, msg="系统繁忙"))
    result = run_source(ServiceHall, tmp_path, config={"base_url": recorded.url})
    assert not result.ok
    assert f"GET {recorded.url}/items?page=2&pageSize=10" in (result.error or "")
    assert "code 500" in (result.error or "")


def test_missing_key_names_the_url_and_key(origin: tuple[pathlib.Path, dict[str, object]]) -> None:
    root, config = origin
    guide = next(iter(sorted(root.glob("items/*/guide.json"))))
    _edit(guide, lambda b: b["data"].pop("timeLimit"))
    with pytest.raises(
        SourceError, match=r"items/220271-FX-001/guide: 'data\.timeLimit' is missing"
    ):
        extract_direct(config)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["data"].pop("list"), r"page=1&pageSize=10: the response has no 'data\.list'"),
        (
            lambda b: b["data"].update(total=25),
            r"page=2&pageSize=10: 'data.total' is 17, but page 1",
        ),
        (lambda b: b.pop("code"), r"page=1&pageSize=10: the response has no 'code'"),
    ],
)
def test_malformed_list_page(
    origin: tuple[pathlib.Path, dict[str, object]], change: Any, message: str
) -> None:
    root, config = origin
    _edit(root / "items" / "page=1&pageSize=10.json", change)
    with pytest.raises(SourceError, match=message):
        extract_direct(config)


def test_total_that_does_not_add_up(origin: tuple[pathlib.Path, dict[str, object]]) -> None:
    root, config = origin
    for page in (1, 2):
        _edit(
            root / "items" / f"page={page}&pageSize=10.json", lambda b: b["data"].update(total=16)
        )
    with pytest.raises(SourceError, match=r"/items: the platform reported 16 items but listed 17"):
        extract_direct(config)


def test_calendar_day_limits_are_refused(origin: tuple[pathlib.Path, dict[str, object]]) -> None:
    root, config = origin
    guide = root / "items" / "220271-XK-004" / "guide.json"
    _edit(guide, lambda b: b["data"]["timeLimit"].update(unit="自然日"))
    with pytest.raises(
        SourceError, match=r"220271-XK-004/guide: 'data.timeLimit.unit' is '自然日'"
    ):
        extract_direct(config)


def test_page_size_without_recording_names_the_file(
    origin: tuple[pathlib.Path, dict[str, object]],
) -> None:
    _, config = origin
    with pytest.raises(SourceError, match=r"no recorded response .*page=1&pageSize=20\.json"):
        extract_direct({**config, "page_size": 20})


def test_promise_beyond_statute_is_reported(
    tmp_path: pathlib.Path, origin: tuple[pathlib.Path, dict[str, object]]
) -> None:
    root, config = origin
    _edit(
        root / "items" / "220271-XK-002" / "guide.json",
        lambda b: b["data"]["timeLimit"].update(promise=25),
    )
    result = run_source(ServiceHall, tmp_path, config=config)
    assert result.ok, result.error
    assert any("220271-XK-002" in w and "超过法定时限" in w for w in result.warnings)


# -- type mapping --------------------------------------------------------------------------------


def test_type_mapping_table() -> None:
    assert map_type("a", "某某备案", LEGACY_TYPE, {})[0] == "其他行政权力"
    assert map_type("a", "档案查阅", LEGACY_TYPE, {})[0] == "公共服务"
    assert map_type("a", "某某核准", LEGACY_TYPE, {})[0] == "其他行政权力"
    assert map_type("a", "某某许可", "行政许可", {}) == ("行政许可", "平台类型即现行类型")
    current, note = map_type("a", "某某备案", LEGACY_TYPE, {"a": "公共服务"})
    assert current == "公共服务" and "配置指定" in note


def test_type_override_from_config(
    tmp_path: pathlib.Path, origin: tuple[pathlib.Path, dict[str, object]]
) -> None:
    _, config = origin
    overrides = {"220271-FX-017": "行政确认"}
    result = run_source(ServiceHall, tmp_path, config={**config, "type_overrides": overrides})
    assert result.ok, result.error
    (row,) = [r for r in result.rows("items") if r["item_code"] == "220271-FX-017"]
    assert (row["item_type_original"], row["item_type"]) == (LEGACY_TYPE, "行政确认")


def test_unknown_type_is_refused(origin: tuple[pathlib.Path, dict[str, object]]) -> None:
    root, config = origin
    _edit(
        root / "items" / "220271-XK-003" / "guide.json", lambda b: b["data"].update(itemType="审批")
    )
    with pytest.raises(SourceError, match=r"220271-XK-003/guide: 'data.itemType' .*审批"):
        extract_direct(config)


# -- privacy ------------------------------------------------------------------------------------


def test_planted_personal_data_and_secret_items_are_not_published(tmp_path: pathlib.Path) -> None:
    config = write_origin(tmp_path / "origin", plant=True)
    origin_bytes = b"".join(p.read_bytes() for p in (tmp_path / "origin").rglob("*.json"))
    for marker in MARKERS:  # the origin does carry them, so the test below can fail
        assert marker.encode() in origin_bytes

    result = run_source(ServiceHall, tmp_path / "run", config=config)
    assert result.ok, result.error or result.report.summary()
    assert len(result.rows("items")) == 17
    assert result.withheld["items"] == {"不予公开": 1, "依申请公开": 1}
    assert_not_published(result, *MARKERS)
