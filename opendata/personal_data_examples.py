"""Example values for the personal-data detectors, shared by the tests that plant them.

``EXAMPLES`` maps each kind of ``opendata.personal_data`` to strings the detector must find on
their own, in every written form it reads: plain, grouped with spaces, dashes or dots, full-width
digits and ``＠``, ideographic spaces, ``+86``/``0086``; passport and permit numbers carry the word
that makes them one. ``NOT_PERSONAL`` lists strings that must publish: credit codes (one of them
all digits and passing the ID checksum too), organisation codes, landlines, 索引号, 文号, dates,
amounts, times, and near misses of every kind (a checksum off by one, a month 13, a passport
number without a word that says so).

The ID numbers are made up: valid in form, no one's.
"""

from __future__ import annotations

from opendata.personal_data import (
    BANK_CARD,
    EMAIL,
    MOBILE,
    PASSPORT,
    PERMIT,
    RESIDENT_ID,
    RESIDENT_ID_15,
)

EXAMPLES: dict[str, list[str]] = {
    RESIDENT_ID: [
        "11010519491231002X",
        "11010519491231002x",
        "220202199001010012",
        "220102198512301233",
        "440306199912310026",
        "650102200002290060",
        "810000197506150034",
        "310115196207048889",
        "１１０１０５１９４９１２３１００２Ｘ",
        "２２０２０２１９９００１０１００１２",
        "110105 19491231 002X",
        "220202-19900101-0012",
        "220202 1990 0101 0012",
        "2202 0219 9001 0100 12",
        "１１０１０５　１９４９１２３１　００２Ｘ",
        "身份证号121101190001010017",  # all-digit credit code, but the word says ID
    ],
    RESIDENT_ID_15: [
        "110105491231002",
        "220202900101123",
        "２２０２０２９００１０１１２３",
    ],
    MOBILE: [
        "13800138000",
        "13912345678",
        "19912345678",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "138-00138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 13800138000",
        "008613800138000",
        "(+86)138-0013-8000",
        "86-13912345678",
        "１３８００１３８０００",
        "１３８－００１３－８０００",
        "１３８　００１３　８０００",
        "１３８．００１３．８０００",
        "＋８６　１３９１２３４５６７８",
    ],
    EMAIL: [
        "wangmimi@example.com",
        "zhang_san@163.com",
        "li-si+tag@mail.example.org.cn",
        "wang.mimi＠example.com",
        "ｗａｎｇｍｉｍｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "wangmimi @ example.com",
        "WangMiMi@Example.COM",
        "张三@example.com",
    ],
    PASSPORT: [
        "护照号码E12345678",
        "护照：G12345678",
        "护照 EA1234567",
        "护照号 Ｅ１２３４５６７８",
        "Passport No. E98765432",
        "PASSPORT: EH1234567",
        "passport E12345678",
        "证件号：E23456789",
        "E12345678（护照）",
    ],
    PERMIT: [
        "港澳通行证C12345678",
        "往来港澳通行证 CA1234567",
        "回乡证H12345678",
        "回乡证号码M1234567890",
        "台胞证12345678",
        "台胞证号码 87654321",
        "往来台湾通行证L12345678",
        "台湾居民来往大陆通行证 12345678",
        "通行证号Ｃ１２３４５６７８",
    ],
    BANK_CARD: [
        "6222021234567890128",
        "6212261202001234567",
        "4367420012345673",
        "5200001234567894",
        "6228480012345678903",
        "6011000090139423",
        "6222 0212 3456 7890 128",
        "4367-4200-1234-5673",
        "６２２２０２１２３４５６７８９０１２８",
    ],
}

NOT_PERSONAL: list[str] = [
    # 统一社会信用代码 and organisation codes
    "121101190001010017",  # all digits, passes the ID checksum too: born 1900-01-01
    "11220271MB19573444",
    "91220101MA0Y123458",
    "91220101MA0Y12345X",
    "121101190001010017/2018-00001",
    "01441633-0",
    "014416330",
    # landlines, hotlines
    "0431-85001234",
    "(010)12345678",
    "010-12345678",
    "0432-64661234",
    "0431 8500 1234",
    "400-810-8888",
    "12345",
    # 索引号 and 文号
    "11220100/2018-00123",
    "014416330/2018-04736",
    "014416330/1998-0000001",
    "014416330/2021-0000001",
    "吉经开发〔2018〕12号",
    "吉经开管发〔2018〕901号",
    "0131-WS·2017-Y-BGS-9001",
    # dates, times, amounts
    "2018-01-02",
    "2018年1月2日",
    "2018.01.02",
    "20180102",
    "2018-01-02 13:45:00",
    "13:45",
    "12345678.90",
    "1,380,013,800.00",
    "13800138000.00",
    "5033.00",
    # numbers their label says are no card or ID: a case serial, a business registration number
    "办件编号：4367420012345673",
    "营业执照注册号110105491231002",
    # near misses
    "110105194912310021",  # checksum
    "110105194913310020",  # month 13
    "990105194912310028",  # no such province
    "110105491331002",  # 15 digits, month 13
    "12800138000",  # 12x is no mobile prefix
    "1380013800",
    "138001380001",
    "E12345678",  # a passport number without a word saying so
    "C12345678",
    "H12345678",
    "12345678",
    "4111111111111112",  # Luhn
    "@国务院客户端",
    "a@b",
    "130000",
    "978-7-111-12345-6",
]
