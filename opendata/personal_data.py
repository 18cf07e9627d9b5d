"""Personal data in text, found by what it means rather than how it is spelt.

One table (``DETECTORS``) says what is personal data: for each kind, a pattern over the text after
Unicode NFKC normalisation (full-width digits, letters, ``＠``, ``－``, ``．`` and the ideographic
space become their ASCII forms), a precise check of each match (checksums, region codes, dates,
Luhn), the words that must stand near it (passport and permit numbers are plain letter-and-digit
codes otherwise) or that rule it out, and whether a ``publicContact`` field may hold it (an
office's phone and mailbox, never an ID, passport, permit or card).

Separators are ignored where people write them, not anywhere: a mobile as 138 0013 8000,
138-0013-8000, 138.0013.8000 or 138-00138000, with or without +86/0086; an ID as 6-8-4 or in
fours; a card in fours. Allowing any separator between any two digits would make an 索引号
such as ``014416330/1998-0000001`` read as the mobile 19980000001.

What is not personal data and must publish: 统一社会信用代码 (an all-digit one may also pass the
ID checksum; see ``_credit_code_reading``), organisation codes, landlines with an area code,
索引号, 文号, dates, amounts.

``may_hold_personal_data`` is the pre-filter build runs over every batch of CSV bytes. It is sound
for the written forms above: ASCII and full-width digits, the separators ASCII space, hyphen and
full stop, no-break space, ideographic space, full-width hyphen and full stop, ``@`` and ``＠``,
and the context words. (NFKC also makes digits of circled, superscript and mathematical digits
and separators of typographic spaces; those are found when a batch is scanned for another reason
but do not make the pre-filter scan it.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

RESIDENT_ID = "resident ID number"
RESIDENT_ID_15 = "15-digit resident ID number"
MOBILE = "mobile phone number"
EMAIL = "e-mail address"
PASSPORT = "passport number"
PERMIT = "travel permit number"
BANK_CARD = "bank card number"

KINDS = (RESIDENT_ID, RESIDENT_ID_15, MOBILE, EMAIL, PASSPORT, PERMIT, BANK_CARD)

# Province-level codes of GB/T 2260, the first two digits of every resident ID number.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)

_NOT_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_AFTER = r"(?![0-9A-Za-z])"
_SEP = r"[ .\-]"  # after NFKC: U+3000, NBSP, － and ． are among these


def normalise(text: str) -> str:
    """The text as the detectors read it: NFKC (ASCII text is already in that form)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def digits_of(number: str) -> str:
    """The number without its separators (and upper-case, for an ID's check character X)."""
    return re.sub(_SEP, "", number).upper()


# -- precise checks ------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(number: str) -> bool:
    """GB 11643-1999 checksum of an 18-character resident identity number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _birth_date(number: str) -> date | None:
    """The birth date of an 18- or 15-digit ID number, when it is a real, past date."""
    if len(number) == 18:
        born = _real_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    else:  # first generation: YYMMDD of the 1900s
        born = _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return born if born is not None and date(1850, 1, 1) <= born <= date.today() else None


def resident_id_valid(number: str) -> bool:
    """An 18-character ID number: province, birth date and checksum all hold."""
    return (
        id_number_valid(number) and int(number[:2]) in PROVINCES and _birth_date(number) is not None
    )


def first_generation_id_valid(number: str) -> bool:
    """A 15-digit ID number (issued until 1999): a real province and a real birth date."""
    return len(number) == 15 and int(number[:2]) in PROVINCES and _birth_date(number) is not None


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 registration authority (first character) and the kinds each registers (second).
_CREDIT_KINDS = {
    "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "19",
    "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
}  # fmt: skip


def credit_code_valid(code: str) -> bool:
    """A 统一社会信用代码: authority and kind, alphabet and the GB 32100 check character."""
    code = code.upper()
    if len(code) != 18 or any(ch not in CREDIT_ALPHABET for ch in code):
        return False
    if code[1] not in _CREDIT_KINDS.get(code[0], ""):
        return False
    total = sum(CREDIT_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def luhn_valid(number: str) -> bool:
    """The Luhn (ISO/IEC 7812) check of a card number."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Words that say an all-digit 18-character code is a 统一社会信用代码 or an ID number.
_CREDIT_WORDS = re.compile(
    r"信用代码|社会信用|机构代码|组织代码|登记证|执照|索引号|USCC|credit", re.I
)
_ID_WORDS = re.compile(r"身份证|身份号|公民身份|证件|ID ?(?:No|号|number)", re.I)


