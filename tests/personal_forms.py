"""Personal data as people write it, generated from the rules that make each kind valid.

Each generator draws a fresh valid value (a resident ID number with its GB 11643 check
character, a mobile number of a real prefix, a Luhn-valid bank card…) and writes it in one
form (full-width digits, ``+86``, separators, a full-width ``＠``…). :data:`PERSONAL_FORMS` is
every (kind, form) the publication policy must catch; :data:`PUBLIC_FORMS` is identifiers that
look alike but are public (统一社会信用代码, landlines, 索引号, 文号, dates, amounts) and must
publish. Nothing here is a fixed list of test values: the lists are of rules and forms.

The test modules plant ``Written.text`` into sample origins and look for ``Written.needles()``
in every published byte.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from hypothesis import strategies as st

#: County-level administrative division codes (GB/T 2260) that existed from the 1980s on, so
#: that first-generation (15-digit) numbers with them are plausible too.
REGIONS = (
    "110101", "110105", "110108", "120101", "130102", "140105", "150102", "210102",
    "220102", "220202", "220203", "220204", "220211", "230102", "310101", "320102",
    "330106", "340102", "350102", "360102", "370102", "370202", "410105", "420106",
    "430102", "440106", "450103", "500103", "510104", "520102", "530102", "610113",
    "620102", "630102", "640104", "650102",
)  # fmt: skip
#: Mainland mobile number prefixes in use (China Mobile, Unicom, Telecom, virtual operators).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147",
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "170", "171",
    "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189", "191", "198", "199",
)  # fmt: skip
#: Issuer prefixes of bank cards (UnionPay BINs of the big banks, Visa, Mastercard) and the
#: lengths each is issued in.
CARD_PREFIXES = (
    ("622202", (16, 19)), ("621700", (19,)), ("622848", (19,)), ("621661", (19,)),
    ("622588", (16,)), ("6217", (17, 18, 19)), ("4", (16,)), ("51", (16,)), ("55", (16,)),
)  # fmt: skip
#: Telephone area codes (with the trunk 0) and the length of local numbers there.
AREA_CODES = (("010", 8), ("021", 8), ("020", 8), ("024", 8), ("0431", 8), ("0432", 8),
              ("0411", 8), ("0755", 8), ("0571", 8), ("0898", 8), ("0991", 7))  # fmt: skip
EMAIL_TLDS = ("com", "cn", "net", "org", "com.cn", "edu.cn", "gov.cn")
#: Letters the passport and permit series use after the first letter (no I or O).
SERIES_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Written:
    """One value of one kind, written in one form."""

    kind: str
    form: str
    value: str  # the value as a detector reads it (ASCII, no separators)
    written: str  # as it stands in the cell
    context: str = ""  # the nearby word the kind needs to be recognised (护照…)

    @property
    def text(self) -> str:
        """What is planted: the context word, then the value as written."""
        return f"{self.context}{self.written}"

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.form})"

    def needles(self) -> list[str]:
        """Every spelling that must not be published: as written, NFKC-normalised, the value."""
        spellings = {self.written, nfkc(self.written), self.value}
        return sorted(s for s in spellings if s)

    def digits(self) -> str | None:
        """The digits alone when they identify the value (8 or more), else None."""
        digits = re.sub(r"\D", "", nfkc(self.value))
        return digits if len(digits) >= 8 else None


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def full_width(text: str) -> str:
    """ASCII letters, digits and signs as their full-width forms (U+FF01…U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def group(text: str, sizes: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(text[at : at + size])
        at += size
    if at < len(text):
        out.append(text[at:])
    return sep.join(out)


# --- check characters ----------------------------------------------------------------------


def id_check(body17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


def uscc_check(body17: str) -> str:
    """GB 32100-2015 check character of a 统一社会信用代码's first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    code = code.upper()
    return (
        len(code) == 18
        and all(c in _USCC_ALPHABET for c in code)
        and uscc_check(code[:17]) == code[17]
    )


def org_check(body8: str) -> str:
    """GB 11714-1997 check character of an 8-character organisation code."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def luhn_check(body: str) -> str:
    """The Luhn check digit to append to ``body``."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _birth(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


# --- personal values -----------------------------------------------------------------------


def id18(rng: random.Random, *, check_x: bool = False) -> str:
    """A resident ID number: region, birth date, sequence, check character.

    Numbers that are also valid 统一社会信用代码 are skipped: the issue lets the GB 32100 check
    decide those, so they are not personal data by rule.
    """
    while True:
        born = _birth(rng, dt.date(1930, 1, 1), dt.date(2012, 12, 31))
        body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{_digits(rng, 3)}"
        number = body + id_check(body)
        if (number[-1] == "X") == check_x and not uscc_valid(number):
            return number


def id15(rng: random.Random) -> str:
    """A first-generation resident ID number: region, YYMMDD of a 20th-century birth, sequence."""
    born = _birth(rng, dt.date(1900, 1, 1), dt.date(1999, 12, 31))
    return f"{rng.choice(REGIONS)}{born:%y%m%d}{_digits(rng, 3)}"


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)


def email(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    local = rng.choice(alphabet) + "".join(
        rng.choice(alphabet + "0123456789._") for _ in range(rng.randint(2, 10))
    )
    local = local.rstrip("._") or "a"
    domain = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 8)))
    return f"{local}@{domain}.{rng.choice(EMAIL_TLDS)}"


def bank_card(rng: random.Random, length: int | None = None) -> str:
    """A Luhn-valid card number of a real issuer prefix, not also a valid 统一社会信用代码."""
    while True:
        prefix, lengths = rng.choice(CARD_PREFIXES)
        if length is not None and length not in lengths:
            continue
        size = length or rng.choice(lengths)
        body = prefix + _digits(rng, size - len(prefix) - 1)
        number = body + luhn_check(body)
        if not uscc_valid(number):
            return number


def passport(rng: random.Random, series: str) -> str:
    """Ordinary passports: G + 8 digits (before 2012); electronic: E + 8 digits, or E, a series
    letter and 7 digits once the E numbers ran out."""
    if series == "E?":
        return "E" + rng.choice(SERIES_LETTERS) + _digits(rng, 7)
    return series + _digits(rng, 8)


# --- written forms ---------------------------------------------------------------------------

Form = Callable[[random.Random], Written]


def _id18_forms() -> list[tuple[str, Form]]:
    def plain(rng: random.Random) -> Written:
        v = id18(rng)
        return Written("resident ID (18)", "plain", v, v)

    def lower_x(rng: random.Random) -> Written:
        v = id18(rng, check_x=True)
        return Written("resident ID (18)", "lower-case x", v, v.lower())

    def wide(rng: random.Random) -> Written:
        v = id18(rng, check_x=rng.random() < 0.3)
        return Written("resident ID (18)", "full-width digits", v, full_width(v))

    def spaced(rng: random.Random) -> Written:
        v = id18(rng)
        return Written("resident ID (18)", "spaces 6-8-4", v, group(v, (6, 8, 4), " "))

    def fours(rng: random.Random) -> Written:
        v = id18(rng)
        return Written("resident ID (18)", "spaces in fours", v, group(v, (4, 4, 4, 4), " "))

    def wide_spaced(rng: random.Random) -> Written:
        v = id18(rng)
        written = full_width(group(v, (6, 8, 4), "\u3000"))
        return Written("resident ID (18)", "full-width, ideographic spaces 6-8-4", v, written)

    return [
        ("plain", plain),
        ("lower-case x", lower_x),
        ("full-width", wide),
        ("spaced", spaced),
        ("fours", fours),
        ("full-width spaced", wide_spaced),
    ]


def _id15_forms() -> list[tuple[str, Form]]:
    def plain(rng: random.Random) -> Written:
        v = id15(rng)
        return Written("resident ID (15)", "plain", v, v)

    def wide(rng: random.Random) -> Written:
        v = id15(rng)
        return Written("resident ID (15)", "full-width digits", v, full_width(v))

    return [("plain", plain), ("full-width", wide)]


_MOBILE_WRITINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda v: v,
    "+86": lambda v: f"+86{v}",
    "+86 and a space": lambda v: f"+86 {v}",
    "0086": lambda v: f"0086{v}",
    "dashes 3-4-4": lambda v: group(v, (3, 4, 4), "-"),
    "spaces 3-4-4": lambda v: group(v, (3, 4, 4), " "),
    "dots 3-4-4": lambda v: group(v, (3, 4, 4), "."),
    "full-width digits": full_width,
    "full-width +86 and dashes": lambda v: full_width("+86-" + group(v, (3, 4, 4), "-")),
    "(+86) and dashes": lambda v: "(+86)" + group(v, (3, 4, 4), "-"),
    "dash 3-8": lambda v: group(v, (3, 8), "-"),
    "full-width, ideographic spaces": lambda v: full_width(group(v, (3, 4, 4), "\u3000")),
}


def _mobile_forms() -> list[tuple[str, Form]]:
    def make(form: str, write: Callable[[str], str]) -> Form:
        def draw(rng: random.Random) -> Written:
            v = mobile(rng)
            return Written("mobile", form, v, write(v))

        return draw

    return [(form, make(form, write)) for form, write in _MOBILE_WRITINGS.items()]


def _email_forms() -> list[tuple[str, Form]]:
    def plain(rng: random.Random) -> Written:
        v = email(rng)
        return Written("e-mail", "plain", v, v)

    def wide_at(rng: random.Random) -> Written:
        v = email(rng)
        return Written("e-mail", "full-width ＠", v, v.replace("@", "＠"))

    def all_wide(rng: random.Random) -> Written:
        v = email(rng)
        return Written("e-mail", "all full-width", v, full_width(v))

    return [("plain", plain), ("full-width @", wide_at), ("all full-width", all_wide)]


_PASSPORT_WORDS = ("护照号码：", "护照号", "护照：", "Passport No. ", "passport ")
_PERMITS = (
    # (form, context words, first letter or series)
    ("往来港澳通行证 C", ("港澳通行证号码：", "往来港澳通行证"), "C"),
    ("往来港澳通行证 C+letter", ("港澳通行证：",), "C?"),
    ("回乡证 H", ("回乡证号码", "港澳居民来往内地通行证："), "H"),
    ("回乡证 M", ("回乡证：",), "M"),
    ("往来台湾通行证 L", ("台湾通行证号码：", "往来台湾通行证"), "L"),
    ("回乡证 H+10", ("回乡证号码：",), "H+10"),
    ("台胞证 8 digits", ("台胞证号码：", "台湾居民来往大陆通行证"), ""),
)


def _document_forms() -> list[tuple[str, Form]]:
    forms: list[tuple[str, Form]] = []
    for series, name in (("E", "electronic E+8"), ("E?", "electronic E+letter+7"), ("G", "G+8")):

        def draw(rng: random.Random, series: str = series, name: str = name) -> Written:
            v = passport(rng, series)
            return Written("passport", name, v, v, rng.choice(_PASSPORT_WORDS))

        forms.append((name, draw))

    def wide(rng: random.Random) -> Written:
        v = passport(rng, rng.choice(("E", "E?", "G")))
        return Written("passport", "full-width", v, full_width(v), rng.choice(_PASSPORT_WORDS))

    forms.append(("passport full-width", wide))
    for name, words, series in _PERMITS:

        def permit(
            rng: random.Random, name: str = name, words: tuple[str, ...] = words, s: str = series
        ) -> Written:
            if s.endswith("?"):
                v = s[0] + rng.choice(SERIES_LETTERS) + _digits(rng, 7)
            else:
                v = s[:1] + _digits(rng, 10 if s.endswith("+10") else 8)
            return Written("travel permit", name, v, v, rng.choice(words))

        forms.append((name, permit))
    return forms


def _card_forms() -> list[tuple[str, Form]]:
    def plain16(rng: random.Random) -> Written:
        v = bank_card(rng, 16)
        return Written("bank card", "16 digits", v, v)

    def plain19(rng: random.Random) -> Written:
        v = bank_card(rng, 19)
        return Written("bank card", "19 digits", v, v)

    def any_length(rng: random.Random) -> Written:
        v = bank_card(rng)
        return Written("bank card", f"{len(v)} digits", v, v)

    def spaced(rng: random.Random) -> Written:
        v = bank_card(rng, 16)
        return Written("bank card", "spaces 4-4-4-4", v, group(v, (4, 4, 4, 4), " "))

    def wide(rng: random.Random) -> Written:
        v = bank_card(rng)
        return Written("bank card", "full-width digits", v, full_width(v))

    return [
        ("16", plain16),
        ("19", plain19),
        ("16-19", any_length),
        ("spaced", spaced),
        ("full-width", wide),
    ]


#: Every (kind, form) the policy must catch, as ``(name, draw)``.
PERSONAL_FORMS: list[tuple[str, Form]] = [
    (f"{kind}: {name}", draw)
    for kind, forms in (
        ("id18", _id18_forms()),
        ("id15", _id15_forms()),
        ("mobile", _mobile_forms()),
        ("email", _email_forms()),
        ("document", _document_forms()),
        ("card", _card_forms()),
    )
    for name, draw in forms
]


# --- public identifiers that look alike -----------------------------------------------------


#: Real county codes ending in 19 or 20: as the 3rd-8th characters of an all-digit credit code
#: they put a plausible birth century where an ID number has it.
CENTURY_REGIONS = ("110119", "120119", "310120", "500119", "500120")


def uscc(rng: random.Random, *, like_id: bool = False, before: int = 2100) -> str:
    """A 统一社会信用代码: registration authority, category, region, organisation code (with its
    GB 11714 check), GB 32100 check character.

    ``like_id`` draws all-digit codes that also read as a resident ID number with a valid
    date (before the year ``before``) and check digit, as 121101190001010017 does (ID region
    121101, born 1900-01-01): the codes an ID-number rule mistakes for people.
    """
    while True:
        authority, category = rng.choice((("1", "1"), ("1", "2"), ("5", "1"), ("9", "1")))
        if like_id:
            region = rng.choice([r for r in CENTURY_REGIONS if int(r[4:]) * 100 < before])
            start = dt.date(int(region[4:]) * 100, 1, 1)
            last = min(start.replace(year=start.year + 99, month=12, day=31), dt.date(before, 1, 1))
            born = _birth(rng, start, last - dt.timedelta(days=1))
            org8 = f"{born:%y%m%d}{_digits(rng, 2)}"
        else:
            region = rng.choice(REGIONS)
            org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        body = f"{authority}{category}{region}{org8}{org_check(org8)}"
        code = body + uscc_check(body)
        if not like_id or (code.isdigit() and id_check(code[:17]) == code[17]):
            return code


def _public(kind: str, form: str, draw: Callable[[random.Random], str], context: str = "") -> Form:
    def make(rng: random.Random) -> Written:
        v = draw(rng)
        return Written(kind, form, v, v, context)

    return make


def _landline(rng: random.Random, style: str) -> str:
    area, length = rng.choice(AREA_CODES)
    local = rng.choice("2345678") + _digits(rng, length - 1)
    return {
        "dash": f"{area}-{local}",
        "brackets": f"（{area}）{local}",
        "space": f"{area} {local}",
    }[style]


def _index_no(rng: random.Random) -> str:
    org8 = "0144" + _digits(rng, 4)
    return f"{org8}{org_check(org8)}/{rng.randint(2008, 2025)}-{rng.randint(1, 99999):05d}"


def _doc_number(rng: random.Random) -> str:
    prefix = rng.choice(("吉经开管发", "吉经开管办发", "吉经开财发", "吉市政办函"))
    return f"{prefix}〔{rng.randint(2008, 2025)}〕{rng.randint(1, 300)}号"


def _date(rng: random.Random, style: str) -> str:
    day = _birth(rng, dt.date(2000, 1, 1), dt.date(2030, 12, 31))
    return {
        "iso": day.isoformat(),
        "chinese": f"{day.year}年{day.month}月{day.day}日",
        "compact": f"{day:%Y%m%d}",
    }[style]


def _amount(rng: random.Random, style: str) -> str:
    cents = rng.randrange(1, 10**11)
    yuan, fen = divmod(cents, 100)
    return {
        "grouped": f"{yuan:,}.{fen:02d}元",
        "plain": f"{yuan}.{fen:02d}",
        "wan": f"{cents / 10**6:.2f}万元",
    }[style]


def _org_code(rng: random.Random) -> str:
    org8 = "".join(rng.choice("0123456789") for _ in range(8))
    return f"{org8}-{org_check(org8)}"


#: Public identifiers that must not fail a run, as ``(name, draw)``.
PUBLIC_FORMS: list[tuple[str, Form]] = [
    ("统一社会信用代码", _public("统一社会信用代码", "any", uscc)),
    # An all-digit code that also passes every ID check is ambiguous (1 real ID in 31 passes
    # the GB 32100 check): what says it is a credit code is the word beside it, or a "birth"
    # before 1910, which no 18-digit ID carries (121101190001010017 "was born" 1900-01-01).
    (
        "统一社会信用代码 like an ID, with its name",
        _public(
            "统一社会信用代码",
            "all digits, ID checksum valid, named",
            lambda r: uscc(r, like_id=True),
            "统一社会信用代码：",
        ),
    ),
    (
        "统一社会信用代码 like an ID born before 1910",
        _public(
            "统一社会信用代码",
            "all digits, ID checksum valid, 19000101-19091231",
            lambda r: uscc(r, like_id=True, before=1910),
        ),
    ),
    ("组织机构代码", _public("组织机构代码", "with dash", _org_code)),
    *(
        (f"landline {style}", _public("landline", style, partial(_landline, style=style)))
        for style in ("dash", "brackets", "space")
    ),
    ("索引号", _public("索引号", "org/year-serial", _index_no)),
    ("文号", _public("文号", "prefix〔year〕n号", _doc_number)),
    *(
        (f"date {style}", _public("date", style, partial(_date, style=style)))
        for style in ("iso", "chinese", "compact")
    ),
    *(
        (f"amount {style}", _public("amount", style, partial(_amount, style=style)))
        for style in ("grouped", "plain", "wan")
    ),
]


def every_personal_form(seed: int) -> list[Written]:
    """One fresh value in every personal form (the canary's list)."""
    rng = random.Random(seed)
    return [draw(rng) for _name, draw in PERSONAL_FORMS]


def every_public_form(seed: int) -> list[Written]:
    rng = random.Random(seed)
    return [draw(rng) for _name, draw in PUBLIC_FORMS]


def personal_written() -> st.SearchStrategy[Written]:
    """Any personal form with a value drawn from a seed hypothesis chooses."""
    return st.builds(
        lambda form, seed: form[1](random.Random(seed)),
        st.sampled_from(PERSONAL_FORMS),
        st.integers(0, 2**32 - 1),
    )


def public_written() -> st.SearchStrategy[Written]:
    return st.builds(
        lambda form, seed: form[1](random.Random(seed)),
        st.sampled_from(PUBLIC_FORMS),
        st.integers(0, 2**32 - 1),
    )
