"""Read the document system's CSV export of the 政府信息公开目录.

The export has one row per document; its 发布渠道 cell lists where the document appeared,
``政务公开网(2018-03-05);门户网站`` (a channel without a date appeared on the 发布日期).
The reader turns that into normalised :class:`Entry` objects carrying their
:class:`Publication` list.

The file's encoding is declared in config, never guessed: detection reads a buffer, and a
GB18030 file whose first few hundred KB are ASCII is taken for UTF-8 (see the project's
pitfalls). Bytes are decoded one physical line at a time so that a wrong declaration is
reported with the line and the byte offset. That is safe because every encoding this reader
accepts is ASCII-compatible: the byte 0x0A never occurs inside a multi-byte character of
GB18030, GBK or UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opendata.plugin import Row, SourceError

from .vocab import (
    CHANNEL_ALIASES,
    CHANNELS,
    DISCLOSURE_ALIASES,
    DISCLOSURE_VALUES,
    DOC_KIND_ALIASES,
    DOC_KINDS,
    NORMATIVE_KINDS,
    VALIDITY_VALUES,
    normalise,
    parse_date,
)

#: Column headings of the export, keyed by the field they feed. The second spelling is the
#: field code (pinyin initials) the document system writes when exporting "by field code".
COLUMNS: dict[str, tuple[str, str]] = {
    "index_no": ("索引号", "SYH"),
    "title": ("信息名称", "XXMC"),
    "summary": ("内容概述", "NRGS"),
    "created": ("生成日期", "SCRQ"),
    "published": ("发布日期", "FBRQ"),
    "publisher": ("发布机构", "FBJG"),
    "doc_number": ("文号", "WH"),
    "subject": ("主题分类", "ZTFL"),
    "genre": ("体裁分类", "TCFL"),
    "validity": ("有效性", "YXX"),
    "disclosure": ("公开属性", "GKSX"),
    "channels": ("发布渠道", "FBQD"),
    "drafter": ("拟稿人", "NGR"),
    "drafter_phone": ("联系电话", "LXDH"),
    "internal_note": ("内部备注", "NBBZ"),
    "doc_kind": ("文件类型", "WJLX"),
    "repealed_on": ("废止日期", "FZRQ"),
}

#: Columns an export may leave out (internal columns some exports do not carry; 文件类型 and
#: 废止日期, which exports before the annual report's Table 二 was kept did not have).
OPTIONAL_COLUMNS = frozenset(
    {"drafter", "drafter_phone", "internal_note", "doc_kind", "repealed_on"}
)

_CHANNEL_ITEM = re.compile(r"(?P<name>[^()（）]+?)\s*(?:[(（](?P<date>[^()（）]*)[)）])?")
_CHANNEL_SEPARATORS = re.compile(r"[;；、]")


@dataclass(frozen=True)
class Publication:
    """One appearance of a catalogue entry on one channel."""

    channel: str
    published: dt.date


@dataclass(frozen=True)
class Entry:
    """One 政府信息公开目录 entry as read from one line of the export."""

    line: int
    index_no: str
    title: str
    summary: str
    created: dt.date | None
    published: dt.date | None
    publisher: str
    doc_number: str
    subject: str
    genre: str
    validity: str | None
    disclosure: str | None
    drafter: str
    drafter_phone: str
    internal_note: str
    publications: tuple[Publication, ...]
    #: 文件类型 (规章, 行政规范性文件, 其他); None when the export has no such column.
    doc_kind: str | None = None
    repealed_on: dt.date | None = None

    def entry_row(self) -> Row:
        """The row of the ``entries`` resource."""
        return {
            "index_no": self.index_no,
            "title": self.title,
            "summary": self.summary or None,
            "created": self.created,
            "published": self.published,
            "publisher": self.publisher,
            "doc_number": self.doc_number or None,
            "subject": self.subject,
            "genre": self.genre,
            "validity": self.validity,
            "disclosure": self.disclosure,
            "drafter": self.drafter or None,
            "drafter_phone": self.drafter_phone or None,
            "internal_note": self.internal_note or None,
            "doc_kind": self.doc_kind,
            "repealed_on": self.repealed_on,
        }

    def publication_rows(self) -> Iterator[Row]:
        """Rows of the ``publications`` resource; they carry the entry's 公开属性 so that the
        core withholds them together with a withheld entry (their foreign key would dangle)."""
        for publication in self.publications:
            yield {
                "index_no": self.index_no,
                "channel": publication.channel,
                "published": publication.published,
                "disclosure": self.disclosure,
            }


def check_encoding(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a known, ASCII-compatible codec."""
    try:
        codecs.lookup(name)
    except LookupError as exc:
        raise ValueError(f"unknown encoding {name!r}") from exc
    probe = ',"\r\n;AZaz09'
    if probe.encode(name, errors="replace") != probe.encode("ascii"):
        raise ValueError(f"encoding {name!r} is not ASCII-compatible (UTF-16/32 are not read)")


