"""Personal-data detection by meaning: the detector table, the pre-filter, the policy's reports.

The table of written forms lives in ``opendata.personal_data_examples`` (shared with the
end-to-end canary); here every entry is checked alone and inside Chinese sentences, the
pre-filter's soundness is property-tested over generated written forms, and a small source shows
that a finding fails the run, names resource, row and field, and never quotes the value.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opendata.cli import main
from opendata.personal_data import (
    BANK_CARD,
    DETECTORS,
    EMAIL,
    KINDS,
    MOBILE,
    PASSPORT,
    PERMIT,
    RESIDENT_ID,
    RESIDENT_ID_15,
    credit_code_valid,
    find_personal_data,
    findings,
    id_number_valid,
    luhn_valid,
    may_hold_personal_data,
    may_hold_personal_text,
    resident_id_valid,
)
from opendata.personal_data_examples import EXAMPLES, NOT_PERSONAL
from opendata.pipeline.refresh import ErrorKind, RunStatus, refresh
from opendata.plugin import ResourceSpec, Row, Source, fields
from opendata.policy import ResourcePolicy, scan_descriptor
from opendata.testing import run_source

POSITIVE = [(kind, text) for kind, texts in EXAMPLES.items() for text in texts]
SENTENCES = [
    "申请人王某，{}，已登记。",
    "{}",
    "联系方式：{}；办理时限5个工作日。",
    "经核实（{}）后予以答复",
    "{}。",
]


def test_the_table_is_large_enough_and_covers_every_kind() -> None:
    assert len(POSITIVE) >= 60 and len(NOT_PERSONAL) >= 40
    assert set(EXAMPLES) == set(KINDS)
    assert {d.kind for d in DETECTORS} == set(KINDS)


@pytest.mark.parametrize(("kind", "text"), POSITIVE)
def test_every_written_form_is_found_alone_and_in_a_sentence(kind: str, text: str) -> None:
    for sentence in SENTENCES:
        embedded = sentence.format(text)
        assert find_personal_data(embedded, contact_allowed=False) == kind, embedded
        assert may_hold_personal_text(embedded), embedded


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_public_identifiers_dates_and_amounts_publish(text: str) -> None:
    for sentence in SENTENCES:
        embedded = sentence.format(text)
        assert find_personal_data(embedded, contact_allowed=False) is None, embedded


def test_a_public_contact_field_may_hold_phones_and_mailboxes_and_nothing_else() -> None:
    for kind, text in POSITIVE:
        found = find_personal_data(text, contact_allowed=True)
        if kind in (MOBILE, EMAIL):
            assert found is None, text
        else:
            assert found == kind, text


def test_all_digit_credit_code_reads_as_an_id_only_where_something_says_so() -> None:
    code = "121101190001010017"
    assert credit_code_valid(code) and id_number_valid(code)  # both readings hold
    assert find_personal_data(code, contact_allowed=False) is None
    assert find_personal_data(f"统一社会信用代码：{code}", contact_allowed=False) is None
    assert find_personal_data(f"身份证号码：{code}", contact_allowed=False) == RESIDENT_ID
    # A real ID that happens to pass the credit-code check too stays an ID...
    both = _id_that_is_also_a_credit_code(born_after=1950)
    assert find_personal_data(both, contact_allowed=False) == RESIDENT_ID
    # ...unless the field says what it holds, or the code heads an 索引号.
    assert find_personal_data(both, contact_allowed=False, context="uscc 统一社会信用代码") is None
    assert find_personal_data(f"{both}/2018-00012", contact_allowed=False) is None


def _id_that_is_also_a_credit_code(born_after: int) -> str:
    """An ID number (region 110101, a birth date after ``born_after``) that passes GB 32100."""
    rng = random.Random(11)
    while True:
        born = f"{rng.randint(born_after, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body = f"110101{born}{rng.randint(0, 999):03d}"
        for check in "0123456789X":
            if id_number_valid(body + check) and credit_code_valid(body + check):
                assert resident_id_valid(body + check)
                return body + check


def test_precise_checks() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert credit_code_valid("11220271MB19573444") and not credit_code_valid("11220271MB19573445")
    assert credit_code_valid("91220101MA0Y123458")
    assert not credit_code_valid("11220271MB1957344I")  # I is not in the alphabet
    assert resident_id_valid("11010519491231002X") and not resident_id_valid("110105194912310020")


def test_a_candidate_that_fails_its_check_does_not_hide_one_inside_it() -> None:
    # "3001 6222 0212 3456" is no card (Luhn); the card starts at its second group.
    assert find_personal_data("3001 6222 0212 3456 7890 128", contact_allowed=False) == BANK_CARD
    assert find_personal_data("2 220202199001010012", contact_allowed=False) == RESIDENT_ID


# -- the pre-filter --------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = [" ", "-", ".", "\u3000", "\u00a0", "－", "．"]


@st.composite
def written_forms(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, text): a value of some kind, written as people write it, inside other text."""
    kind, value = draw(st.sampled_from(_canonical()))
    groups = _groupings(kind, value)
    parts = draw(st.sampled_from(groups))
    sep = draw(st.sampled_from(SEPARATORS))
    number = sep.join(parts) if draw(st.booleans()) else "".join(parts)
    if kind == MOBILE and draw(st.booleans()):
        number = draw(st.sampled_from(["+86", "0086", "+86 ", "(+86)", "86-"])) + number
    if draw(st.booleans()):
        number = number.translate(FULL_WIDTH)
    if kind == EMAIL and draw(st.booleans()):
        number = number.replace("@", "＠")
    word = {PASSPORT: "护照号码", PERMIT: "港澳通行证"}.get(kind, "")
    # Text before may end in digits: a separator keeps them off the number, as people write.
    before = draw(st.text(alphabet="关于申请人王某的通知，。：（）0123456789年月日", max_size=12))
    before += draw(st.sampled_from([" ", "：", "，"])) if before[-1:].isdigit() else ""
    after = draw(st.text(alphabet="关于申请人王某的通知，。：（）年月日", max_size=12))
    return kind, f"{before}{word}{number}{after}"


