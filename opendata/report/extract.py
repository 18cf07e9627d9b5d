"""Read an existing annual report (text, HTML or DOCX) into the report model.

The year comes from the statistical period the report states ("统计期限自2018年1月1日起…"), its
title ("2021年政府信息公开工作年度报告"), or else the year the text names most; the format is the
one that year requires. The date is the signature date at the end ("2018年1月2日", "二〇一九年一月
二日", "2019-01-02"). Tables are read by their row labels (``extract_tables``), figures in prose
with their sentence (``extract_prose``). A figure in prose that states a cell no table gives (all
of them, in a pre-2019 report) fills that cell, so the rules see what the prose states; a later
figure for the same cell is compared with it (X2).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from opendata.report.extract_prose import prose_figures
from opendata.report.extract_tables import TableReader, normalize, table_row
from opendata.report.formats import FORMATS, format_for_year
from opendata.report.lines import Line, text_lines
from opendata.report.model import Cell, Report


class ReportReadError(Exception):
    """A report that cannot be read: the message says what to do about it."""


_PERIOD = re.compile(r"(?:统计期限|统计时限|时间范围)[^0-9]{0,6}(\d{4})年")
_TITLE = re.compile(r"(\d{4})\s*年\s*(?:度)?[^。\n]{0,40}?年度报告")
_YEAR = re.compile(r"(\d{4})\s*年")
_DATE = re.compile(r"^\s*(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?\s*$")
# Binary formats that would decode as garbage text: refused with what to do instead.
_UNSUPPORTED = {".doc", ".wps", ".pdf", ".xls", ".xlsx", ".odt", ".rtf", ".zip"}
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}


def read_lines(path: Path) -> list[Line]:
    """The document's lines, by its suffix: .docx, .html/.htm, anything else as text."""
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        raise ReportReadError(
            f"{path.name}: {suffix} files cannot be read; save the report as DOCX, HTML or text"
        )
    try:
        if suffix == ".docx":
            from opendata.report.extract_docx import docx_lines

            return docx_lines(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportReadError(f"cannot read {path.name}: {exc.strerror}") from exc
    except Exception as exc:  # python-docx raises several kinds on a file that is not DOCX
        raise ReportReadError(f"{path.name} is not a readable DOCX document") from exc
    text = _decode(raw, path.name)
    if suffix in (".html", ".htm") or text.lstrip()[:1] == "<":
        from opendata.report.extract_html import html_lines

        return html_lines(text)
    return text_lines(text)


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportReadError(f"{name} is neither UTF-8 nor GB18030 text; save it as UTF-8")


def _cn_date(text: str) -> str:
    """二〇一九年一月十二日 → 2019年1月12日 (years digit by digit, month/day with 十)."""
    out = "".join(_CN_DIGITS.get(ch, ch) for ch in text)

    def tens(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        return str((int(a) if a else 1) * 10 + (int(b) if b else 0))

    return re.sub(r"(\d)?十(\d)?", tens, out)


def find_date(lines: list[Line]) -> tuple[date | None, int | None]:
    """The signature date: the last line (of the last ten) that is a date alone."""
    for line in reversed(lines[-10:]):
        m = _DATE.match(_cn_date(normalize(line.text)))
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), line.number
            except ValueError:
                return None, None
    return None, None


def find_year(lines: list[Line]) -> int | None:
    text = "\n".join(normalize(line.text) for line in lines)
    for pattern in (_PERIOD, _TITLE):
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    years = Counter(int(y) for y in _YEAR.findall(text) if 1990 < int(y) < 2100)
    return years.most_common(1)[0][0] if years else None


def _body(lines: list[Line], date_line: int | None) -> str:
    before = [line for line in lines if date_line and line.number < date_line]
    if before and len(before[-1].text) <= 40 and not re.search(r"\d", before[-1].text):
        return before[-1].text.strip()
    return ""


def build_report(
    lines: list[Line], *, year: int | None = None, format_id: str | None = None, name: str = ""
) -> Report:
    """The report model of a document's lines."""
    year = year or find_year(lines)
    if year is None:
        raise ReportReadError(
            f"{name or 'the report'}: no year found (no statistical period, title or year in the "
            "text); give it with --year"
        )
    fmt = FORMATS[format_id] if format_id else format_for_year(year)
    when, date_line = find_date(lines)
    report = Report(year, fmt.id, when, _body(lines, date_line), date_line=date_line)
    report.source_name = name
    reader = TableReader(report, fmt)
    prose: list[Line] = []
    for line in lines:
        row = table_row(line)
        if (row is None or not reader.feed(row)) and line.number != date_line:
            prose.append(line)
    report.figures = prose_figures(fmt, prose)
    for fig in report.figures:
        if fig.table and report.cell(fig.table, fig.row, fig.column) is None:
            report.set(fig.table, fig.row, fig.column, Cell(fig.value, line=fig.line))
    return report


def read_report(path: Path, *, year: int | None = None, format_id: str | None = None) -> Report:
    """Read the report at ``path`` (text, HTML or DOCX) into the model."""
    return build_report(read_lines(path), year=year, format_id=format_id, name=path.name)
