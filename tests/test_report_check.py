"""The annual-report checker: reading reports (text, HTML, DOCX), the rules, the command.

Test reports are written here from one table of values per format, in each input format, with
errors planted one rule at a time; each planted error must be found with its rule, table, row
and column, and a correct report must give no finding at all. The founding 2018 report is read
from ../shared/reference when it is there, and from the copy in tests/data/reports otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from opendata.cli import main
from opendata.report.check import check_file, compare
from opendata.report.extract import read_report
from opendata.report.formats import FORMATS, SHEET, TABLE2, TABLE3, TABLE4, format_for_year
from opendata.report.model import Cell, Number, Report, SourceRef
from opendata.report.rules import check

DATA = Path(__file__).parent / "data" / "reports"
FOUNDING = DATA / "2018-annual-report-jilin-etdz.txt"

Key = tuple[str, str, str]


# ------------------------------------------------------------------ a consistent report of 2021

T3 = {  # natural, business, research, charity, legal, other, total
    "1": (5, 2, 0, 0, 1, 0, 8),
    "2": (1, 0, 0, 0, 0, 0, 1),
    "3.1": (3, 1, 0, 0, 0, 0, 4),
    "3.2": (1, 0, 0, 0, 0, 0, 1),
    "3.3.4": (0, 1, 0, 0, 0, 0, 1),
    "3.4.1": (1, 0, 0, 0, 1, 0, 2),
    "3.7": (5, 2, 0, 0, 1, 0, 8),
    "4": (1, 0, 0, 0, 0, 0, 1),
}
T4 = (1, 0, 0, 1, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)
T2_2021 = {
    "20.1.rules": (0, 0, 0),
    "20.1.normative": (3, 1, 12),
    "20.5.licensing": (120,),
    "20.6.penalty": (5,),
    "20.6.enforcement": (0,),
    "20.8.fees": (Decimal("1.25"),),
}
T2_2019 = {
    "20.1.rules": (0, 0, 0),
    "20.1.normative": (2, 2, 10),
    "20.5.licensing": (40, 0, 100),
    "20.5.services": (10, 1, 30),
    "20.6.penalty": (8, 0, 4),
    "20.6.enforcement": (2, 0, 0),
    "20.8.fees": (3, -1),
    "20.9.procurement": (2, Decimal("35.5")),
}


@dataclass
class Spec:
    """What a test report states: cells, prose figures, date."""

    year: int = 2021
    cells: dict[Key, Number] = field(default_factory=dict)
    prose: dict[str, Number] = field(default_factory=dict)
    date: str = "2022年1月20日"

    @property
    def fmt(self) -> str:
        return format_for_year(self.year).id

    def value(self, table: str, row: str, col: str) -> Number:
        return self.cells.get((table, row, col), 0)


def good_spec(year: int = 2021) -> Spec:
    fmt = format_for_year(year)
    cells: dict[Key, Number] = {}
    t3 = fmt.tables[TABLE3]
    for row in t3.rows:
        for col, v in zip(t3.columns_of(row.code), T3.get(row.code, (0,) * 7), strict=True):
            cells[(TABLE3, row.code, col)] = v
    for col, v in zip(fmt.tables[TABLE4].columns_of("all"), T4, strict=True):
        cells[(TABLE4, "all", col.code if hasattr(col, "code") else col)] = v
    t2 = fmt.tables[TABLE2]
    for code, values in (T2_2021 if fmt.id == "2021" else T2_2019).items():
        for col, v in zip(t2.columns_of(code), values, strict=True):
            cells[(TABLE2, code, col)] = v
    prose: dict[str, Number] = {
        "received": 8,
        "carried_in": 1,
        "completed": 8,
        "carried_over": 1,
        "proactive": 1200,
        "portal": 1100,
        "wechat": 600,
        "weibo": 300,
        "responses": 12,
        "press": 2,
        "interview": 1,
        "reading": 5,
        "weibo_wechat": 3,
        "other_method": 1,
        "review": 2,
    }
    return Spec(year, cells, prose, f"{year + 1}年1月20日")


def prose_of(spec: Spec) -> list[str]:
    p = spec.prose
    return [
        f"{spec.year}年，本机关全年主动公开政府信息{p['proactive']}条，其中政府门户网站{p['portal']}条，"
        f"微信公众号{p['wechat']}条，政务微博{p['weibo']}条。",
        f"全年回应公众关注热点{p['responses']}次，其中新闻发布会{p['press']}次、在线访谈{p['interview']}次、"
        f"政策解读稿件{p['reading']}件、微博微信{p['weibo_wechat']}次、其他方式{p['other_method']}次。",
        f"本年新收政府信息公开申请{p['received']}件，上年结转{p['carried_in']}件，"
        f"办结{p['completed']}件，结转下年度继续办理{p['carried_over']}件。",
        f"全年发生政府信息公开行政复议{p['review']}件。",
    ]


def table_rows(spec: Spec) -> list[tuple[str, str, list[Number]]]:
    """(table, label, values) for every row of the format's tables, in order."""
    fmt = FORMATS[spec.fmt]
    out: list[tuple[str, str, list[Number]]] = []
    for code in (TABLE2, TABLE3):
        t = fmt.tables[code]
        for row in t.rows:
            out.append(
                (code, row.label, [spec.value(code, row.code, c) for c in t.columns_of(row.code)])
            )
    t4 = fmt.tables[TABLE4]
    out.append((TABLE4, "", [spec.value(TABLE4, "all", c.code) for c in t4.columns]))
    return out