def _canonical() -> list[tuple[str, str]]:
    return [
        (RESIDENT_ID, "11010519491231002X"),
        (RESIDENT_ID, "220202199001010012"),
        (RESIDENT_ID_15, "110105491231002"),
        (MOBILE, "13912345678"),
        (EMAIL, "wangmimi@example.com"),
        (PASSPORT, "E12345678"),
        (PASSPORT, "EA1234567"),
        (PERMIT, "C12345678"),
        (BANK_CARD, "6222021234567890128"),
        (BANK_CARD, "4367420012345673"),
    ]


def _groupings(kind: str, value: str) -> list[list[str]]:
    """The ways people split a number of ``kind`` into groups."""

    def cut(sizes: list[int]) -> list[str]:
        out, at = [], 0
        for size in sizes:
            out.append(value[at : at + size])
            at += size
        return out

    return {
        RESIDENT_ID: [cut([18]), cut([6, 8, 4]), cut([6, 4, 4, 4]), cut([4, 4, 4, 4, 2])],
        RESIDENT_ID_15: [cut([15])],
        MOBILE: [cut([11]), cut([3, 4, 4]), cut([3, 8])],
        BANK_CARD: [cut([len(value)]), cut([4, 4, 4, 4, len(value) - 16])],
    }.get(kind, [[value]])


@given(written_forms())
@settings(max_examples=400, deadline=None, derandomize=True)
def test_generated_written_forms_are_found_and_let_through(form: tuple[str, str]) -> None:
    kind, text = form
    # (the text around it may hold a number of its own: 13000000000 is a mobile)
    assert kind in {found.kind for found in findings(text)}, text
    assert may_hold_personal_text(text), text


