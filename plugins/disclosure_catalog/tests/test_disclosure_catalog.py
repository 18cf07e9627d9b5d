"""Offline tests of the disclosure_catalog source through opendata.testing.

Figures asserted below are the founding 2018 report's (2790 publications, 302/521/963/1004 by
channel; 37 responses, 10/17/8 and the 2 the prose omits); they are computed here from the
published rows, never read back from the generator's targets.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from opendata_disclosure_catalog import DisclosureCatalog, vocab
from opendata_disclosure_catalog.samplegen import write_origin
from openpyxl import load_workbook

from opendata.plugin import SourceError, validate
from opendata.testing import SourceRun, assert_contract, assert_not_published, run_source

REPORT_CHANNELS_2018 = {"政务公开网": 302, "门户网站": 521, "微信公众号": 963, "other": 1004}
MARKERS = ("11010519491231002X", "13912345678", "王秘密", "绝密测试记录")
SAMPLE = resources.files("opendata_disclosure_catalog").joinpath("sample")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    """One run over the shipped sample origin (config {} → the packaged sample)."""
    return run_source(DisclosureCatalog, tmp_path_factory.mktemp("sample"))


def origin_rows(catalog_csv: Path) -> list[dict[str, str]]:
    """The origin export read independently of the plugin, with the standard csv module."""
    with catalog_csv.open(encoding="gb18030", newline="") as handle:
        return list(csv.DictReader(handle))


def channel_items(cell: str) -> list[str]:
    return [item for item in cell.split(";") if item]


def edit_catalog(config: dict[str, object], line: int, edit: Callable[[str], str]) -> None:
    """Rewrite one physical line of the origin CSV (1-based, the header is line 1)."""
    path = Path(str(config["catalog_csv"]))
    lines = path.read_bytes().decode("gb18030").splitlines(keepends=True)
    changed = edit(lines[line - 1])
    assert changed != lines[line - 1], "the edit must change the line"
    lines[line - 1] = changed
    path.write_bytes("".join(lines).encode("gb18030"))


def source_error(run: SourceRun) -> str:
    assert run.status == "error", run.status
    assert isinstance(run.exception, SourceError), run.error
    return str(run.exception)


# -- contract and schemas ---------------------------------------------------------------------


def test_contract() -> None:
    assert_contract(DisclosureCatalog)


def test_schemas_agree_with_reader_vocabularies() -> None:
    schemas = {
        spec.name: DisclosureCatalog.load_schema(spec) for spec in DisclosureCatalog.resources
    }

    def field(resource: str, name: str) -> dict[str, object]:
        return next(f for f in schemas[resource]["fields"] if f["name"] == name)

    assert field("publications", "channel")["constraints"]["enum"] == list(vocab.CHANNELS)
    assert field("responses", "method")["constraints"]["enum"] == list(vocab.RESPONSE_METHODS)
    assert field("entries", "validity")["constraints"]["enum"] == list(vocab.VALIDITY_VALUES)
    for resource in ("entries", "publications"):
        assert field(resource, "disclosure")["constraints"]["enum"] == list(vocab.DISCLOSURE_VALUES)
    assert (
        field("entries", "index_no")["constraints"]["pattern"]
        == field("publications", "index_no")["constraints"]["pattern"]
    )
    for schema in schemas.values():
        for f in schema["fields"]:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in f["title"]), f["name"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in f["description"]), f["name"]


@pytest.mark.parametrize(
    ("index_no", "valid"),
    [
        ("014416330/2018-04736", True),  # 9-character organisation code
        ("11220271MB1957344N/2018-00012", True),  # 18-character unified social credit code
        ("014416330/2018-10-00012", True),  # with a month
        ("01441633X/2018-00001", True),
        ("014416330/2018-13-00012", False),  # month 13
        ("14416330/2018-04736", False),  # 8 characters
        ("014416330/2018-4736", False),  # 4-digit serial
        ("014416330-2018-04736", False),
        ("014416330/18-04736", False),
        ("11220271MB1957344I/2018-00012", False),  # I is not in the credit-code alphabet
    ],
)
def test_index_number_pattern(index_no: str, valid: bool) -> None:
    schema = DisclosureCatalog.load_schema(DisclosureCatalog.resource("entries"))
    pattern = next(f for f in schema["fields"] if f["name"] == "index_no")["constraints"]["pattern"]
    import re

    assert bool(re.fullmatch(pattern, index_no)) is valid


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018-03-05", "2018-03-05"),
        ("2018/3/5", "2018-03-05"),
        ("2018年3月5日", "2018-03-05"),
        ("2018.03.05", "2018-03-05"),
        ("20180305", "2018-03-05"),
        ("2018-03-05 00:00:00", "2018-03-05"),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    parsed = vocab.parse_date(text)
    assert parsed is not None and parsed.isoformat() == iso


def test_parse_date_refuses_impossible_dates() -> None:
    with pytest.raises(ValueError):
        vocab.parse_date("2018-02-30")
    assert vocab.parse_date("  ") is None


# -- the shipped sample -------------------------------------------------------------------------


def test_sample_reproduces_the_2018_publication_figures(sample_run: SourceRun) -> None:
    assert sample_run.ok, sample_run.error
    publications = sample_run.rows("publications")
    in_2018 = [p for p in publications if p["published"].startswith("2018-")]
    by_channel = Counter(p["channel"] for p in in_2018)
    named = ("政务公开网", "门户网站", "微信公众号")
    figures = {c: by_channel[c] for c in named}
    figures["other"] = sum(n for c, n in by_channel.items() if c not in named)
    assert len(in_2018) == 2790
    assert figures == REPORT_CHANNELS_2018
    # Other years are there too, so the figure really depends on the date filter.
    assert len(publications) > len(in_2018)


def test_sample_reproduces_the_2018_response_figures(sample_run: SourceRun) -> None:
    responses = [r for r in sample_run.rows("responses") if r["date"].startswith("2018-")]
    by_method = Counter(r["method"] for r in responses)
    assert len(responses) == 37
    assert (by_method["政策解读稿件"], by_method["微博微信"], by_method["其他"]) == (10, 17, 8)
    # The two the report's prose omits: 37 - (10 + 17 + 8).
    assert by_method["新闻发布会"] + by_method["在线访谈"] == 2
    # Every policy interpretation points at a published catalogue entry.
    published = {e["index_no"] for e in sample_run.rows("entries")}
    for response in responses:
        if response["method"] == "政策解读稿件":
            assert response["related_index_no"] in published


def test_sample_publishes_only_proactive_entries_and_their_publications(
    sample_run: SourceRun,
) -> None:
    entries = sample_run.rows("entries")
    publications = sample_run.rows("publications")
    assert {e["disclosure"] for e in entries} == {"主动公开"}
    assert {p["disclosure"] for p in publications} == {"主动公开"}
    # The foreign key holds: every publication belongs to a published entry.
    assert {p["index_no"] for p in publications} <= {e["index_no"] for e in entries}

    origin = origin_rows(Path(str(SAMPLE.joinpath("catalog.csv"))))
    withheld = [row for row in origin if row["公开属性"] != "主动公开"]
    withheld_with_channels = [row for row in withheld if row["发布渠道"]]
    assert withheld_with_channels, "the sample must hold withheld entries that were posted"
    assert sum(sample_run.withheld["entries"].values()) == len(withheld)
    assert sum(sample_run.withheld["publications"].values()) == sum(
        len(channel_items(row["发布渠道"])) for row in withheld
    )
    published_pub_keys = {p["index_no"] for p in publications}
    assert not published_pub_keys & {row["索引号"] for row in withheld}
    assert len(entries) == len(origin) - len(withheld)


def test_private_fields_are_not_published(sample_run: SourceRun) -> None:
    entries = sample_run.rows("entries")
    responses = sample_run.rows("responses")
    assert not {"drafter", "drafter_phone", "internal_note"} & set(entries[0])
    assert not {"handler", "handler_phone", "petitioner", "petitioner_id"} & set(responses[0])
    descriptor = json.loads((sample_run.package_dir / "datapackage.json").read_text("utf-8"))
    names = {f["name"] for r in descriptor["resources"] for f in r["schema"]["fields"]}
    assert "drafter" not in names and "petitioner_id" not in names


def test_shipped_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    config = write_origin(tmp_path)
    assert (
        Path(str(config["catalog_csv"])).read_bytes() == SAMPLE.joinpath("catalog.csv").read_bytes()
    )

    def cells(path: object) -> list[tuple[object, ...]]:
        workbook = load_workbook(str(path), read_only=True)
        try:
            return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()

    assert cells(config["responses_xlsx"]) == cells(SAMPLE.joinpath("responses.xlsx"))


# -- privacy: planted markers -----------------------------------------------------------------


def _ledger_text(path: str) -> str:
    """Every cell of the ledger's first sheet, one per line."""
    workbook = load_workbook(path, read_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return "\n".join(str(v) for row in rows for v in row)
    finally:
        workbook.close()


def test_planted_markers_never_reach_a_published_byte(tmp_path: Path) -> None:
    config = write_origin(tmp_path / "origin", plant=True)
    origin_text = Path(str(config["catalog_csv"])).read_bytes().decode("gb18030")
    ledger_text = _ledger_text(str(config["responses_xlsx"]))
    for marker in MARKERS:  # the test is only meaningful if the origin holds every marker
        assert marker in origin_text, marker
    for marker in MARKERS[:3]:
        assert marker in ledger_text, marker

    run = run_source(DisclosureCatalog, tmp_path / "out", config)
    assert run.ok, run.error
    assert any(p.name == "publications.csv" for p in run.published_files())
    assert_not_published(run, *MARKERS)
    # Planting added withheld records but changed none of the 2018 figures.
    in_2018 = [p for p in run.rows("publications") if p["published"].startswith("2018-")]
    assert len(in_2018) == 2790
    planted = [
        r for r in origin_rows(Path(str(config["catalog_csv"]))) if "绝密测试记录" in r["信息名称"]
    ]
    assert {r["公开属性"] for r in planted} == {"依申请公开", "不予公开"}
    assert all(r["发布渠道"] for r in planted)


# -- bad origin input ---------------------------------------------------------------------------


@pytest.fixture
def origin(tmp_path: Path) -> dict[str, object]:
    return write_origin(tmp_path / "origin")


@pytest.mark.parametrize(
    ("line", "edit", "expected"),
    [
        (7, lambda s: s.replace("/20", "/", 1), "索引号"),
        (9, lambda s: s.replace("主动公开,", "主动公开,电视台;", 1), "发布渠道 '电视台'"),
        (11, lambda s: s.replace(",2017-01-", ",2017-13-", 1), "is not a date"),
        (
            12,
            lambda s: s.replace(",主动公开,", ",主动公开,门户网站;门户网站;", 1),
            "门户网站 twice",
        ),
    ],
)
def test_bad_catalogue_line_names_the_line(
    origin: dict[str, object],
    tmp_path: Path,
    line: int,
    edit: Callable[[str], str],
    expected: str,
) -> None:
    edit_catalog(origin, line, edit)
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert f"catalog.csv: line {line}:" in message
    assert expected in message


def test_duplicate_index_number_names_both_lines(origin: dict[str, object], tmp_path: Path) -> None:
    path = Path(str(origin["catalog_csv"]))
    lines = path.read_bytes().decode("gb18030").splitlines(keepends=True)
    first = lines[2].split(",", 1)[0]
    lines[5] = first + "," + lines[5].split(",", 1)[1]
    path.write_bytes("".join(lines).encode("gb18030"))
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert f"line 6: 索引号 {first} repeats line 3" in message


def test_missing_column_is_named(origin: dict[str, object], tmp_path: Path) -> None:
    edit_catalog(origin, 1, lambda s: s.replace("体裁分类", "文种"))
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "catalog.csv: line 1: missing column(s) 体裁分类" in message


def test_response_referring_to_a_withheld_entry_names_the_cell(
    origin: dict[str, object], tmp_path: Path
) -> None:
    withheld = next(
        r["索引号"]
        for r in origin_rows(Path(str(origin["catalog_csv"])))
        if r["公开属性"] != "主动公开"
    )
    workbook = load_workbook(str(origin["responses_xlsx"]))
    sheet = workbook.worksheets[0]
    sheet["G5"] = withheld
    workbook.save(str(origin["responses_xlsx"]))
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "sheet '回应解读台账', cell G5" in message
    assert "not 主动公开" in message


def test_unknown_response_method_names_the_cell(origin: dict[str, object], tmp_path: Path) -> None:
    workbook = load_workbook(str(origin["responses_xlsx"]))
    workbook.worksheets[0]["D9"] = "电视专访"
    workbook.save(str(origin["responses_xlsx"]))
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", origin))
    assert "cell D9: 回应方式 '电视专访'" in message


def test_missing_origin_file_is_a_source_error(tmp_path: Path) -> None:
    config = {"catalog_csv": str(tmp_path / "nowhere.csv")}
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", config))
    assert "nowhere.csv" in message


# -- encodings ----------------------------------------------------------------------------------


def ascii_first_catalogue(path: Path) -> tuple[str, str]:
    """A GB18030 export whose first 300 KB are ASCII: field-code headings, the summary column
    first, and a first record whose (English) summary is 300 KB long. Returns the Chinese
    title of that record and its 索引号."""
    rows = origin_rows(Path(str(SAMPLE.joinpath("catalog.csv"))))
    codes = {
        "内容概述": "NRGS",
        "索引号": "SYH",
        "信息名称": "XXMC",
        "生成日期": "SCRQ",
        "发布日期": "FBRQ",
        "发布机构": "FBJG",
        "文号": "WH",
        "主题分类": "ZTFL",
        "体裁分类": "TCFL",
        "有效性": "YXX",
        "公开属性": "GKSX",
        "发布渠道": "FBQD",
    }
    rows[0]["内容概述"] = "Guide for foreign investors in the Jilin ETDZ. " * 6600
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(codes.values())
    for row in rows:
        writer.writerow(row[heading] for heading in codes)
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    return rows[0]["信息名称"], rows[0]["索引号"]


def test_gb18030_file_with_300kb_of_ascii_first_is_read_correctly(tmp_path: Path) -> None:
    csv_path = tmp_path / "export.csv"
    title, index_no = ascii_first_catalogue(csv_path)
    raw = csv_path.read_bytes()
    first_non_ascii = next(i for i, byte in enumerate(raw) if byte > 0x7F)
    assert first_non_ascii > 300_000
    # The fixture really is the pitfall: frictionless's detection takes it for something else.
    from frictionless import Resource

    report = Resource(path=csv_path.name, basepath=str(tmp_path)).validate()
    assert "encoding-error" in {error.type for task in report.tasks for error in task.errors}

    run = run_source(DisclosureCatalog, tmp_path / "out", {"catalog_csv": str(csv_path)})
    assert run.ok, run.error
    entries = {e["index_no"]: e for e in run.rows("entries")}
    assert entries[index_no]["title"] == title
    assert len(entries[index_no]["summary"]) > 300_000


def test_wrong_declared_encoding_names_file_line_and_byte(tmp_path: Path) -> None:
    csv_path = tmp_path / "export.csv"
    ascii_first_catalogue(csv_path)
    raw = csv_path.read_bytes()
    first_non_ascii = next(i for i, byte in enumerate(raw) if byte > 0x7F)
    expected_line = raw[:first_non_ascii].count(b"\n") + 1
    config = {"catalog_csv": str(csv_path), "encoding": "utf-8"}
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", config))
    assert f"export.csv: line {expected_line}, byte {first_non_ascii}:" in message
    assert "utf-8" in message and "encoding" in message


def test_utf8_export_declared_as_gbk_is_refused_by_its_headings(
    origin: dict[str, object], tmp_path: Path
) -> None:
    path = Path(str(origin["catalog_csv"]))
    path.write_bytes(path.read_bytes().decode("gb18030").encode("utf-8"))
    config = dict(origin, encoding="gbk")
    message = source_error(run_source(DisclosureCatalog, tmp_path / "out", config))
    assert "catalog.csv" in message and "line 1" in message
    assert "encoding" in message


def test_utf8_export_with_bom_is_read_when_declared(
    origin: dict[str, object], tmp_path: Path
) -> None:
    path = Path(str(origin["catalog_csv"]))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().decode("gb18030").encode("utf-8"))
    run = run_source(DisclosureCatalog, tmp_path / "out", dict(origin, encoding="utf-8"))
    assert run.ok, run.error
    assert sum(1 for p in run.rows("publications") if p["published"].startswith("2018-")) == 2790


@pytest.mark.parametrize("encoding", ["utf-16", "no-such-codec"])
def test_config_refuses_unusable_encodings(encoding: str) -> None:
    with pytest.raises(validate.ValidationError):
        DisclosureCatalog.Config().load({"encoding": encoding})


def test_unknown_disclosure_attribute_is_withheld_with_a_warning(
    origin: dict[str, object], tmp_path: Path
) -> None:
    index_no = origin_rows(Path(str(origin["catalog_csv"])))[3]["索引号"]  # physical line 5
    edit_catalog(origin, 5, lambda s: s.replace(",主动公开,", ",待定,", 1))
    run = run_source(DisclosureCatalog, tmp_path / "out", origin)
    assert run.ok, run.error
    assert index_no not in {e["index_no"] for e in run.rows("entries")}
    assert index_no not in {p["index_no"] for p in run.rows("publications")}
    assert any("line 5" in w and "待定" in w and index_no in w for w in run.warnings)