HEADINGS = {
    TABLE2: "二、主动公开政府信息情况",
    TABLE3: "三、收到和处理政府信息公开申请情况",
    TABLE4: "四、政府信息公开行政复议、行政诉讼情况",
}
TITLE = "{year}年政府信息公开工作年度报告"
BODY = "某某区人民政府办公室"


def write_text(spec: Spec, path: Path, *, full_width: bool = False) -> Path:
    lines = [TITLE.format(year=spec.year), "一、总体情况", *prose_of(spec)]
    current = ""
    for table, label, values in table_rows(spec):
        if table != current:
            lines.append(HEADINGS[table])
            current = table
            if table == TABLE3:
                lines.append("自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计")
        cells = [str(v) for v in values]
        if full_width:
            cells = [
                c.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")) + "件"
                for c in cells
            ]
        lines.append("  ".join([label, *cells]).strip())
    lines += ["五、存在的主要问题及改进情况", "无。", BODY, spec.date]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_html(spec: Spec, path: Path) -> Path:
    out = [f"<html><head><title>{TITLE.format(year=spec.year)}</title></head><body>"]
    out.append(f"<h1>{TITLE.format(year=spec.year)}</h1>")
    out += [f"<p>{escape(p)}</p>" for p in prose_of(spec)]
    current = ""
    fmt = FORMATS[spec.fmt]
    groups = {r.label: r.group for r in fmt.tables[TABLE3].rows}
    seen_groups: set[str] = set()
    for table, label, values in table_rows(spec):
        if table != current:
            if current:
                out.append("</table>")
            out.append(f"<h2>{HEADINGS[table]}</h2>\n<table>")
            current = table
        group = groups.get(label, "") if table == TABLE3 else ""
        lead = ""
        if group and group not in seen_groups:
            # The national layout: the heading of a group spans its rows.
            seen_groups.add(group)
            n = sum(1 for g in groups.values() if g == group)
            lead = f'<td rowspan="{n}">{escape(group)}</td>'
        nums = "".join(f"<td>{v}</td>" for v in values)
        out.append(f"<tr>{lead}<td>{escape(label)}</td>\n{nums}</tr>")
    out.append("</table>")
    out.append(f"<p>{BODY}</p>\n<p>{spec.date}</p></body></html>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def write_docx(spec: Spec, path: Path) -> Path:
    d = docx.Document()
    d.add_heading(TITLE.format(year=spec.year), level=1)
    for p in prose_of(spec):
        d.add_paragraph(p)
    by_table: dict[str, list[tuple[str, list[Number]]]] = {}
    for table, label, values in table_rows(spec):
        by_table.setdefault(table, []).append((label, values))
    for table, rows in by_table.items():
        d.add_heading(HEADINGS[table], level=2)
        width = max(len(v) for _, v in rows) + 1
        t = d.add_table(rows=0, cols=width)
        for label, values in rows:
            cells = t.add_row().cells
            cells[0].text = label
            for i, v in enumerate(values, start=1):
                cells[i].text = str(v)
    d.add_paragraph(BODY)
    d.add_paragraph(spec.date)
    d.save(str(path))
    return path


WRITERS: dict[str, Callable[[Spec, Path], Path]] = {
    "txt": write_text,
    "html": write_html,
    "docx": write_docx,
}


def findings_of(path: Path, previous: Path | None = None) -> set[tuple[str, str, str, str]]:
    result = check_file(path, previous=previous)
    return {(f.rule, f.table, f.row, f.column) for f in result.failed}


# ------------------------------------------------------------------ correct reports


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("year", [2021, 2020])
def test_correct_report_reads_every_cell_and_has_no_finding(
    tmp_path: Path, kind: str, year: int
) -> None:
    spec = good_spec(year)
    path = WRITERS[kind](spec, tmp_path / f"report.{kind}")
    report = read_report(path)
    assert (report.year, report.format_id) == (year, spec.fmt)
    assert report.date is not None and report.date.year == year + 1
    for (table, row, col), value in spec.cells.items():
        assert report.value(table, row, col) == value, (table, row, col)
    assert check(report) == []
    result = check_file(path)
    assert (result.failed, result.notes) == ([], [])


def test_full_width_digits_and_units_in_a_text_table(tmp_path: Path) -> None:
    spec = good_spec()
    report = read_report(write_text(spec, tmp_path / "r.txt", full_width=True))
    assert report.value(TABLE3, "1", "total") == 8
    assert report.value(TABLE2, "20.8.fees", "amount") == Decimal("1.25")
    assert check(report) == []


def test_shipped_text_report_reads_and_is_consistent() -> None:
    """A report laid out as offices paste it: full-width brackets, spaced labels, 件."""
    report = read_report(DATA / "2022-correct.txt")
    assert report.year == 2022 and report.format_id == "2021"
    assert report.value(TABLE3, "1", "natural") == 12
    assert report.value(TABLE3, "3.6.3", "total") == 1
    assert report.value(TABLE4, "all", "review.total") == 1
    assert check(report) == []


def test_rows_not_read_are_named_not_guessed(tmp_path: Path) -> None:
    """A row written with dashes is not read: the checker says so and judges nothing on it."""
    path = write_text(good_spec(), tmp_path / "r.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(n for n, t in enumerate(lines) if t.startswith("（二）部分公开"))
    lines[i] = "（二）部分公开  —  —  —  —  —  —  —"
    del lines[lines.index(HEADINGS[TABLE4]) + 1 :]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check_file(path)
    assert result.notes == [
        "三、收到和处理政府信息公开申请情况：未读到行 3.2"
        " (rows not read: their labels or number of figures differ from the format)",
        "四、政府信息公开行政复议、行政诉讼情况：未找到该表 (table not found; its rules were not applied)",
    ]
    # R2 now sums the outcomes it has (4 + 1 + 2 of 8): the missing 部分公开 shows as a gap.
    assert {(f.rule, f.row, f.column) for f in result.failed} == {
        ("R2", "3.7", "natural"),
        ("R2", "3.7", "total"),
    }
    out = CliRunner().invoke(main, ["report", "check", str(path)]).output
    assert "注意 (note): 三、收到和处理政府信息公开申请情况：未读到行 3.2" in out


def test_prose_phrases_state_the_right_cells(tmp_path: Path) -> None:
    """Sentences offices write: each figure bound to what it counts, none to the wrong cell."""
    path = write_text(good_spec(), tmp_path / "r.txt")
    extra = [
        "因政府信息公开申请行政复议2件，行政诉讼1件。",
        "现有行政事业性收费项目3项，全年收取费用12500元。",
        "全区30余人参加培训，信息发布类栏目在2个工作日内发布。",
    ]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2] + extra + lines[2:]) + "\n", encoding="utf-8")
    report = read_report(path)
    bound = {(f.value, f.unit): (f.table, f.row, f.column) for f in report.figures if f.line <= 5}
    assert bound == {
        (2, "件"): (TABLE4, "all", "review.total"),
        (1, "件"): (SHEET, "suit.total", "value"),
        (3, "项"): ("", "", ""),
        (Decimal("1.25"), "万元"): (TABLE2, "20.8.fees", "amount"),
        (30, "人（约）"): ("", "", ""),
        (2, "个"): ("", "", ""),
    }
    assert check(report) == []
    path.write_text(path.read_text(encoding="utf-8").replace("12500元", "12600元"), "utf-8")
    assert {(f.rule, f.row, f.line) for f in check(read_report(path))} == {("X2", "20.8.fees", 4)}