ALPHABET = (
    "0123456789０１２３４５６７８９ -.\u3000\u00a0－．+()@＠Xx/,，年月号的关于护照通行证台胞证"
    "EGCLHMAＥＧＣＬ湾居民来往大陆passportＰ"
    "优引编途"  # their last UTF-8 byte is that of a full-width digit (E4 BC 98: 优)
)


@given(st.text(alphabet=ALPHABET, max_size=40))
@settings(max_examples=1500, deadline=None, derandomize=True)
@example("１３８\u3000００１３\u3000８０００")
@example("2 13800138000")
@example("护照E12345678")
@example("优138-00138000")
@example("+86138-00138000")
@example("220202-19900101-0012")
def test_pre_filter_never_rejects_what_the_detectors_find(text: str) -> None:
    """Over any text made of the written forms' characters, not only well-formed numbers."""
    if find_personal_data(text, contact_allowed=False) is not None:
        assert may_hold_personal_text(text), text


def test_pre_filter_clears_dates_amounts_and_index_numbers() -> None:
    """What every row of a catalogue holds must not send batches to the per-row scan."""
    rows = [
        f"014416330/20{i % 25:02d}-{i:07d},关于做好2018年度预算公开工作的通知,"
        f"2018-01-{1 + i % 28:02d},2018-02-0{1 + i % 9},吉经开管办发〔2015〕{i % 900}号,"
        f"{i * 37.5:.2f},11220100/2018-{i % 99999:05d},0131-WS·2017-Y-BGS-{i % 9999:04d}\n"
        for i in range(2000)
    ]
    assert not may_hold_personal_data("".join(rows).encode("utf-8"))
    # Nor office phones, the most common long number after dates: 010-…, 0431-…, (0432)….
    phones = [f"咨询电话：010-6{i:07d}，0431-8{i:07d}；（0432）6{i:07d}\n" for i in range(2000)]
    assert not may_hold_personal_data("".join(phones).encode("utf-8"))
    # ...while one planted full-width mobile in the same batch is let through.
    rows[1234] = rows[1234].replace("的通知", "的通知（１３８－００１３－８０００）")
    assert may_hold_personal_data("".join(rows).encode("utf-8"))


# -- the policy's reports ----------------------------------------------------------------------

SCHEMA = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer"},
        {"name": "title", "title": "信息名称", "type": "string"},
        {"name": "note", "title": "备注", "type": "string"},
        {"name": "phone", "title": "咨询电话", "type": "string", "publicContact": True},
    ],
    "primaryKey": ["id"],
}


class PlantedSource(Source):
    """Publishes ``rows`` rows; ``plant`` puts a text into a field of a row, ``describe`` into
    the package description."""

    name = "planted_source"
    title = "个人信息检测测试"
    description = "个人信息检测测试数据"
    publisher = "测试机关"
    license = "CC-BY-4.0"
    schedule = "0 3 * * *"
    resources = (ResourceSpec("entries", "条目", SCHEMA),)

    class Config(Source.Config):
        rows = fields.Integer(load_default=30)
        plant_row = fields.Integer(load_default=0)
        plant_field = fields.String(load_default="note")
        plant = fields.String(load_default="")

    def extract(self) -> Iterator[tuple[str, Row]]:
        for i in range(1, self.config["rows"] + 1):
            row: Row = {
                "id": i,
                "title": f"关于2018年度第{i}批事项的公告（吉经开管发〔2018〕{i}号）",
                "note": f"索引号11220100/2018-{i:05d}",
                "phone": "0432-62345678",
            }
            if i == self.config["plant_row"]:
                row[self.config["plant_field"]] = self.config["plant"]
            yield "entries", row


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (kind, texts[i % len(texts)])
        for i, (kind, texts) in enumerate((k, EXAMPLES[k]) for k in KINDS)
    ]
    + [(RESIDENT_ID, "申请人身份证号１１０１０５１９４９１２３１００２Ｘ")],
)
def test_violation_names_resource_row_and_field_and_never_the_value(
    tmp_path: Path, kind: str, text: str
) -> None:
    run = run_source(PlantedSource, tmp_path, {"plant_row": 7, "plant": f"备注：{text}"})
    assert run.status == "invalid"
    (error,) = run.report.errors
    # CSV row 8: the header is row 1, the 7th data row is row 8.
    assert (error.type, error.resource, error.row, error.field) == (
        "personal-data",
        "entries",
        8,
        "note",
    )
    assert error.note == kind and kind in error.message
    report = json.dumps(run.report.to_dict(), ensure_ascii=False)
    for needle in _spellings(text):
        assert needle not in report