def _decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """Yield the file's physical lines decoded, naming line and byte of undecodable input."""
    offset = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open the catalogue CSV: {exc.strerror}") from exc
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 4].hex(" ")
                raise SourceError(
                    f"{path}: line {lineno}, byte {offset + exc.start}: bytes {bad} are not "
                    f"valid {encoding}; check the declared encoding (config 'encoding')"
                ) from exc
            offset += len(raw)
            if lineno == 1:
                # A BOM would otherwise become part of the first heading.
                text = text.removeprefix("\ufeff")
            yield text


def _header_map(
    path: Path, header: list[str], ignored: frozenset[str], warnings: list[str]
) -> dict[str, int]:
    """Map each field to its column index; raise naming a missing or an unknown heading.

    A heading that is not one of :data:`COLUMNS` fails the run naming its column: a renamed
    column would otherwise be left unread without a word (a renamed 联系电话 is not even known
    to be private). Headings the deployment lists in ``ignored`` are skipped with a warning.
    """
    spelled = {s: fieldname for fieldname, spellings in COLUMNS.items() for s in spellings}
    found: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        heading = raw.strip()
        fieldname = spelled.get(heading)
        if not heading:
            continue  # a trailing separator: no name, nothing to map
        if heading in ignored:
            warnings.append(
                f"{path.name}: line 1, column {index + 1}: {heading!r} not read "
                "(declared in ignored_columns)"
            )
        elif fieldname is None:
            unknown.append((index, heading))
        elif fieldname in found:
            raise SourceError(
                f"{path}: line 1, column {index + 1}: {heading!r} repeats the column "
                f"{COLUMNS[fieldname][0]} (column {found[fieldname] + 1})"
            )
        else:
            found[fieldname] = index
    _check_header(path, header, found, unknown, spelled)
    return found


def _check_header(
    path: Path,
    header: list[str],
    found: dict[str, int],
    unknown: list[tuple[int, str]],
    spelled: dict[str, str],
) -> None:
    """Fail naming the missing columns (and the unknown ones), or the first unknown heading."""
    unexpected = ", ".join(f"column {i + 1} {h!r}" for i, h in unknown)
    missing = [s[0] for f, s in COLUMNS.items() if f not in found and f not in OPTIONAL_COLUMNS]
    if missing:
        raise SourceError(
            f"{path}: line 1: missing column(s) {', '.join(missing)} (found "
            f"{', '.join(h.strip() for h in header) or 'nothing'}"
            + (f"; not known: {unexpected}" if unknown else "")
            + "); if the headings look garbled, the declared encoding is wrong"
        )
    if unknown:
        index, heading = unknown[0]
        raise SourceError(
            f"{path}: line 1, column {index + 1}: heading {heading!r} is not a column of the "
            f"catalogue export (known: {', '.join(spelled)}); a renamed column would be read "
            "wrongly or not at all. If the export carries it on purpose and it is not to be "
            "published, list it in the source option ignored_columns"
        )


class _LineReader:
    """Parses the cells of one CSV record, naming the file and line in every error."""

    def __init__(self, path: Path, line: int, cells: dict[str, str]) -> None:
        self.path = path
        self.line = line
        self.cells = cells

    def fail(self, message: str) -> SourceError:
        return SourceError(f"{self.path}: line {self.line}: {message}")

    def text(self, fieldname: str) -> str:
        return self.cells.get(fieldname, "").strip()

    def required(self, fieldname: str) -> str:
        value = self.text(fieldname)
        if not value:
            raise self.fail(f"{COLUMNS[fieldname][0]} is empty")
        return value

    def date(self, fieldname: str) -> dt.date | None:
        try:
            return parse_date(self.text(fieldname))
        except ValueError:
            raise self.fail(
                f"{COLUMNS[fieldname][0]} {self.text(fieldname)!r} is not a date"
            ) from None

    def channels(self, default: dt.date | None) -> tuple[Publication, ...]:
        cell = self.text("channels")
        publications: list[Publication] = []
        seen: set[str] = set()
        for item in filter(None, (part.strip() for part in _CHANNEL_SEPARATORS.split(cell))):
            match = _CHANNEL_ITEM.fullmatch(item)
            channel = normalise(match["name"], CHANNELS, CHANNEL_ALIASES) if match else None
            if match is None or channel is None:
                raise self.fail(
                    f"发布渠道 {item!r} is not one of {', '.join(CHANNELS)} (optionally "
                    "followed by a date in brackets)"
                )
            if channel in seen:
                raise self.fail(f"发布渠道 lists {channel} twice")
            seen.add(channel)
            try:
                when = parse_date(match["date"] or "") or default
            except ValueError:
                raise self.fail(f"发布渠道 {item!r}: {match['date']!r} is not a date") from None
            if when is None:
                raise self.fail(f"发布渠道 {channel} has no date and 发布日期 is empty")
            publications.append(Publication(channel, when))
        return tuple(publications)


