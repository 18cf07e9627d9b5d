"""Every surface shows the same values as the published file, read by frictionless itself.

Over every resource of the five built-in sources (refreshed from their sample origins) and a
source whose schema uses every Table Schema option the codec honours (``trueValues``,
``missingValues`` in the v2 object form and per field, ``decimalChar``, ``groupChar``,
``bareNumber``, ``%``-pattern dates, times and datetimes, integers beyond 64 bits, ``Decimal``),
on SQLite and PostgreSQL: the datastore rows (row API), ``.json``, ``.xlsx``, CKAN
``datastore_search`` and both kinds of CKAN dump agree value for value with frictionless's
reading of the published CSV, and the CKAN dump without arguments equals the published file
byte for byte after its ``_id`` column.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import frictionless
import isodate
import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import create_engine, text
from test_e2e_sources import BUILT_IN, refresh_all

from conftest import make_registry
from opendata import codec
from opendata.app import create_app
from opendata.config import load_config
from opendata.pipeline import preload, publish
from opendata.plugin import ResourceSpec, Row, Source, fields
from opendata.services import Services
from opendata.sources.sync import registry_of
from opendata.testing import prepare_database

EVERY_OPTION: dict[str, Any] = {
    "missingValues": [{"value": "", "label": "空"}, {"value": "NA", "label": "不适用"}],
    "fields": [
        {"name": "id", "title": "编号", "type": "integer"},
        {"name": "big", "title": "大整数", "type": "integer"},
        {
            "name": "flag",
            "title": "是否公开",
            "type": "boolean",
            "trueValues": ["是"],
            "falseValues": ["否"],
        },
        {"name": "amount", "title": "金额", "type": "number", "decimalChar": ",", "groupChar": "."},
        {"name": "share", "title": "占比", "type": "number", "bareNumber": False},
        {"name": "pieces", "title": "件数", "type": "integer", "bareNumber": False},
        {"name": "exact", "title": "精确金额", "type": "number"},
        {"name": "day", "title": "日期", "type": "date", "format": "%d/%m/%Y"},
        {"name": "at", "title": "时间", "type": "datetime", "format": "%Y/%m/%d %H:%M"},
        {"name": "clock", "title": "时刻", "type": "time", "format": "%H时%M分"},
        {"name": "iso_day", "title": "标准日期", "type": "date"},
        {"name": "note", "title": "备注", "type": "string", "missingValues": ["-"]},
        {"name": "fiscal_year", "title": "年度", "type": "year"},
        {"name": "period", "title": "月份", "type": "yearmonth"},
        {"name": "tags", "title": "标签", "type": "array"},
        {"name": "extra", "title": "附加信息", "type": "object"},
        {"name": "place", "title": "位置", "type": "geopoint"},
        {"name": "span", "title": "期限", "type": "duration"},
    ],
    "primaryKey": ["id"],
}
ROWS = 60
BIG = 9 * 10**24  # beyond 64 bits, and no run of digits that looks like a phone or an ID


class EveryOption(Source):
    """Yields Python values (bool, int, Decimal, date, datetime, time, None) and some texts."""

    name = "every_option"
    title = "全部选项测试"
    description = "使用每个表结构选项的测试数据源"
    publisher = "测试机关"
    license = "CC-BY-4.0"
    schedule = "0 3 * * *"
    origin = "generated"
    resources = (ResourceSpec("values", "取值", EVERY_OPTION),)

    class Config(Source.Config):
        revision = fields.Integer(load_default=0)  # 1: row 1 changes its big integer and flag

    def rows(self, resource: str) -> Iterator[Row]:
        for i in range(1, ROWS + 1):
            yield {
                "id": i,
                "big": (BIG + i + (self.config["revision"] if i == 1 else 0))
                * (-1 if i % 3 == 0 else 1),
                # True must publish as 是, None as missing
                "flag": True if i == 1 and self.config["revision"] else [True, False, None][i % 3],
                "amount": Decimal(i * 1234567) / 100 if i % 4 else "NA",
                "share": f"{i % 100}.5%" if i % 2 else Decimal(i) / 8,
                "pieces": f"共{i}件" if i % 2 else i,
                "exact": Decimal(f"{i * 37}.{i % 10}0") if i % 5 else Decimal("0.00"),
                "day": date(2024, 1 + i % 12, 1 + i % 28),
                "at": datetime(2023, 1 + i % 12, 1 + i % 28, i % 24, i % 60),
                "clock": time(i % 24, (i * 7) % 60),
                "iso_day": date(2020, 2, 29) if i % 7 else None,
                "note": [None, "", "备注", "NA"][i % 4],  # "-" is its only missing value
                "fiscal_year": 2000 + i % 25,
                "period": (2020 + i % 5, 1 + i % 12),
                "tags": ["档案", i] if i % 6 else None,
                "extra": {"科室": f"第{i}科", "n": i},
                "place": (Decimal("116.4") + i, Decimal("39.9")),
                "span": timedelta(days=i),
            }


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, FlaskClient]]:
    """The built-in sources and EveryOption, refreshed and served, on one database."""
    root = tmp_path_factory.mktemp(f"agree-{request.param}")
    schema = None
    url = f"sqlite:///{root / 'instance' / 'opendata.sqlite3'}"
    if request.param == "postgres":
        base = request.getfixturevalue("postgres_base_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
    config = load_config(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATASETS_PATH": str(root / "datasets"),
            "DATABASE_URL": url,
        },
        environ={},
    )
    prepare_database(url)  # as `opendata db upgrade` does (idempotent)
    services = refresh_all(config)
    from opendata.pipeline.refresh import RunStatus, refresh
    from opendata.sources.discovery import LoadedSource
    from opendata.sources.discovery import load_config as load_source_config

    registry_of(services).sources["every_option"] = LoadedSource(
        EveryOption, load_source_config(EveryOption, {}), "tests"
    )
    # Its table is filled by the preloader's child process, whose codec sees only plain options.
    # A loader that failed would be covered up by publish loading the table itself: record what
    # publish loads, and require that this table was not among them.
    loaded_at_publish: list[str] = []
    load = publish.datastore.load

    def recording_load(engine: Any, name: str, *args: Any) -> int:
        loaded_at_publish.append(name)
        return load(engine, name, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preload, "THRESHOLD_ROWS", 1)
        patch.setattr(publish.datastore, "load", recording_load)
        result = refresh(services, "every_option")
    assert result.status is RunStatus.PUBLISHED, result.error
    preloaded = services.catalog.datastore_table(result.version, "values")
    assert preloaded is not None and preloaded["table_name"] not in loaded_at_publish
    client = create_app({**config, "TESTING": True}).test_client()
    yield services, client
    services.close()
    if schema is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def published_resources(services: Services) -> list[tuple[str, str, Path, dict[str, Any]]]:
    out = []
    for dataset in [*BUILT_IN, "every_option"]:
        current = services.catalog.current_version(dataset)
        assert current is not None, dataset
        folder = Path(services.version_dir(dataset, current["id"]))
        for res in current["descriptor"]["resources"]:
            out.append((dataset, res["name"], folder, res["schema"]))
    return out


def norm(kind: str, value: Any) -> Any:
    """Any surface's representation of a value as one comparable Python value."""
    if value is None:
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "date":
        return (
            value.date()
            if isinstance(value, datetime)
            else value
            if isinstance(value, date)
            else date.fromisoformat(value)
        )
    if kind == "datetime":
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if kind == "time":
        return value if isinstance(value, time) else time.fromisoformat(value)
    if kind in ("array", "object"):
        return json.loads(value) if isinstance(value, str) else value
    if kind == "yearmonth":
        return tuple(int(p) for p in value.split("-")) if isinstance(value, str) else tuple(value)
    if kind == "geopoint":
        parts = value.split(",") if isinstance(value, str) else value
        return tuple(float(p) for p in parts)
    if kind == "duration":
        return isodate.parse_duration(value) if isinstance(value, str) else value
    return value


