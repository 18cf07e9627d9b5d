"""The publication policy, applied by the core to every row of every source.

- rows whose 公开属性 (the resource's ``disclosure_field``) is not 主动公开 are withheld;
- fields a schema marks ``private`` are dropped before build;
- personal data (``opendata.personal_data``: ID, mobile and card numbers, e-mail addresses,
  passport and permit numbers, in any written form) in a published cell or in a text of the
  descriptor fails the run. Mobiles and e-mail addresses may stand in a field declared
  ``publicContact`` (an office's phone or mailbox); the other kinds nowhere.

Violations name the resource, row and field, never the value: the report itself is published.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opendata.personal_data import (
    RESIDENT_ID,
    find_personal_data,
    id_number_valid,
    may_hold_personal_data,
    may_hold_personal_text,
)
from opendata.plugin import DISCLOSURE_PUBLIC
from opendata.validation.report import ValidationError

__all__ = [
    "ResourcePolicy",
    "Violation",
    "find_personal_data",
    "id_number_valid",
    "may_hold_personal_data",
    "public_schema",
    "scan_descriptor",
]


_CREDIT_HINT = (
    " An all-digit 统一社会信用代码 that also reads as an ID number is taken for a code when its "
    "field's title says 统一社会信用代码."
)


@dataclass(frozen=True)
class Violation:
    resource: str  # "" for the package's own texts
    row: int | None  # as in the published CSV (header is row 1); None: a text of the descriptor
    field: str  # a field name, or where in the descriptor ("title", "schema.fields[x].title")
    kind: str

    @property
    def message(self) -> str:
        if self.row is None:
            where = f"resource {self.resource!r}, " if self.resource else "the package's "
            return (
                f"{where}descriptor text {self.field!r} holds a {self.kind}; personal data may "
                "not be published. Change the text in the source's metadata or schema."
            )
        return (
            f"resource {self.resource!r}, row {self.row}, field {self.field!r} "
            f"holds a {self.kind}; "
            'personal data may not be published. Mark the field "private" in the schema, mark it '
            '"publicContact" if it is an office\'s public phone or mailbox, or remove the data at '
            "the origin." + (_CREDIT_HINT if self.kind == RESIDENT_ID else "")
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
    #: What each field says of itself (name and title): it tells a credit code from an ID.
    contexts: dict[str, str] = field(default_factory=dict)

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
            contexts={f["name"]: f"{f['name']} {f.get('title') or ''}" for f in fields},
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
        """Violations in consecutive rows, ``rows[0]`` being CSV row ``first_row``.

        Build calls it for a batch whose bytes ``may_hold_personal_data`` did not clear; each
        row then gets the same pre-filter, and only the cells it does not clear are read."""
        found = []
        for offset, cells in enumerate(rows):
            violation = self.scan(cells, first_row + offset)
            if violation is not None:
                found.append(violation)
        return found

    def scan(self, cells: Sequence[str], row_number: int) -> Violation | None:
        """Check the serialised cells of one published row; the first violation or None."""
        # The cells are joined with a character no number, address or context word can span.
        if not may_hold_personal_text("\x1f".join(cells)):
            return None
        contacts, contexts = self.contact_fields, self.contexts
        for name, text in zip(self.published_fields, cells, strict=True):
            if not may_hold_personal_text(text):
                continue
            kind = find_personal_data(
                text, contact_allowed=name in contacts, context=contexts.get(name, name)
            )
            if kind:
                return Violation(self.resource, row_number, name, kind)
        return None


def _descriptor_texts(descriptor: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(resource, where, text) for every text a reader sees in a package descriptor."""
    for key in ("title", "description"):
        yield "", key, str(descriptor.get(key) or "")
    for i, word in enumerate(descriptor.get("keywords") or []):
        yield "", f"keywords[{i}]", str(word)
    for key in ("sources", "contributors"):
        for i, item in enumerate(descriptor.get(key) or []):
            if isinstance(item, Mapping):
                yield "", f"{key}[{i}].title", str(item.get("title") or "")
    for resource in descriptor.get("resources") or []:
        if isinstance(resource, Mapping):
            yield from _resource_texts(resource)


def _resource_texts(resource: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """The texts of one resource: its title and description, and those of its fields."""
    name = str(resource.get("name", ""))
    for key in ("title", "description"):
        yield name, key, str(resource.get(key) or "")
    schema = resource.get("schema")
    fields = schema.get("fields", []) if isinstance(schema, Mapping) else []
    for fld in fields:
        if not isinstance(fld, Mapping):
            continue
        for key in ("title", "description"):
            yield name, f"schema.fields[{fld.get('name')}].{key}", str(fld.get(key) or "")


def scan_descriptor(descriptor: Mapping[str, Any]) -> list[Violation]:
    """Personal data in the titles, descriptions and keywords of a package descriptor.

    No text of a descriptor is a public contact field: an office's phone belongs in the data."""
    found = []
    for resource, where, text in _descriptor_texts(descriptor):
        if text and may_hold_personal_text(text):
            kind = find_personal_data(text, contact_allowed=False, context=where)
            if kind:
                found.append(Violation(resource, None, where, kind))
    return found


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