def _spellings(text: str) -> set[str]:
    """The value as written and as the detectors read it, without separators too."""
    norm = unicodedata.normalize("NFKC", text)
    digits = "".join(ch for ch in norm if ch.isdigit())
    return {text, norm, digits} - {""}


def test_office_phones_publish_in_a_public_contact_field(tmp_path: Path) -> None:
    run = run_source(
        PlantedSource,
        tmp_path,
        {"plant_row": 3, "plant_field": "phone", "plant": "１３８－００１３－８０００"},
    )
    assert run.ok, run.report.to_dict()
    run = run_source(
        PlantedSource,
        tmp_path / "id",
        {"plant_row": 3, "plant_field": "phone", "plant": "11010519491231002X"},
    )
    assert [(e.row, e.field, e.note) for e in run.report.errors] == [(4, "phone", RESIDENT_ID)]


def test_built_in_public_identifiers_publish(tmp_path: Path) -> None:
    """A clean run of the planted source: 索引号, 文号, landlines and dates are no findings."""
    run = run_source(PlantedSource, tmp_path, {"rows": 300})
    assert run.ok, run.report.to_dict()


class DescribedSource(PlantedSource):
    name = "described_source"
    description = "咨询请联系王某，手机 138 0013 8000"
    resources = (
        ResourceSpec(
            "entries",
            "条目",
            {
                **SCHEMA,
                "fields": [
                    *SCHEMA["fields"][:2],
                    {
                        "name": "note",
                        "title": "备注",
                        "type": "string",
                        "description": "经办人护照号 E12345678",
                    },
                    SCHEMA["fields"][3],
                ],
            },
        ),
    )


def test_descriptor_texts_are_scanned(tmp_path: Path) -> None:
    run = run_source(DescribedSource, tmp_path, {"rows": 5})
    assert run.status == "invalid"
    found = {(e.resource, e.row, e.field, e.note) for e in run.report.errors}
    assert found == {
        ("", None, "description", MOBILE),
        ("entries", None, "schema.fields[note].description", PASSPORT),
    }
    report = json.dumps(run.report.to_dict(), ensure_ascii=False)
    assert "138 0013 8000" not in report and "E12345678" not in report


def test_scan_descriptor_reads_keywords_and_resource_texts() -> None:
    descriptor: dict[str, Any] = {
        "title": "公开目录",
        "keywords": ["预算", "wangmimi＠example.com"],
        "resources": [{"name": "r", "title": "条目", "description": "台胞证 12345678"}],
    }
    found = [(v.resource, v.field, v.kind) for v in scan_descriptor(descriptor)]
    assert found == [("", "keywords[1]", EMAIL), ("r", "description", PERMIT)]


def test_resource_policy_scans_only_published_cells_with_their_context() -> None:
    schema = {
        "fields": [
            {"name": "code", "title": "统一社会信用代码", "type": "string"},
            {"name": "who", "title": "经办人", "type": "string"},
        ]
    }
    policy = ResourcePolicy.from_schema("r", schema, None)
    both = _id_that_is_also_a_credit_code(born_after=1950)
    assert policy.scan([both, "王某"], 2) is None
    violation = policy.scan(["121101190001010017", f"王某 {both}"], 3)
    assert violation is not None and (violation.row, violation.field) == (3, "who")