def reference(folder: Path, resource: str) -> list[list[Any]]:
    """frictionless's values of the published CSV (with our codec only for v2 object-form
    missing values, which frictionless 5.21 does not read)."""
    package = frictionless.Package(str(folder / "datapackage.json"))
    res = package.get_resource(resource)
    schema = res.schema.to_descriptor()
    if any(isinstance(m, dict) for m in schema.get("missingValues", [])):
        codecs = codec.codecs(schema)
        with (folder / res.path).open(encoding="utf-8", newline="") as fh:
            return [
                [c.read(v) for c, v in zip(codecs, row, strict=True)]
                for row in list(csv.reader(fh))[1:]
            ]
    with res:
        return [[row[f.name] for f in res.schema.fields] for row in res.row_stream]


def table(kinds: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    return [[norm(k, v) for k, v in zip(kinds, row, strict=True)] for row in rows]


def api_rows(client: FlaskClient, dataset: str, resource: str, names: list[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    url: str | None = f"/api/v1/datasets/{dataset}/resources/{resource}/rows?_size=1000"
    while url:
        body = json.loads(client.get(url).data)
        out += [[row[n] for n in names] for row in body["rows"]]
        url = body["next_url"]
    return out


def test_every_surface_agrees_with_frictionless(deployment: tuple[Services, FlaskClient]) -> None:
    services, client = deployment
    checked = 0
    for dataset, resource, folder, schema in published_resources(services):
        fields = schema["fields"]
        names = [f["name"] for f in fields]
        kinds = [f.get("type", "string") for f in fields]
        where = f"{dataset}/{resource}"
        expected = table(kinds, reference(folder, resource))
        assert expected, f"{where} has no rows to compare"

        assert table(kinds, api_rows(client, dataset, resource, names)) == expected, (
            f"{where}: rows API"
        )

        download = client.get(f"/api/v1/datasets/{dataset}/resources/{resource}.json")
        objects = json.loads(download.data)
        assert table(kinds, [[o[n] for n in names] for o in objects]) == expected, f"{where}: .json"

        book = load_workbook(
            io.BytesIO(client.get(f"/api/v1/datasets/{dataset}/resources/{resource}.xlsx").data)
        )
        sheet = list(book.worksheets[0].iter_rows(values_only=True))[1:]
        # A spreadsheet cell cannot hold an empty string: "" reads back as an empty cell.
        blank = [[None if v == "" else v for v in row] for row in expected]
        assert table(kinds, [list(r) for r in sheet]) == blank, f"{where}: .xlsx"

        search = client.post(
            "/api/3/action/datastore_search",
            json={"resource_id": f"{dataset}.{resource}", "limit": 32000},
        ).get_json()
        records = search["result"]["records"]
        assert table(kinds, [[r[n] for n in names] for r in records]) == expected, (
            f"{where}: datastore_search"
        )

        # The dump of the whole resource: the published file, byte for byte, after "_id,".
        whole = client.get(f"/datastore/dump/{dataset}.{resource}").data
        published = (folder / f"{resource}.csv").read_bytes()
        lines = whole.split(b"\n")
        assert lines[0].startswith(b"_id,")
        assert csv_without_id(whole) == published, f"{where}: dump is not the file"

        # A dump written from the datastore (sorted: not the file) reads back to the same values.
        codecs = codec.codecs(schema)
        sorted_dump = client.get(
            f"/datastore/dump/{dataset}.{resource}?sort=_id%20asc"
        ).data.decode()
        cells = list(csv.reader(io.StringIO(sorted_dump)))
        assert cells[0] == ["_id", *names]
        read_back = [[c.read(v) for c, v in zip(codecs, row[1:], strict=True)] for row in cells[1:]]
        assert table(kinds, read_back) == expected, f"{where}: dump from the datastore"
        # Filtered downloads are written from the datastore by the codec.
        exported = client.get(
            f"/api/v1/datasets/{dataset}/resources/{resource}.csv?_sort=_id"
        ).data.decode()
        export_cells = list(csv.reader(io.StringIO(exported)))
        assert export_cells[0] == names
        read_back = [
            [c.read(v) for c, v in zip(codecs, row, strict=True)] for row in export_cells[1:]
        ]
        assert table(kinds, read_back) == expected, f"{where}: filtered .csv"
        objects = json.loads(
            client.get(f"/api/v1/datasets/{dataset}/resources/{resource}.json?_sort=_id").data
        )
        assert table(kinds, [[o[n] for n in names] for o in objects]) == expected, (
            f"{where}: filtered .json"
        )
        # CKAN's records_format=csv writes each cell with its field's codec too.
        page = client.post(
            "/api/3/action/datastore_search",
            json={"resource_id": f"{dataset}.{resource}", "limit": 32000, "records_format": "csv"},
        ).get_json()
        page_cells = list(csv.reader(io.StringIO(page["result"]["records"])))
        read_back = [
            [c.read(v) for c, v in zip(codecs, row[1:], strict=True)] for row in page_cells
        ]
        assert table(kinds, read_back) == expected, f"{where}: datastore_search csv"
        checked += 1
    # Every resource the sources declare was compared (none skipped by a published descriptor
    # that left one out).
    declared = sum(
        len(registry_of(services).get(d).cls.resources) for d in [*BUILT_IN, "every_option"]
    )
    assert checked == declared and declared > len(BUILT_IN)


def csv_without_id(dump: bytes) -> bytes:
    """The dump with the leading ``_id`` cell of each record removed (records may span lines)."""
    out: list[bytes] = []
    quotes = 0
    for line in dump.splitlines(keepends=True):
        if quotes % 2 == 0:
            head, _, rest = line.partition(b",")
            assert head == b"_id" or head.isdigit()
            line = rest
        quotes += line.count(b'"')
        out.append(line)
    return b"".join(out)


def test_python_values_publish_as_the_schema_describes(
    deployment: tuple[Services, FlaskClient],
) -> None:
    """True into a trueValues ["是"] field publishes 是; Decimal with the decimalChar; dates in
    their format; and frictionless finds the package valid."""
    services, _client = deployment
    current = services.catalog.current_version("every_option")
    assert current is not None
    folder = Path(services.version_dir("every_option", current["id"]))
    with (folder / "values.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = rows[0]  # i = 1
    assert rows[2]["flag"] == "是" and first["flag"] == "否" and rows[1]["flag"] == ""
    assert first["amount"] == "12345,67"
    assert first["exact"] == "37.10" and rows[4]["exact"] == "0.00"
    assert (
        first["day"] == "02/02/2024"
        and first["at"] == "2023/02/02 01:01"
        and first["clock"] == "01时07分"
    )
    assert first["big"] == str(BIG + 1) and rows[2]["big"] == str(-(BIG + 3))
    assert first["note"] == "" and rows[3]["note"] == "-" and rows[2]["note"] == "NA"
    # frictionless validates what was published (list-form missing values: 5.21 reads no objects).
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = descriptor["resources"][0]["schema"]
    schema["missingValues"] = [m["value"] for m in schema["missingValues"]]
    resource = frictionless.Resource(
        path="values.csv", basepath=str(folder), schema=frictionless.Schema.from_descriptor(schema)
    )
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_change_feed_shows_values_as_the_rows_api(
    make_services: Callable[..., Any], database_url: str, config: dict[str, Any]
) -> None:
    """Between two versions, a changed integer beyond 64 bits and a boolean written 是/否 come
    out of the change feed exactly, as the rows API shows them."""
    from opendata.pipeline.refresh import RunStatus, refresh

    services = make_services(EveryOption, DATABASE_URL=database_url)
    old = refresh(services, "every_option")
    services.registry = make_registry(EveryOption, options={"every_option": {"revision": 1}})
    new = refresh(services, "every_option")
    assert old.status is new.status is RunStatus.PUBLISHED, (old.error, new.error)
    client = create_app({**config, "DATABASE_URL": database_url, "TESTING": True}).test_client()
    url = f"/api/v1/datasets/every_option/versions/{new.version}/changes?since={old.version}&resource=values"
    body = json.loads(client.get(url).data)
    (change,) = body["changes"]
    assert change["op"] == "changed" and change["key"] == {"id": 1}
    assert change["changed"] == {
        "big": {"old": BIG + 1, "new": BIG + 2},
        "flag": {"old": False, "new": True},
    }
    rows = json.loads(client.get("/api/v1/datasets/every_option/resources/values/rows?id=1").data)
    assert rows["rows"][0]["big"] == BIG + 2 and rows["rows"][0]["flag"] is True
