"""The archive_room source, run offline through the core's own stages on real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import frictionless
import pytest
import sqlalchemy as sa
from opendata_archive_room import ArchiveRoom, sample_database_url
from opendata_archive_room.samplegen import write_origin

from opendata.testing import SourceRun, assert_contract, assert_not_published, run_source

MARKERS = ("11010519491231002X", "13912345678", "王秘密", "绝密测试记录")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    run = run_source(ArchiveRoom, tmp_path_factory.mktemp("sample"))
    assert run.ok, run.error
    return run


def _sample_db() -> closing[sqlite3.Connection]:
    """The shipped sample, opened read-only and closed after the ``with`` block."""
    path = sample_database_url().removeprefix("sqlite:///")
    return closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def test_contract() -> None:
    assert_contract(ArchiveRoom)


def test_shipped_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    config = write_origin(tmp_path)
    assert config == {"database_url": f"sqlite:///{tmp_path / 'archive.sqlite'}"}
    with closing(sqlite3.connect(tmp_path / "archive.sqlite")) as fresh, _sample_db() as shipped:
        assert list(fresh.iterdump()) == list(shipped.iterdump())


def test_2017_has_140_odd_free_lookups_by_enterprises_and_institutions(
    sample_run: SourceRun,
) -> None:
    # 2017年，管委会办公室档案室免费为经开区企事业单位查找资料140余次。
    rows = sample_run.rows("lookups_monthly")
    business = sum(
        int(r["lookups"])
        for r in rows
        if r["year"] == "2017" and r["requester_kind"] in ("企业", "事业单位")
    )
    assert 140 < business < 150
    assert all(Decimal(r["fee"]) == 0 for r in rows)
    # The published aggregate agrees with a count of the log itself.
    with _sample_db() as db:
        (logged,) = db.execute(
            "SELECT count(*) FROM lookup_log WHERE lookup_date LIKE '2017-%'"
            " AND requester_kind IN ('企业', '事业单位')"
        ).fetchone()
        per_month = Counter(
            {
                (int(y), int(m)): n
                for y, m, n in db.execute(
                    "SELECT substr(lookup_date, 1, 4), substr(lookup_date, 6, 2), count(*)"
                    " FROM lookup_log GROUP BY 1, 2"
                )
            }
        )
        (pages,) = db.execute("SELECT sum(pages) FROM lookup_log").fetchone()
    assert business == logged
    published = Counter[tuple[int, int]]()
    for r in rows:
        published[(int(r["year"]), int(r["month"]))] += int(r["lookups"])
    assert published == per_month
    assert sum(int(r["pages"]) for r in rows) == pages
    # The log continues into 2018, month by month.
    assert {m for (y, m) in published if y == 2018} == set(range(1, 13))


def test_catalogue_publishes_exactly_the_open_records(sample_run: SourceRun) -> None:
    rows = sample_run.rows("catalogue")
    with _sample_db() as db:
        open_nos = {
            n
            for (n,) in db.execute(
                "SELECT archive_no FROM archive_catalogue WHERE open_status='开放'"
            )
        }
        closed = db.execute("SELECT count(*) FROM archive_catalogue WHERE open_status<>'开放'")
        (closed_count,) = closed.fetchone()
    assert {r["archive_no"] for r in rows} == open_nos
    assert closed_count > 0  # the sample does hold records that must stay unpublished
    assert {r["open_status"] for r in rows} == {"开放"}
    assert {r["retention_period"] for r in rows} == {"永久", "30年", "10年"}


def test_planted_personal_data_and_closed_records_never_published(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin", plant=True)
    db = sqlite3.connect(tmp_path / "origin" / "archive.sqlite")
    dump = "\n".join(db.iterdump())
    db.close()
    assert all(marker in dump for marker in MARKERS)
    run = run_source(ArchiveRoom, tmp_path / "out", config)
    assert run.ok, run.error
    assert_not_published(run, *MARKERS)
    # The planted look-ups are counted, anonymously: two more in 2018 than without them.
    plain = run_source(ArchiveRoom, tmp_path / "plain", write_origin(tmp_path / "p"))
    total = sum(int(r["lookups"]) for r in run.rows("lookups_monthly"))
    assert total == sum(int(r["lookups"]) for r in plain.rows("lookups_monthly")) + 2


def _database(path: Path, schema: str) -> dict[str, object]:
    db = sqlite3.connect(path)
    db.executescript(schema)
    db.close()
    return {"database_url": f"sqlite:///{path}"}


def test_missing_table_names_database_and_table(tmp_path: Path) -> None:
    path = tmp_path / "partial.sqlite"
    config = _database(
        path,
        "CREATE TABLE archive_catalogue (archive_no TEXT, fonds_no TEXT, category TEXT,"
        " year INTEGER, retention TEXT, title TEXT, responsible TEXT, pages INTEGER,"
        " open_status TEXT);",
    )
    run = run_source(ArchiveRoom, tmp_path / "out", config)
    assert run.status == "error"
    assert "SourceError" in (run.error or "")
    assert str(path) in (run.error or "") and "'lookup_log' is missing" in (run.error or "")


def test_missing_column_names_database_table_and_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    config = _database(
        path,
        "CREATE TABLE archive_catalogue (archive_no TEXT, title TEXT, year INTEGER);"
        "CREATE TABLE lookup_log (lookup_date DATE, requester_kind TEXT, purpose TEXT,"
        " pages INTEGER, fee NUMERIC);",
    )
    run = run_source(ArchiveRoom, tmp_path / "out", config)
    assert run.status == "error"
    message = run.error or ""
    assert str(path) in message and "'archive_catalogue'" in message
    assert "retention" in message and "open_status" in message


def test_database_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "from_env.sqlite"
    monkeypatch.setenv("OPENDATA_ARCHIVE_ROOM_DATABASE_URL", f"sqlite:///{path}")
    run = run_source(ArchiveRoom, tmp_path / "out")
    assert run.status == "error" and str(path) in (run.error or "")


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite"
    run = run_source(ArchiveRoom, tmp_path / "out", {"database_url": f"sqlite:///{path}"})
    assert run.status == "error" and str(path) in (run.error or "")
    assert not path.exists()


def test_bad_dates_and_unknown_labels(tmp_path: Path) -> None:
    schema = (
        "CREATE TABLE archive_catalogue (archive_no TEXT, fonds_no TEXT, category TEXT,"
        " year INTEGER, retention TEXT, title TEXT, responsible TEXT, pages INTEGER,"
        " open_status TEXT);"
        "CREATE TABLE lookup_log (lookup_date DATE, requester_kind TEXT, purpose TEXT,"
        " pages INTEGER, fee NUMERIC);"
        "INSERT INTO archive_catalogue VALUES ('0131-WS·2010-Y-BGS-0001', '0131', '文书档案',"
        " 2010, '永久', '关于政务公开工作的通知', '管委会办公室', 3, '开放');"
        "INSERT INTO lookup_log VALUES ('2018-03-05', '企业', '项目申报', 4, 0);"
        "INSERT INTO lookup_log VALUES ('2018-03-06', '外宾', '参观', 2, 0);"
    )
    config = _database(tmp_path / "a.sqlite", schema)
    run = run_source(ArchiveRoom, tmp_path / "out", config)
    assert run.ok, run.error
    rows = run.rows("lookups_monthly")
    assert [(r["requester_kind"], r["purpose"], r["lookups"]) for r in rows] == [
        ("企业", "项目申报", "1"),
        ("其他", "其他", "1"),
    ]
    assert any("requester_kind" in w and "1 look-up" in w for w in run.warnings), run.warnings

    bad = _database(
        tmp_path / "b.sqlite",
        schema + "INSERT INTO lookup_log VALUES ('3月5日', '企业', '项目申报', 1, 0);",
    )
    run = run_source(ArchiveRoom, tmp_path / "out2", bad)
    assert run.status == "error"
    assert "lookup_log" in (run.error or "") and "lookup_date" in (run.error or "")


PG_URL = os.environ.get(
    "OPENDATA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_copy_of_sample() -> Iterator[str]:
    """The sample's tables copied into a fresh PostgreSQL schema; yields its URL."""
    try:
        admin = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            schema = f"archive_{uuid.uuid4().hex[:10]}"
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    source = sa.create_engine(sample_database_url())
    target = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(source)
        copied = sa.MetaData()
        with source.connect() as read, target.begin() as write:
            for table in metadata.sorted_tables:
                table.to_metadata(copied).create(write)
                rows = [dict(r._mapping) for r in read.execute(sa.select(table))]
                write.execute(copied.tables[table.name].insert(), rows)
        yield url
    finally:
        source.dispose()
        target.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_same_figures_from_postgresql(
    postgres_copy_of_sample: str, sample_run: SourceRun, tmp_path: Path
) -> None:
    run = run_source(ArchiveRoom, tmp_path, {"database_url": postgres_copy_of_sample})
    assert run.ok, run.error
    # Same rows; the catalogue's order follows the database's collation, so compare sorted.
    assert run.rows("lookups_monthly") == sample_run.rows("lookups_monthly")
    by_no = sorted(run.rows("catalogue"), key=lambda r: r["archive_no"])
    assert by_no == sorted(sample_run.rows("catalogue"), key=lambda r: r["archive_no"])


def test_frictionless_agrees_the_package_is_valid(sample_run: SourceRun) -> None:
    report = frictionless.validate(str(sample_run.package_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