# ------------------------------------------------------------------ planted errors


def _plant_r1(s: Spec) -> None:
    s.cells[(TABLE3, "4", "natural")] = 2
    s.cells[(TABLE3, "4", "total")] = 2
    s.prose["carried_over"] = 2


def _plant_r2(s: Spec) -> None:
    s.cells[(TABLE3, "3.1", "natural")] = 4
    s.cells[(TABLE3, "3.1", "total")] = 5


def _plant_r3(s: Spec) -> None:
    s.cells[(TABLE3, "3.3.4", "total")] = 2


def _plant_r4(s: Spec) -> None:
    s.cells[(TABLE4, "all", "review.total")] = 3
    s.prose["review"] = 3


def _plant_x2(s: Spec) -> None:
    s.prose["received"] = 9


def _plant_x3(s: Spec) -> None:
    s.prose["other_method"] = 0


def _plant_x3_channels(s: Spec) -> None:
    s.prose["portal"] = 100
    s.prose["wechat"] = 50
    s.prose["weibo"] = 0


def _plant_d1(s: Spec) -> None:
    s.date = f"{s.year}年12月20日"


PLANTED: dict[str, tuple[Callable[[Spec], None], set[tuple[str, str, str, str]]]] = {
    # R1 breaks in the two columns changed; R3 of row 4 still holds.
    "R1": (_plant_r1, {("R1", TABLE3, "", "natural"), ("R1", TABLE3, "", "total")}),
    "R2": (_plant_r2, {("R2", TABLE3, "3.7", "natural"), ("R2", TABLE3, "3.7", "total")}),
    # A total cell is in a row and a column: R3 on its row, R2 on the 总计 column.
    "R3": (_plant_r3, {("R3", TABLE3, "3.3.4", "total"), ("R2", TABLE3, "3.7", "total")}),
    "R4": (_plant_r4, {("R4", TABLE4, "all", "review.total")}),
    "X2": (_plant_x2, {("X2", TABLE3, "1", "total")}),
    "X3": (_plant_x3, {("X3", SHEET, "response.total", "value")}),
    "X3-channels": (_plant_x3_channels, {("X3", SHEET, "proactive.total", "value")}),
    "D1": (_plant_d1, {("D1", "", "", "")}),
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_each_planted_error_is_found(tmp_path: Path, kind: str, planted: str) -> None:
    plant, expected = PLANTED[planted]
    spec = good_spec()
    plant(spec)
    path = WRITERS[kind](spec, tmp_path / f"report.{kind}")
    assert findings_of(path) == expected


def test_r1_finding_carries_the_numbers_and_the_line(tmp_path: Path) -> None:
    spec = good_spec()
    _plant_r1(spec)
    path = write_text(spec, tmp_path / "r.txt")
    (f,) = [f for f in check_file(path).failed if f.column == "total"]
    assert f.severity == "error"
    assert [v for _, v in f.numbers] == ["8", "1", "8", "2"]
    assert (f.expected, f.actual) == ("9", "10")
    text = path.read_text(encoding="utf-8").splitlines()
    assert "本年新收" in text[f.line - 1]  # the first line of the sum
    assert "不成立" in f.message and "fails" in f.message_en


def test_x2_finding_quotes_the_sentence(tmp_path: Path) -> None:
    spec = good_spec()
    _plant_x2(spec)
    path = write_html(spec, tmp_path / "r.html")
    (f,) = check_file(path).failed
    assert (f.expected, f.actual) == ("8", "9")
    assert "本年新收政府信息公开申请9件" in f.sentence
    assert "9件" in path.read_text(encoding="utf-8").splitlines()[f.line - 1]


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_x1_compares_carry_over_with_last_years_report(tmp_path: Path, kind: str) -> None:
    last = good_spec(2020)  # the 2019 trial format, whose 结转下年度 is (1, …, 1)
    this = good_spec(2021)
    prev_ok = WRITERS[kind](last, tmp_path / f"2020.{kind}")
    path = WRITERS[kind](this, tmp_path / f"2021.{kind}")
    assert findings_of(path, prev_ok) == set()
    last.cells[(TABLE3, "4", "natural")] = 2
    last.cells[(TABLE3, "4", "business")] = 1
    last.cells[(TABLE3, "4", "total")] = 3
    last.cells[(TABLE3, "3.7", "natural")] = 4  # keep last year itself consistent
    last.cells[(TABLE3, "3.1", "natural")] = 2
    last.cells[(TABLE3, "3.7", "business")] = 1
    last.cells[(TABLE3, "3.3.4", "business")] = 0
    last.cells[(TABLE3, "3.7", "total")] = 6
    last.cells[(TABLE3, "3.1", "total")] = 3
    last.cells[(TABLE3, "3.3.4", "total")] = 0
    last.prose.update(completed=6, carried_over=3)
    prev_bad = WRITERS[kind](last, tmp_path / f"2020b.{kind}")
    assert findings_of(prev_bad) == set()
    assert findings_of(path, prev_bad) == {
        ("X1", TABLE3, "2", "natural"),
        ("X1", TABLE3, "2", "business"),
        ("X1", TABLE3, "2", "total"),
    }


# ------------------------------------------------------------------ the founding report


def _founding() -> Path:
    shared = Path(__file__).resolve().parents[2] / "shared" / "reference" / FOUNDING.name
    return shared if shared.is_file() else FOUNDING


def test_founding_report_figures() -> None:
    report = read_report(_founding())
    assert (report.year, report.format_id, str(report.date)) == (2018, "pre-2019", "2018-01-02")
    sheet = {row: cols["value"].value for row, cols in report.tables[SHEET].items()}
    assert sheet == {
        "proactive.total": 2790,
        "proactive.gov_open_site": 302,
        "proactive.portal": 521,
        "proactive.wechat": 963,
        "proactive.other": 1004,
        "response.total": 37,
        "response.policy_reading": 10,
        "response.weibo_wechat": 17,
        "response.other": 8,
        "application.received": 2,
        "application.completed": 2,
        "review.total": 0,
        "suit.total": 0,
        "complaint.total": 0,
        "fees.amount": 0,
    }
    approx = [f for f in report.figures if "约" in f.unit]
    assert {(f.value, f.table) for f in approx} == {(140, ""), (30, "")}


def test_founding_report_findings_exactly() -> None:
    result = check_file(_founding(), include_passed=True)
    failed = [(f.rule, f.line, f.expected, f.actual) for f in result.failed]
    assert failed == [("D1", 58, "> 2018-12-31", "2018-01-02"), ("X3", 32, "37", "35")]
    x3 = result.failed[1]
    assert [v for _, v in x3.numbers] == ["37", "10", "17", "8"]
    assert x3.sentence == "2018年度回应公众热点和重大舆情37次。"
    assert x3.lines == (32,)
    held = [(f.rule, f.row, f.expected, f.actual) for f in result.findings if f.held]
    assert held == [("X3", "proactive.total", "2790", "2790")]
    assert [v for _, v in result.findings[-1].numbers] == ["2790", "302", "521", "963", "1004"]


def test_cli_on_the_founding_report() -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["report", "check", str(_founding()), "--verbose"])
    assert res.exit_code == 1  # D1 is an error
    out = res.output
    assert "第58行 D1 错误" in out
    assert "第32行 X3 警告" in out and "37" in out and "= 35" in out
    assert "「2018年度回应公众热点和重大舆情37次。」" in out
    assert "第21行 X3 通过" in out and "= 2790（成立）" in out
    assert out.rstrip().endswith("1 error(s), 1 warning(s)")
    res = runner.invoke(main, ["report", "check", str(_founding()), "--json"])
    data = json.loads(res.output)
    assert (data["errors"], data["warnings"]) == (1, 1)
    assert [f["rule"] for f in data["findings"]] == ["D1", "X3"]
    assert data["findings"][1]["numbers"][0] == {"label": "回应公众关注热点（次）", "value": "37"}


