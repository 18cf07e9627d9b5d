"""Reading the application register (依申请公开登记台账), a CSV export.

The register holds one application per line with the applicant's name, ID number, phone,
e-mail and address. Those columns are personal data: this reader never keeps them. It checks
and normalises only what the aggregates need, and reports every problem with the file, the line
and the column, so that the office can correct its register.

Every heading must be one the reader knows (:data:`REQUIRED` or :data:`NOT_READ`): a renamed
column would otherwise be left unread without a word, and the published counts would change
with it. A deployment declares further headings it means to leave unread in the source option
``ignored_columns``; they are skipped with a warning in the run report.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from opendata.plugin import SourceError

from .outcomes import map_outcome

# Register columns (as headed in the office's export).
COL_NUMBER = "申请编号"
COL_RECEIVED = "收到日期"
COL_CHANNEL = "申请方式"
COL_KIND = "申请人类型"
COL_EXTENDED = "是否延期"
COL_REPLIED = "答复日期"
COL_RESULT = "办理结果"
COL_CIRCUMSTANCE = "具体情形"
COL_FEE = "收费金额（元）"

REQUIRED = (
    COL_NUMBER,
    COL_RECEIVED,
    COL_CHANNEL,
    COL_KIND,
    COL_EXTENDED,
    COL_REPLIED,
    COL_RESULT,
    COL_CIRCUMSTANCE,
    COL_FEE,
)

#: Columns of the export the aggregates do not need (the applicant's personal data, the request
#: text, remarks): known, so never an error, and never read.
NOT_READ = (
    "申请人姓名或名称",
    "证件号码",
    "联系电话",
    "电子邮箱",
    "通信地址",
    "申请内容",
    "备注",
)

CHANNELS = ("当面", "信函", "传真", "网络")
APPLICANT_KINDS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")

_CHANNEL_SYNONYMS = {
    **{c: c for c in CHANNELS},
    "当面申请": "当面",
    "现场": "当面",
    "信函申请": "信函",
    "邮寄": "信函",
    "传真申请": "传真",
    "网上申请": "网络",
    "网络申请": "网络",
    "互联网": "网络",
    "电子邮件": "网络",
    "政府网站": "网络",
}
_KIND_SYNONYMS = {
    **{k: k for k in APPLICANT_KINDS},
    "公民": "自然人",
    "个人": "自然人",
    "企业": "商业企业",
    "其他组织": "其他",
}
_YES = {"是", "Y", "y", "1", "延期"}
_NO = {"", "否", "N", "n", "0"}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class Application:
    """What the aggregates need of one application; no personal data."""

    line: int
    received: dt.date
    channel: str
    applicant_kind: str
    extended: bool
    replied: dt.date | None
    #: A 2021-format outcome (see :mod:`.outcomes`), or None while the application is open.
    outcome: str | None
    fee: Decimal


def _check_header(
    path: Path, header: list[str], ignored: frozenset[str], warnings: list[str]
) -> None:
    """Raise naming a missing or unknown heading; warn for each declared-ignored one."""
    missing = [column for column in REQUIRED if column not in header]
    known = {*REQUIRED, *NOT_READ}
    unknown = [(i, h) for i, h in enumerate(header) if h and h not in known and h not in ignored]
    strangers = ", ".join(f"column {i + 1} {h!r}" for i, h in unknown)
    if missing:
        raise SourceError(
            f"register {path}: header lacks column(s) {', '.join(missing)} "
            f"(found {', '.join(header) or 'no header'}"
            + (f"; not known: {strangers}" if unknown else "")
            + ")"
        )
    if unknown:
        index, heading = unknown[0]
        raise SourceError(
            f"register {path}, line 1, column {index + 1}: heading {heading!r} is not a column "
            f"of the register (known: {', '.join(known)}); a renamed column would be left "
            "unread without a word. If the export carries it on purpose, list it in the "
            "source option ignored_columns"
        )
    for index, heading in enumerate(header):
        if heading in ignored and heading not in known:
            warnings.append(
                f"register {path.name}, line 1, column {index + 1}: {heading!r} not read "
                "(declared in ignored_columns)"
            )


def read_register(
    path: Path,
    encoding: str,
    *,
    ignored: frozenset[str] = frozenset(),
    warnings: list[str] | None = None,
) -> Iterator[Application]:
    """Applications of the register at ``path``, in file order."""
    if not path.is_file():
        raise SourceError(f"register {path}: file not found")
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.DictReader(handle)
            # A BOM left by a utf-8 (not utf-8-sig) reading would glue itself to the first name.
            header = [name.strip().lstrip("\ufeff") for name in reader.fieldnames or []]
            _check_header(path, header, ignored, [] if warnings is None else warnings)
            reader.fieldnames = header
            seen: dict[str, int] = {}
            for record in reader:
                line = reader.line_num
                if not any((value or "").strip() for value in record.values()):
                    continue  # blank line at the end of an export
                application = _parse(path, line, record)
                number = (record.get(COL_NUMBER) or "").strip()
                if number in seen:
                    raise SourceError(
                        f"register {path}, line {line}: {COL_NUMBER} {number!r} "
                        f"repeats line {seen[number]}"
                    )
                seen[number] = line
                yield application
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"register {path}: not readable as {encoding} at byte {exc.start}; "
            "set the source's encoding (e.g. gb18030)"
        ) from exc
    except csv.Error as exc:
        raise SourceError(f"register {path}: malformed CSV: {exc}") from exc


class _Record:
    """One register line: its trimmed cells, and errors naming file, line and column."""

    def __init__(self, path: Path, line: int, record: dict[str, str | None]) -> None:
        self.path = path
        self.line = line
        self.record = record

    def cell(self, column: str) -> str:
        return (self.record.get(column) or "").strip()

    def fail(self, column: str, problem: str) -> SourceError:
        return SourceError(f"register {self.path}, line {self.line}, column {column}: {problem}")


def _parse(path: Path, line: int, record: dict[str, str | None]) -> Application:
    rec = _Record(path, line, record)
    cell, fail = rec.cell, rec.fail
    number = cell(COL_NUMBER)
    if not number:
        raise fail(COL_NUMBER, "empty")
    received = parse_date(cell(COL_RECEIVED))
    if received is None:
        raise fail(COL_RECEIVED, f"not a date: {cell(COL_RECEIVED)!r}")
    channel = _CHANNEL_SYNONYMS.get(cell(COL_CHANNEL))
    if channel is None:
        raise fail(
            COL_CHANNEL, f"unknown channel {cell(COL_CHANNEL)!r} (expected one of {CHANNELS})"
        )
    kind = _KIND_SYNONYMS.get(cell(COL_KIND))
    if kind is None:
        raise fail(COL_KIND, f"unknown applicant kind {cell(COL_KIND)!r}")
    if cell(COL_EXTENDED) in _YES:
        extended = True
    elif cell(COL_EXTENDED) in _NO:
        extended = False
    else:
        raise fail(COL_EXTENDED, f"expected 是 or 否, not {cell(COL_EXTENDED)!r}")
    replied, outcome = _reply(rec, received)
    return Application(line, received, channel, kind, extended, replied, outcome, _fee(rec))


def _reply(rec: _Record, received: dt.date) -> tuple[dt.date | None, str | None]:
    """The reply date and the 2021-format outcome; both or neither."""
    cell, fail = rec.cell, rec.fail
    replied: dt.date | None = None
    if cell(COL_REPLIED):
        replied = parse_date(cell(COL_REPLIED))
        if replied is None:
            raise fail(COL_REPLIED, f"not a date: {cell(COL_REPLIED)!r}")
        if replied < received:
            raise fail(COL_REPLIED, f"reply {replied} precedes receipt {received}")
    outcome: str | None = None
    if cell(COL_RESULT):
        outcome = map_outcome(cell(COL_RESULT), cell(COL_CIRCUMSTANCE))
        if outcome is None:
            raise fail(
                COL_RESULT,
                f"unknown outcome {cell(COL_RESULT)!r} / {cell(COL_CIRCUMSTANCE)!r}",
            )
    if (replied is None) != (outcome is None):
        raise fail(COL_RESULT, f"{COL_REPLIED} and {COL_RESULT} must be both filled or both empty")
    return replied, outcome


def _fee(rec: _Record) -> Decimal:
    try:
        fee = Decimal(rec.cell(COL_FEE) or "0").quantize(Decimal("0.01"))
    except InvalidOperation:
        raise rec.fail(COL_FEE, f"not an amount: {rec.cell(COL_FEE)!r}") from None
    if fee < 0:
        raise rec.fail(COL_FEE, f"negative amount {fee}")
    return fee


def parse_date(text: str) -> dt.date | None:
    """A date as the office's ledgers write it (2018-03-05, 2018/3/5, 2018年3月5日), or None."""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
