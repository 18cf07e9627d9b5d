"""Turning one item's list summary and guide into the rows of the four resources.

Every read of the platform's JSON goes through :class:`Fields`, which names the request and the
key path when something is missing or has the wrong type, so that a run report says exactly
which response of the platform is wrong and where.

Every key of an item's list entry and guide must be one the reader knows (:data:`KNOWN_KEYS`):
an optional key the platform renames (serviceObject → serviceTarget) would otherwise publish
blanks without a word. A key the deployment lists in the source option ``ignored_keys`` is
skipped, with one warning per key in the run report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opendata.plugin import Row, SourceError
from opendata_service_hall.typemap import UnknownItemType, map_type

#: The keys of each object the reader maps, by key path (list positions as ``[]``); read or
#: deliberately unread (a list entry repeats the guide's name, type and department).
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "list entry": frozenset(
        ("itemCode", "itemName", "itemType", "deptName", "publicity", "updateTime")
    ),
    "data": frozenset(
        (
            "itemCode",
            "itemName",
            "itemType",
            "deptName",
            "publicity",
            "serviceObject",
            "handleType",
            "setBasis",
            "conditions",
            "resultName",
            "timeLimit",
            "fee",
            "place",
            "workTime",
            "consultPhone",
            "complainPhone",
            "onlineUrl",
            "visitTimes",
            "contact",
            "materials",
            "steps",
            "forms",
        )
    ),
    "data.timeLimit": frozenset(("legal", "promise", "unit")),
    "data.fee": frozenset(("charge", "basis", "standard")),
    "data.contact": frozenset(("name", "mobile")),
    "data.materials[]": frozenset(
        ("seq", "name", "form", "copies", "medium", "source", "required")
    ),
    "data.steps[]": frozenset(("seq", "name", "post", "timeLimit", "standard", "result")),
    "data.forms[]": frozenset(
        ("seq", "name", "blankUrl", "guideUrl", "sampleUrl", "sampleApplicant")
    ),
    "data.forms[].sampleApplicant": frozenset(("name", "idNumber", "mobile")),
}
_POSITION = re.compile(r"\[\d+\]")


@dataclass
class KeyCheck:
    """Holds every object to :data:`KNOWN_KEYS`; remembers the declared-ignored keys it met."""

    ignored: frozenset[str] = frozenset()
    skipped: set[str] = field(default_factory=set)

    def check(self, obj: Mapping[str, Any], where: str, path: str) -> None:
        known = KNOWN_KEYS.get(_POSITION.sub("[]", path))
        if known is None:
            return
        for key in obj:
            if key in known:
                continue
            if key in self.ignored:
                self.skipped.add(f"{_POSITION.sub('[]', path)}.{key}")
                continue
            raise SourceError(
                f"{where}: '{path}.{key}' is not a key the reader knows (known: "
                f"{', '.join(sorted(known))}); a renamed key would be left unread without a "
                "word. If the platform added it and it is not to be published, list it in the "
                "source option ignored_keys"
            )


class Fields:
    """Typed access to one JSON object of a response; errors name the request and key path."""

    def __init__(self, obj: Any, where: str, path: str, keys: KeyCheck | None = None) -> None:
        if not isinstance(obj, dict):
            raise SourceError(f"{where}: '{path}' is not an object")
        self.obj: dict[str, Any] = obj
        self.where = where
        self.path = path
        self.keys = keys
        if keys is not None:
            keys.check(obj, where, path)

    def _fail(self, key: str, what: str) -> SourceError:
        return SourceError(f"{self.where}: '{self.path}.{key}' {what}")

    def _get(self, key: str, optional: bool) -> Any:
        value = self.obj.get(key)
        if value is None or value == "":
            if optional:
                return None
            raise self._fail(key, "is missing")
        return value

    def text(self, key: str, *, optional: bool = False) -> str | None:
        """A string value, stripped; ``None`` only when ``optional`` and absent/empty."""
        value = self._get(key, optional)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, f"is not text ({value!r})")
        return value.strip()

    def req_text(self, key: str) -> str:
        """A string value that must be present."""
        value = self.text(key)
        assert value is not None  # text() raised otherwise
        return value

    def integer(self, key: str, *, optional: bool = False) -> int | None:
        """A whole number (JSON integer); booleans and fractions are refused."""
        value = self._get(key, optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"is not a whole number ({value!r})")
        return value

    def flag(self, key: str) -> bool:
        """A JSON boolean that must be present."""
        value = self.obj.get(key)
        if not isinstance(value, bool):
            raise self._fail(key, f"is not true/false ({value!r})")
        return value

    def child(self, key: str, *, optional: bool = False) -> Fields | None:
        """A nested object; ``None`` only when ``optional`` and absent."""
        value = self._get(key, optional)
        if value is None:
            return None
        return Fields(value, self.where, f"{self.path}.{key}", self.keys)

    def req_child(self, key: str) -> Fields:
        """A nested object that must be present."""
        value = self.child(key)
        assert value is not None
        return value

    def texts(self, key: str) -> list[str]:
        """A non-empty list of non-empty strings, each stripped."""
        value = self.obj.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self._fail(key, "is not a non-empty list of texts")
        return [v.strip() for v in value]

    def items(self, key: str) -> list[Fields]:
        """A list of objects (empty list allowed, absent is not)."""
        value = self.obj.get(key)
        if not isinstance(value, list):
            raise self._fail(key, "is not a list")
        return [
            Fields(obj, self.where, f"{self.path}.{key}[{n}]", self.keys)
            for n, obj in enumerate(value)
        ]


@dataclass
class ItemRows:
    """The rows one item contributes to each resource, and remarks for the run report."""

    item: Row
    materials: list[Row] = field(default_factory=list)
    steps: list[Row] = field(default_factory=list)
    forms: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _update_date(summary: Fields) -> dt.date:
    raw = summary.req_text("updateTime")
    try:
        return dt.datetime.strptime(raw[:10], "%Y-%m-%d").date()
    except ValueError as exc:
        raise SourceError(
            f"{summary.where}: '{summary.path}.updateTime' is not a date ({raw!r})"
        ) from exc


def _seq(obj: Fields, seen: set[int]) -> int:
    seq = obj.integer("seq")
    assert seq is not None
    if seq in seen:
        raise SourceError(f"{obj.where}: '{obj.path}.seq' {seq} repeats")
    seen.add(seq)
    return seq


def item_rows(
    summary_where: str,
    summary_obj: Mapping[str, Any],
    guide_where: str,
    guide_obj: Mapping[str, Any],
    overrides: Mapping[str, str],
    keys: KeyCheck | None = None,
) -> ItemRows:
    """Map one item (its list entry and its guide) to rows of items, materials, steps, forms.

    ``keys`` holds every object to the known keys (None: no check, for callers that map a
    hand-made guide).
    """
    summary = Fields(dict(summary_obj), summary_where, "list entry", keys)
    guide = Fields(dict(guide_obj), guide_where, "data", keys)
    out = ItemRows(item=_item(summary, guide, overrides))
    code = out.item["item_code"]
    statutory, promised = out.item["statutory_limit_days"], out.item["promised_limit_days"]
    if statutory is not None and promised is not None and promised > statutory:
        out.warnings.append(
            f"{guide_where}: 承诺时限 {promised} 个工作日超过法定时限 {statutory} 个工作日"
        )
    if out.item["fee_status"] == "收费" and not (
        out.item["fee_basis"] and out.item["fee_standard"]
    ):
        out.warnings.append(f"{guide_where}: 收费事项缺少收费依据或收费标准")
    out.materials = _materials(guide, code)
    out.steps = _steps(guide, code)
    step_days = sum(row["limit_days"] or 0 for row in out.steps)
    if promised is not None and step_days > promised:
        out.warnings.append(
            f"{guide_where}: 各环节时限合计 {step_days} 个工作日超过承诺时限 {promised} 个工作日"
        )
    out.forms = _forms(guide, code)
    return out


def _item_type(guide: Fields, overrides: Mapping[str, str]) -> tuple[str, str, str, str, str]:
    """Code, name, the platform's type, the current type and the mapping's note."""
    code = guide.req_text("itemCode")
    name = guide.req_text("itemName")
    platform_type = guide.req_text("itemType")
    try:
        current_type, note = map_type(code, name, platform_type, overrides)
    except UnknownItemType as exc:
        raise SourceError(f"{guide.where}: 'data.itemType' {exc} is not a known item type") from exc
    return code, name, platform_type, current_type, note


def _limits(guide: Fields) -> tuple[int | None, int | None]:
    """The statutory and promised time limits, in working days."""
    limits = guide.req_child("timeLimit")
    unit = limits.req_text("unit")
    if unit != "工作日":
        # Calendar days cannot be turned into working days without a start date; the
        # published fields promise working days, so refuse rather than guess.
        raise SourceError(f"{guide.where}: 'data.timeLimit.unit' is {unit!r}, expected 工作日")
    return limits.integer("legal", optional=True), limits.integer("promise")


def _item(summary: Fields, guide: Fields, overrides: Mapping[str, str]) -> Row:
    """The items row (the guide's fields read in the order the checks name them)."""
    code, name, platform_type, current_type, note = _item_type(guide, overrides)
    statutory, promised = _limits(guide)
    fee = guide.req_child("fee")
    contact = guide.child("contact", optional=True)
    basis = guide.texts("setBasis")
    return {
        "item_code": code,
        "item_name": name,
        "item_type_original": platform_type,
        "item_type": current_type,
        "type_mapping_note": note,
        "department": guide.req_text("deptName"),
        "service_object": guide.text("serviceObject", optional=True),
        "handle_type": guide.text("handleType", optional=True),
        "legal_basis": "；".join(basis),
        "conditions": guide.req_text("conditions"),
        "result_name": guide.text("resultName", optional=True),
        "statutory_limit_days": statutory,
        "promised_limit_days": promised,
        "fee_status": fee.req_text("charge"),
        "fee_basis": fee.text("basis", optional=True),
        "fee_standard": fee.text("standard", optional=True),
        "place": guide.req_text("place"),
        "hours": guide.req_text("workTime"),
        "consult_phone": guide.req_text("consultPhone"),
        "complaint_phone": guide.req_text("complainPhone"),
        "online_url": guide.text("onlineUrl", optional=True),
        "visits": guide.integer("visitTimes"),
        "disclosure": summary.req_text("publicity"),
        "updated": _update_date(summary),
        **_person(contact, handler_name="name", handler_mobile="mobile"),
    }


def _person(obj: Fields | None, **fields: str) -> Row:
    """Optional texts of an optional object (a contact, a sample applicant): field → key."""
    return {name: obj.text(key, optional=True) if obj else None for name, key in fields.items()}


def _materials(guide: Fields, code: str) -> list[Row]:
    seen: set[int] = set()
    return [
        {
            "item_code": code,
            "seq": _seq(material, seen),
            "material_name": material.req_text("name"),
            "original_or_copy": material.req_text("form"),
            "copies": material.integer("copies"),
            "medium": material.req_text("medium"),
            "source": material.text("source", optional=True),
            "required": material.flag("required"),
        }
        for material in guide.items("materials")
    ]


def _steps(guide: Fields, code: str) -> list[Row]:
    seen: set[int] = set()
    return [
        {
            "item_code": code,
            "seq": _seq(step, seen),
            "step_name": step.req_text("name"),
            "post": step.text("post", optional=True),
            "limit_days": step.integer("timeLimit", optional=True),
            "standard": step.text("standard", optional=True),
            "result": step.text("result", optional=True),
        }
        for step in guide.items("steps")
    ]


def _forms(guide: Fields, code: str) -> list[Row]:
    seen: set[int] = set()
    rows = []
    for form in guide.items("forms"):
        applicant = form.child("sampleApplicant", optional=True)  # read first, as checked first
        rows.append(
            {
                "item_code": code,
                "seq": _seq(form, seen),
                "form_name": form.req_text("name"),
                "blank_url": form.text("blankUrl", optional=True),
                "instructions_url": form.text("guideUrl", optional=True),
                "sample_url": form.text("sampleUrl", optional=True),
                **_person(
                    applicant,
                    sample_applicant_name="name",
                    sample_applicant_id_number="idNumber",
                    sample_applicant_mobile="mobile",
                ),
            }
        )
    return rows