def test_validate_reports_a_full_width_id_in_a_package_on_disk(tmp_path: Path) -> None:
    value = "１１０１０５１９４９１２３１００２Ｘ"
    (tmp_path / "data.csv").write_text(f"id,title\n1,普通标题\n2,申请人{value}\n", encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "title", "type": "string"}]}
    descriptor = {
        "name": "p",
        "title": "联系 13912345678",
        "resources": [{"name": "r", "path": "data.csv", "schema": schema}],
    }
    (tmp_path / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--json"])
    assert result.exit_code == 1
    errors = {
        (e["type"], e["resource"], e["row"], e["field"], e["note"])
        for e in json.loads(result.output)["errors"]
    }
    assert errors == {
        ("personal-data", "r", 3, "title", RESIDENT_ID),
        ("personal-data", "", None, "title", MOBILE),
    }
    assert value not in result.output and "13912345678" not in result.output


def test_validate_numbers_rows_across_its_batches(tmp_path: Path) -> None:
    lines = [f"{i},关于2018年度第{i}批事项的公告" for i in range(1, 4501)]
    lines[3099] = "3100,申请人护照 Ｅ１２３４５６７８"  # CSV row 3101: the header is row 1
    (tmp_path / "data.csv").write_text("id,title\n" + "\n".join(lines) + "\n", encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "title", "type": "string"}]}
    descriptor = {"name": "p", "resources": [{"name": "r", "path": "data.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--json"])
    errors = [(e["row"], e["field"], e["note"]) for e in json.loads(result.output)["errors"]]
    assert errors == [(3101, "title", PASSPORT)] and result.exit_code == 1


def test_a_refresh_with_personal_data_in_its_descriptor_fails_as_policy(make_services: Any) -> None:
    services = make_services(DescribedSource)
    result = refresh(services, "described_source")
    assert result.status is RunStatus.FAILED and result.error_kind is ErrorKind.POLICY
    assert services.catalog.current_version("described_source") is None  # nothing published
    run = services.catalog.run(result.run_id)
    stored = json.dumps(run, default=str, ensure_ascii=False)
    assert "138 0013 8000" not in stored and "13800138000" not in stored
    assert "E12345678" not in stored
    fields = {(e["resource"], e["field"]) for e in run["report"]["errors"]}
    assert fields == {("", "description"), ("entries", "schema.fields[note].description")}


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [("utf-8-sig", None), ("utf-8-sig", "utf-8"), ("gb18030", None), ("gb18030", "gb18030")],
)
def test_validate_scans_the_first_column_of_files_with_a_bom_or_another_encoding(
    tmp_path: Path, encoding: str, declared: str | None
) -> None:
    # Excel writes a BOM, and offices hand over GB18030; the scan must read what the validator
    # reads, or the first column (behind the BOM) or the whole file would go unscanned.
    rows = [f"关于{i}年度事项的公告第{i}号文件的说明" for i in range(1, 40)]
    rows[7] = "申请人 13912345678"
    text = "title,id\n" + "".join(f"{row},{i}\n" for i, row in enumerate(rows, 1))
    (tmp_path / "data.csv").write_bytes(text.encode(encoding))
    schema = {"fields": [{"name": "title", "type": "string"}, {"name": "id", "type": "integer"}]}
    resource: dict[str, Any] = {"name": "r", "path": "data.csv", "schema": schema}
    if declared:
        resource["encoding"] = declared
    descriptor = {"name": "p", "resources": [resource]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--json"])
    errors = {(e["type"], e["row"], e["field"]) for e in json.loads(result.output)["errors"]}
    assert ("personal-data", 9, "title") in errors, result.output
