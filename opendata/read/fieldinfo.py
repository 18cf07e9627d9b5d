"""What a Table Schema field is to a reader: its label, its unit, how its values are shown.

Units are part of the Chinese field titles (``金额（万元）``, ``收费金额（元）``), as in the
published tables themselves; the portal and the XLSX writer read them from there rather than
from a parallel property, so a title and its unit can never disagree. The same rules serve the
portal (right-aligned numbers with separators, 是/否) and the XLSX number formats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: A unit in full-width or ASCII brackets at the end of a title: ``金额（万元）`` → ``万元``.
_UNIT = re.compile(r"\s*[（(]([^（）()]{1,12})[）)]\s*$")
NUMERIC = ("integer", "number")
#: Titles of shares (0–1): shown and formatted as percentages.
_SHARE = re.compile(r"(率|比例|占比)$")
MONEY_UNITS = ("元", "万元", "亿元", "千元")


def split_title(title: str | None) -> tuple[str, str]:
    """``("金额", "万元")`` for ``金额（万元）``; ``(title, "")`` when there is no unit."""
    text = (title or "").strip()
    found = _UNIT.search(text)
    if not found:
        return text, ""
    return text[: found.start()], found.group(1).strip()


def unit(field: Mapping[str, Any]) -> str:
    return split_title(field.get("title"))[1]


def is_share(field: Mapping[str, Any]) -> bool:
    """A number between 0 and 1 whose title says it is a rate (按期办结率)."""
    if field.get("type") != "number":
        return False
    maximum = (field.get("constraints") or {}).get("maximum")
    title = split_title(field.get("title"))[0]
    return maximum == 1 and bool(_SHARE.search(title))


def kind(field: Mapping[str, Any]) -> str:
    """One of ``percent money integer number date datetime boolean text``."""
    ftype = field.get("type") or "string"
    if ftype == "number":
        if is_share(field):
            return "percent"
        return "money" if unit(field) in MONEY_UNITS else "number"
    if ftype in ("integer", "date", "datetime", "boolean"):
        return str(ftype)
    return "text"


#: Excel number formats per kind (others: Excel's General, or set by the value's type).
#: Integers stay General: years, months and codes are integers, and 2,018 is not a year.
XLSX_FORMATS: dict[str, str] = {
    "percent": "0.00%",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}


def xlsx_format(field: Mapping[str, Any]) -> str | None:
    return XLSX_FORMATS.get(kind(field))