def test_cli_exit_zero_on_a_correct_report_and_clear_error_on_unreadable(tmp_path: Path) -> None:
    runner = CliRunner()
    path = write_docx(good_spec(), tmp_path / "r.docx")
    res = runner.invoke(main, ["report", "check", str(path)])
    assert res.exit_code == 0, res.output
    assert "0 error(s), 0 warning(s)" in res.output
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    res = runner.invoke(main, ["report", "check", str(bad)])
    assert res.exit_code == 1
    assert "not a readable DOCX document" in res.output and "Traceback" not in res.output
    old_word = tmp_path / "r.doc"
    old_word.write_bytes(b"\xd0\xcf\x11\xe0 binary")
    res = runner.invoke(main, ["report", "check", str(old_word)])
    assert res.exit_code == 1 and "save the report as DOCX, HTML or text" in res.output
    noyear = tmp_path / "n.txt"
    noyear.write_text("没有年份的文字。\n", encoding="utf-8")
    res = runner.invoke(main, ["report", "check", str(noyear)])
    assert res.exit_code == 1 and "--year" in res.output


def test_compare_with_published_data_flags_differing_cells(tmp_path: Path) -> None:
    document = read_report(write_text(good_spec(), tmp_path / "r.txt"))
    data = Report(2021, "2021", built_from={"disclosure_requests": "v1"})
    ref = SourceRef("disclosure_requests", "v1", "annual_summary", "year=2021")
    data.set(TABLE3, "1", "total", Cell(9, ref))
    data.set(TABLE3, "2", "total", Cell(1, ref))
    found = compare(document, data)
    assert [(f.rule, f.table, f.row, f.column, f.expected, f.actual) for f in found] == [
        ("A1", TABLE3, "1", "total", "9", "8")
    ]
    assert "disclosure_requests v1 annual_summary" in found[0].message


