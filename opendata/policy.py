"""The publication policy, applied by the core to every row of every source.

- rows whose 公开属性 (the resource's ``disclosure_field``) is not 主动公开 are withheld;
- fields a schema marks ``private`` are dropped before build;
- a checksum-valid resident ID number, a mainland mobile number or an e-mail address in a field
  that is not declared ``publicContact`` fails the run. ID numbers fail in every field: no office
  publishes one as its contact.

Violations name the resource, row and field, never the value: the report itself is published.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opendata.plugin import DISCLOSURE_PUBLIC
from opendata.validation.report import ValidationError

# Cheap pre-filter: every kind of personal data we look for has 11+ digits in a row or an "@".
# Most rows contain neither, so the precise patterns below run rarely.
_PREFILTER = re.compile(r"\d{11}|@")
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# The same pre-filter over UTF-8 bytes, in C: digits become "0", "@" stays, all else ".".
_DIGITS_AT = bytes(48 if 48 <= b <= 57 else 64 if b == 64 else 46 for b in range(256))


def may_hold_personal_data(data: bytes) -> bool:
    """False when ``data`` (CSV text) has neither 11 digits in a row nor an "@": the common case,
    decided at memory speed; True means "scan the rows"."""
    marked = data.translate(_DIGITS_AT)
    return b"00000000000" in marked or b"@" in marked


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(number: str) -> bool:
    """GB 11643-1999 checksum of an 18-character resident identity number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def find_personal_data(text: str, *, contact_allowed: bool) -> str | None:
    """The kind of personal data in ``text`` (``"resident ID number"`` …) or None."""
    if not _PREFILTER.search(text):
        return None
    for match in _ID_NUMBER.finditer(text):
        if id_number_valid(match.group(1)):
            return "resident ID number"
    if contact_allowed:
        return None
    if _MOBILE.search(text):
        return "mobile phone number"
    if _EMAIL.search(text):
        return "e-mail address"
    return None


@dataclass(frozen=True)
class Violation:
    resource: str
    row: int  # as in the published CSV: header is row 1
    field: str
    kind: str

    @property
    def message(self) -> str:
        return (
            f"resource {self.resource!r}, row {self.row}, field {self.field!r} "
            f"holds a {self.kind}; "
            'personal data may not be published. Mark the field "private" in the schema, mark it '
            '"publicContact" if it is an office\'s public phone or mailbox, or remove the data at '
            "the origin."
        )

    def to_error(self) -> ValidationError:
        """The finding as an entry of the validation report (which names, never quotes)."""
        return ValidationError(
            "personal-data", self.resource, self.message, self.row, self.field, self.kind
        )


@dataclass
class ResourcePolicy:
    """The policy for one resource, precomputed from its schema."""

    resource: str
    published_fields: list[str]
    dropped_fields: list[str]
    disclosure_field: str | None
    contact_fields: frozenset[str]
    withheld: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_schema(
        cls, resource: str, schema: Mapping[str, Any], disclosure_field: str | None
    ) -> ResourcePolicy:
        fields = schema.get("fields", [])
        return cls(
            resource=resource,
            published_fields=[f["name"] for f in fields if not f.get("private")],
            dropped_fields=[f["name"] for f in fields if f.get("private")],
            disclosure_field=disclosure_field,
            contact_fields=frozenset(f["name"] for f in fields if f.get("publicContact")),
        )

    def admit(self, row: Mapping[str, Any]) -> bool:
        """False (and counted) when the row's 公开属性 forbids publishing it."""
        if self.disclosure_field is None:
            return True
        value = row.get(self.disclosure_field)
        if value == DISCLOSURE_PUBLIC:
            return True
        self.withheld[str(value) if value not in (None, "") else "未标注公开属性"] += 1
        return False

    def scan_batch(self, rows: Sequence[Sequence[str]], first_row: int) -> list[Violation]:
        """Violations in consecutive rows, ``rows[0]`` being CSV row ``first_row``."""
        # One pre-filter over the whole batch: rows and cells are joined with separators that
        # no digit run or address can span, so a miss here means a miss in every cell.
        if not _PREFILTER.search("\x1e".join("\x1f".join(cells) for cells in rows)):
            return []
        found = []
        for offset, cells in enumerate(rows):
            violation = self.scan(cells, first_row + offset)
            if violation is not None:
                found.append(violation)
        return found

    def scan(self, cells: Sequence[str], row_number: int) -> Violation | None:
        """Check the serialised cells of one published row; the first violation or None."""
        # One pre-filter over the whole row keeps the common case to a single regex call.
        if not _PREFILTER.search("\x1f".join(cells)):
            return None
        for name, text in zip(self.published_fields, cells, strict=True):
            kind = find_personal_data(text, contact_allowed=name in self.contact_fields)
            if kind:
                return Violation(self.resource, row_number, name, kind)
        return None


def public_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema as published: private fields and keys/foreign keys that use them removed."""
    private = {f["name"] for f in schema.get("fields", []) if f.get("private")}
    out = dict(schema)
    out["fields"] = [dict(f) for f in schema.get("fields", []) if f["name"] not in private]
    pk = schema.get("primaryKey")
    if pk:
        keys = [pk] if isinstance(pk, str) else list(pk)
        if private & set(keys):
            raise ValueError(f"primary key {keys} uses a private field; keys are published")
    out["foreignKeys"] = [
        fk
        for fk in schema.get("foreignKeys", [])
        if not private & set([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"])
    ]
    if not out["foreignKeys"]:
        out.pop("foreignKeys")
    return out