def _credit_code_reading(number: str, text: str, start: int, end: int, context: str) -> bool:
    """Whether an 18-digit number that passes the ID checks is rather a 统一社会信用代码.

    About 1 in 31 real ID numbers also passes the GB 32100 check, and an all-digit credit code
    passes the ID checksum 1 time in 11, so the checksums alone cannot decide. Publishing an ID
    costs more than refusing a credit code (the run fails, names the field, and is fixed by
    titling the field 统一社会信用代码), so an ID reading wins unless something says otherwise:
    words near the number or in the field's title or name; a following ``/``, as in an 索引号
    (``121101190001010017/2018-00001``); or a birth date before 1910, which an 18-digit ID
    (issued from 1999) all but never carries while credit codes of 事业单位 commonly read as one
    (121101190001010017: region 110119, organisation 00010100…, "born" 1900-01-01).
    """
    if not credit_code_valid(number):
        return False
    near = text[max(0, start - 12) : end + 12]
    if _ID_WORDS.search(near) or _ID_WORDS.search(context):
        return False
    if _CREDIT_WORDS.search(near) or _CREDIT_WORDS.search(context):
        return True
    if text[end : end + 1] == "/":
        return True
    born = _birth_date(number)
    return born is not None and born.year < 1910


# -- the table -------------------------------------------------------------------------------------

Check = Callable[[str, str, int, int, str], bool]
"""(number without separators, normalised text, match start, match end, field context) → is it."""


def _is_resident_id(number: str, text: str, start: int, end: int, context: str) -> bool:
    return resident_id_valid(number) and not _credit_code_reading(number, text, start, end, context)


def _is_first_generation_id(number: str, text: str, start: int, end: int, context: str) -> bool:
    return first_generation_id_valid(number)


def _is_mobile(number: str, text: str, start: int, end: int, context: str) -> bool:
    return True  # the pattern is the whole rule: 1[3-9] and 11 digits


def _is_any(number: str, text: str, start: int, end: int, context: str) -> bool:
    return True


def _is_bank_card(number: str, text: str, start: int, end: int, context: str) -> bool:
    # An all-digit 18-character credit code passes Luhn one time in ten; its own check decides.
    return luhn_valid(number) and not (len(number) == 18 and credit_code_valid(number))


@dataclass(frozen=True)
class Detector:
    """One kind of personal data: a row of the table."""

    kind: str
    pattern: re.Pattern[str]  # over NFKC-normalised text
    check: Check
    contact_ok: bool  # a ``publicContact`` field may hold it (offices' phones and mailboxes)
    near: re.Pattern[str] | None = None  # a word that must stand within ``WINDOW`` characters
    unless_after: re.Pattern[str] | None = None  # a label just before it that rules it out


WINDOW = 16
LABEL = 6  # how far before a number its label (编号：, 注册号) stands

_PASSPORT_WORDS = re.compile(r"护照|[Pp]assport|PASSPORT|证件号")
_PERMIT_WORDS = re.compile(r"通行证|回乡证|台胞证|证件号")
_TAIWAN_WORDS = re.compile(r"台胞证|台湾居民来往大陆通行证")
_REGISTRATION_WORDS = re.compile(r"注册号|执照|税号|识别号|信用代码|机构代码")
_SERIAL_WORDS = re.compile(r"编号|单号|流水号|序号|文号|索引号|订单|批次")


def _p(body: str) -> re.Pattern[str]:
    """A number pattern (``~`` standing for a separator) not glued to letters or digits."""
    return re.compile(_NOT_BEFORE + body.replace("~", _SEP) + _NOT_AFTER, re.ASCII)