# ------------------------------------------------------------------ the generator's own layout


@pytest.mark.parametrize("kind", ["html", "docx"])
@pytest.mark.parametrize("year", [2021, 2020, 2018])
def test_generated_layout_reads_back_and_planted_error_found(
    tmp_path: Path, kind: str, year: int
) -> None:
    """What the generator renders (opendata.report.render) the checker reads cell for cell."""
    from datetime import date

    from opendata.report.render import render

    report = Report(year, format_for_year(year).id, date(year + 1, 1, 20), BODY)
    if year >= 2019:
        for (table, row, col), value in good_spec(year).cells.items():
            report.set(table, row, col, Cell(value))
    for row, value in (("response.total", 12), ("response.policy_reading", 12)):
        report.set(SHEET, row, "value", Cell(value))
    path = tmp_path / f"r.{kind}"
    path.write_bytes(render(report, kind))
    back = read_report(path)
    assert (back.year, back.format_id, back.date) == (year, report.format_id, report.date)
    for table, rows in report.tables.items():
        if table == SHEET and year >= 2019:
            continue  # the sheet is printed only for pre-2019 reports
        for row, cols in rows.items():
            for col, cell in cols.items():
                assert back.value(table, row, col) == cell.value, (table, row, col)
    assert check(back) == []
    planted = (TABLE3, "3.2", "natural") if year >= 2019 else (SHEET, "response.total", "value")
    report.set(*planted, Cell((report.value(*planted) or 0) + 1))
    path.write_bytes(render(report, kind))
    rules = {(f.rule, f.row, f.column) for f in check(read_report(path))}
    if year >= 2019:
        assert rules == {("R2", "3.7", "natural"), ("R3", "3.2", "total")}
    else:
        assert rules == {("X3", "response.total", "value")}