def read_catalog(
    path: Path,
    encoding: str,
    index_pattern: re.Pattern[str],
    warnings: list[str],
    ignored: frozenset[str] = frozenset(),
) -> Iterator[Entry]:
    """Yield the entries of the export at ``path``, one per CSV record, in file order.

    Raises :class:`SourceError` naming the file and line for anything that cannot be read
    faithfully: undecodable bytes, a missing column, a malformed 索引号 or date, an unknown
    channel, a duplicate 索引号. An unknown or empty 公开属性 is yielded as it is (the core
    withholds every value but 主动公开) and reported in ``warnings``.
    """
    reader = csv.reader(_decoded_lines(path, encoding), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(f"{path}: the catalogue CSV is empty") from None
    except csv.Error as exc:
        raise SourceError(f"{path}: line 1: {exc}") from exc
    columns = _header_map(path, header, ignored, warnings)
    seen: dict[str, int] = {}
    for line, record in _records(reader, path, len(header)):
        cells = _LineReader(path, line, {f: record[i] for f, i in columns.items()})
        index_no = _index_no(cells, index_pattern, seen)
        seen[index_no] = line
        raw_disclosure = cells.text("disclosure")
        disclosure = normalise(raw_disclosure, DISCLOSURE_VALUES, DISCLOSURE_ALIASES)
        if disclosure is None:
            warnings.append(
                f"{path.name}: line {line}: 公开属性 {raw_disclosure!r} is not one of "
                f"{', '.join(DISCLOSURE_VALUES)}; the entry {index_no} is withheld"
            )
        validity = _validity(cells)
        published = cells.date("published")
        doc_kind, repealed_on = _kind_and_repeal(cells, validity)
        yield Entry(
            line=line,
            index_no=index_no,
            title=cells.required("title"),
            summary=cells.text("summary"),
            created=cells.date("created"),
            published=published,
            publisher=cells.required("publisher"),
            doc_number=cells.text("doc_number"),
            subject=cells.required("subject"),
            genre=cells.required("genre"),
            validity=validity,
            disclosure=disclosure if disclosure is not None else (raw_disclosure or None),
            drafter=cells.text("drafter"),
            drafter_phone=cells.text("drafter_phone"),
            internal_note=cells.text("internal_note"),
            publications=cells.channels(published),
            doc_kind=doc_kind,
            repealed_on=repealed_on,
        )


def _records(reader: Any, path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each non-blank record after the header, ``width`` cells each."""
    while True:
        line = reader.line_num + 1  # the physical line where the next record starts
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{path}: line {line}: {exc}") from exc
        if not any(cell.strip() for cell in record):
            continue  # trailing blank lines of office exports
        if len(record) != width:
            raise SourceError(
                f"{path}: line {line}: {len(record)} cells where the header has {width}"
            )
        yield line, record


def _index_no(cells: _LineReader, pattern: re.Pattern[str], seen: Mapping[str, int]) -> str:
    index_no = cells.required("index_no")
    if not pattern.fullmatch(index_no):
        raise cells.fail(
            f"索引号 {index_no!r} does not follow the national pattern "
            "(organisation code/year-serial, e.g. 014416330/2018-04736)"
        )
    if index_no in seen:
        raise cells.fail(f"索引号 {index_no} repeats line {seen[index_no]}")
    return index_no


def _validity(cells: _LineReader) -> str | None:
    raw = cells.text("validity")
    validity = normalise(raw, VALIDITY_VALUES, {}) if raw else None
    if raw and validity is None:
        raise cells.fail(f"有效性 {raw!r} is not one of {', '.join(VALIDITY_VALUES)}")
    return validity


def _kind_and_repeal(cells: _LineReader, validity: str | None) -> tuple[str | None, dt.date | None]:
    """文件类型 and 废止日期, checked against 有效性: Table 二 counts repeals by that date."""
    raw_kind = cells.text("doc_kind")
    doc_kind = normalise(raw_kind, DOC_KINDS, DOC_KIND_ALIASES) if raw_kind else None
    if raw_kind and doc_kind is None:
        raise cells.fail(f"文件类型 {raw_kind!r} is not one of {', '.join(DOC_KINDS)}")
    repealed_on = cells.date("repealed_on")
    if repealed_on is not None and validity != "废止":
        raise cells.fail(f"废止日期 {repealed_on} given but 有效性 is {validity or 'empty'!s}")
    if repealed_on is None and validity == "废止" and doc_kind in NORMATIVE_KINDS:
        raise cells.fail(
            f"有效性 废止 but no 废止日期: the annual report counts a {doc_kind}'s repeal "
            "in the year of that date"
        )
    created = cells.date("created")
    if repealed_on is not None and created is not None and repealed_on < created:
        raise cells.fail(f"废止日期 {repealed_on} precedes 生成日期 {created}")
    return doc_kind, repealed_on