DETECTORS: tuple[Detector, ...] = (
    Detector(
        RESIDENT_ID,
        # 18 characters: plain, 6-8-4, 6-4-4-4 or in fours (4-4-4-4-2)
        _p(
            r"(?:[1-9]\d{16}|[1-9]\d{5}~\d{8}~\d{3}|[1-9]\d{5}(?:~\d{4}){2}~\d{3}"
            r"|[1-9]\d{3}(?:~\d{4}){3}~\d)[\dXx]"
        ),
        _is_resident_id,
        contact_ok=False,
    ),
    Detector(
        RESIDENT_ID_15,
        _p(r"[1-9]\d{14}"),  # written plain: it predates the grouped forms
        _is_first_generation_id,
        contact_ok=False,
        unless_after=_REGISTRATION_WORDS,
    ),
    Detector(
        MOBILE,
        re.compile(
            r"(?:(?<![0-9A-Za-z+])(?:\+|00)?86~?|\(\+?86\)~?|(?<![0-9A-Za-z]))"
            r"1[3-9]\d(?:\d{8}|~\d{4}~\d{4}|~\d{8})(?![0-9A-Za-z])(?!\.\d)".replace("~", _SEP),
            re.ASCII,
        ),
        _is_mobile,
        contact_ok=True,
    ),
    Detector(
        EMAIL,
        # Anchored on one character before the "@": a long run of letters without one costs
        # one step per character, not a backtrack over the run.
        re.compile(
            r"(?:[\w.%+\-]|[^\x00-\x7f]) ?@ ?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
            re.ASCII,
        ),
        _is_any,
        contact_ok=True,
    ),
    Detector(
        PASSPORT,
        # ordinary E/G + 8 digits, electronic E + letter + 7, service and diplomatic D/P/S + 7-8
        # (capitals, as printed on the document)
        _p(r"(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DPS]\d{7,8})"),
        _is_any,
        contact_ok=False,
        near=_PASSPORT_WORDS,
    ),
    Detector(
        PERMIT,
        # 往来港澳通行证 C + 8 / C + letter + 7; 回乡证 H/M + 8 or 10; 往来台湾通行证 L + 8
        _p(r"(?:[CL]\d{8}|C[A-HJ-NP-Z]\d{7}|[HM](?:\d{10}|\d{8}))"),
        _is_any,
        contact_ok=False,
        near=_PERMIT_WORDS,
    ),
    Detector(
        PERMIT,
        _p(r"\d{8}"),  # 台胞证: eight bare digits, so only beside the permit's own name
        _is_any,
        contact_ok=False,
        near=_TAIWAN_WORDS,
    ),
    Detector(
        BANK_CARD,
        _p(r"[3-6]\d{3}(?:\d{12,15}|(?:~\d{4}){3}(?:~?\d{1,3})?)"),
        _is_bank_card,
        contact_ok=False,
        unless_after=_SERIAL_WORDS,
    ),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int  # in the normalised text
    end: int


def findings(text: str, *, contact_allowed: bool = False, context: str = "") -> Iterator[Finding]:
    """Every piece of personal data in ``text`` (positions in ``normalise(text)``).

    ``context`` is what the field says of itself (its name and title): it can tell a
    统一社会信用代码 from an ID number.
    """
    norm = normalise(text)
    for detector in DETECTORS:
        if contact_allowed and detector.contact_ok:
            continue
        if detector.near is not None and not detector.near.search(norm):
            continue  # the word it needs is nowhere in the text
        yield from _matches(detector, norm, context)


def _matches(detector: Detector, norm: str, context: str) -> Iterator[Finding]:
    """The detector's findings in ``norm``. A candidate that fails its check may hide another
    that starts inside it (3001 6222 0212 3456 7890 128 is no card from its first group, but is
    one from its second), so the search goes on from the next character, not past the match."""
    at = 0
    while (match := detector.pattern.search(norm, at)) is not None:
        start, end = match.span()
        if _stands(detector, norm, start, end) and detector.check(
            digits_of(match.group()), norm, start, end, context
        ):
            yield Finding(detector.kind, start, end)
            at = end
        else:
            at = start + 1


def _stands(detector: Detector, norm: str, start: int, end: int) -> bool:
    """The words around the match allow the detector's reading."""
    near = detector.near
    if near is not None and not near.search(norm, max(0, start - WINDOW), end + WINDOW):
        return False
    if detector.unless_after is not None:
        return not detector.unless_after.search(norm, max(0, start - LABEL), start)
    return True


def find_personal_data(text: str, *, contact_allowed: bool, context: str = "") -> str | None:
    """The kind of the first personal data in ``text`` (``"resident ID number"`` …) or None."""
    for found in findings(text, contact_allowed=contact_allowed, context=context):
        return found.kind
    return None


# -- the pre-filter ----------------------------------------------------------------------------

# Over UTF-8 bytes, in C. A digit (ASCII, or the last byte of a full-width one, EF BC 90-99)
# becomes "0"; a separator (ASCII space, "-", "."; the last byte of NBSP C2 A0, － EF BC 8D,
# ． EF BC 8E; the lead byte of U+3000 E3 80 80) becomes "-", the other bytes of those characters
# are deleted; a capital letter (ASCII, or the last byte of a full-width one, EF BC A1-BA)
# becomes "L"; all else ".". Other characters that share those bytes yield stray marks, which can
# only make the filter say "maybe" more often, never less: a CJK character's lead byte (E4-E9)
# is always ".", so no run of marks crosses one.
_MARK = bytearray(b"." * 256)
for _b in b"0123456789":
    _MARK[_b] = ord("0")
for _b in range(0x90, 0x9A):
    _MARK[_b] = ord("0")
for _b in b" -.":
    _MARK[_b] = ord("-")
for _b in (0x8D, 0x8E, 0xA0, 0xE3):
    _MARK[_b] = ord("-")
for _b in [*range(ord("A"), ord("Z") + 1), *range(0xA1, 0xBB)]:
    _MARK[_b] = ord("L")
_MARKS = bytes(_MARK)
_DELETE = bytes([0x80, 0xBC, 0xC2, 0xEF])

# Every shape a number of 11+ digits takes in the detectors, as marked bytes: an 11-digit run
# covers every plain form (and +86/0086 prefixes); 3-4-4 covers grouped mobiles and every form
# in fours (cards, 6-4-4-4 and 4-4-4-4-2 IDs); 3-8 the 138-00138000 mobile and 6-8-4 IDs, but a
# landline (0431-85001234) has that shape too, so a 3-8 is looked at more closely.
_SHAPES = (b"00000000000", b"000-0000-0000")
_THREE_EIGHT = b"000-00000000"
# The same marks, but ASCII digits stay themselves and full-width ones (the 90-99 bytes) are "F":
# aligned with the marks byte for byte, it tells a real digit before a 3-8 from the rest.
_DIGIT = bytearray(_MARKS)
for _b in range(0x90, 0x9A):
    _DIGIT[_b] = ord("F")
for _b in b"0123456789":
    _DIGIT[_b] = _b
_DIGITS = bytes(_DIGIT)
# Every passport and permit number but the 台胞证's has a capital and then 7 digits; only then
# are their words looked for. The 台胞证's eight bare digits need its name, which has a 台.
_DOCUMENT_SHAPE = b"L0000000"
_DOCUMENT_WORDS = tuple(
    w.encode()
    for w in [
        *("护照", "证件号", "通行证", "回乡证", "台胞证"),
        *("assport", "ASSPORT", "ａｓｓｐｏｒｔ", "ＡＳＳＰＯＲＴ"),
    ]
)
_TAIWAN = "台".encode()
_TAIWAN_NAMES = ("台胞证".encode(), "台湾居民来往大陆通行证".encode())
_FULL_WIDTH_AT = "＠".encode()


def may_hold_personal_data(data: bytes) -> bool:
    """False when ``data`` (UTF-8 text) cannot hold anything the detectors find: the common case,
    decided at memory speed; True means "scan the rows"."""
    if b"@" in data:
        return True
    marked = data.translate(_MARKS, _DELETE)
    if any(shape in marked for shape in _SHAPES):
        return True
    if _THREE_EIGHT in marked and _three_eight(data, marked):
        return True
    if _DOCUMENT_SHAPE in marked and any(word in data for word in _DOCUMENT_WORDS):
        return True
    if _FULL_WIDTH_AT in data:
        return True
    return _TAIWAN in data and any(name in data for name in _TAIWAN_NAMES)


def _three_eight(data: bytes, marked: bytes) -> bool:
    """Whether 3 digits, a separator and 8 digits can be a mobile (138-00138000) or the middle
    of a 6-8-4 ID, rather than a landline (010-12345678, 0431-85001234).

    A mobile's three start with 1 and stand alone or after a +86/0086 prefix; an ID's are the
    last of six. An area code starts with 0, or is glued to a fourth digit before it."""
    digits = data.translate(_DIGITS, _DELETE)
    at = marked.find(_THREE_EIGHT)
    while at >= 0:
        if digits[at] in b"1F":  # a 1, or a full-width digit (not told apart here)
            if at == 0 or not 48 <= digits[at - 1] <= 57:
                return True
            if at >= 2 and digits[at - 2 : at] == b"86":
                return True
        if at >= 3 and marked[at - 3 : at] == b"000":
            return True
        at = marked.find(_THREE_EIGHT, at + 1)
    return False


def may_hold_personal_text(text: str) -> bool:
    """``may_hold_personal_data`` over a string."""
    return may_hold_personal_data(text.encode("utf-8"))