# ------------------------------------------------------------------ --against-data


def test_against_data_compares_with_the_published_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The founding report agrees with the sample data; a figure changed in it is flagged A1."""
    from opendata.config import load_config
    from opendata.pipeline.refresh import RunStatus, refresh
    from opendata.services import Services
    from opendata.testing import prepare_database

    db = f"sqlite:///{tmp_path / 'od.sqlite3'}"
    monkeypatch.setenv("OPENDATA_DATABASE_URL", db)
    monkeypatch.setenv("OPENDATA_DATASETS_PATH", str(tmp_path / "datasets"))
    monkeypatch.setenv("OPENDATA_INSTANCE_PATH", str(tmp_path))
    config = load_config()
    prepare_database(config["DATABASE_URL"])
    services = Services.from_config(config)
    try:
        for name in ("disclosure_requests", "disclosure_catalog"):
            result = refresh(services, name)
            assert result.status is RunStatus.PUBLISHED, f"{name}: {result.error}"
    finally:
        services.close()
    runner = CliRunner()
    res = runner.invoke(main, ["report", "check", str(_founding()), "--against-data", "--json"])
    data = json.loads(res.output)
    assert "disclosure_requests" in data["against"]
    assert [f["rule"] for f in data["findings"]] == ["D1", "X3"]
    changed = tmp_path / "changed.txt"
    text = _founding().read_text(encoding="utf-8")
    changed.write_text(text.replace("办结数2个", "办结数3个"), encoding="utf-8")
    res = runner.invoke(main, ["report", "check", str(changed), "--against-data", "--json"])
    a1 = [f for f in json.loads(res.output)["findings"] if f["rule"] == "A1"]
    assert [(f["table"], f["row"], f["expected"], f["actual"], f["line"]) for f in a1] == [
        (SHEET, "application.completed", "2", "3", 39)
    ]
    assert "办结数3个" in a1[0]["sentence"]
