"""Seeded generator of the sample origin: recorded responses of the provincial platform's API.

The platform (吉林省政务服务网, as a development zone sees it) answers two requests::

    GET {base_url}/items?page=N&pageSize=10   → {"code": 200, "msg": "success",
                                                  "data": {"total", "page", "pageSize", "list"}}
    GET {base_url}/items/{code}/guide         → {"code": 200, "msg": "success", "data": {guide}}

The responses are recorded as files in the one layout of :mod:`opendata.recorded`
(``items/page=1&pageSize=10.json``, ``items/{code}/guide.json``, named by
``opendata.plugin.recorded_name``), so one folder is both what the demo reads from disk
(``opendata.plugin.RecordedResponses``) and what a test HTTP server on 127.0.0.1 answers with
(``opendata.testing.serve_directory``).

``python -m opendata_service_hall.samplegen`` rewrites the shipped ``sample/``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pathlib
import random
import shutil
from collections.abc import Sequence
from typing import Any

import chinese_calendar

from opendata.plugin import recorded_name
from opendata_service_hall.decisions_sample import write_decisions
from opendata_service_hall.sampledata import (
    COMPLAINT_PHONE,
    DEPARTMENTS,
    HOURS,
    ITEMS,
    MAIN_HALL,
    ONLINE_BASE,
    PLANTED_ITEMS,
    ItemSpec,
    form_material,
)

#: The page size the platform was recorded with; the demo config must ask for the same.
RECORDED_PAGE_SIZE = 10

# The privacy markers the end-to-end test greps every published byte for.
PLANT_NAME = "王秘密"
PLANT_MOBILE = "13912345678"
PLANT_ID_NUMBER = "11010519491231002X"

#: Published text fields a test may plant text into (``write_origin(planted=…)``): resource →
#: field → where the field is read from in an item's guide (keys, and 0 for a list's first entry).
PLANTABLE: dict[str, dict[str, tuple[str | int, ...]]] = {
    "items": {
        "item_name": ("itemName",),
        "service_object": ("serviceObject",),
        "legal_basis": ("setBasis", 0),
        "conditions": ("conditions",),
        "result_name": ("resultName",),
        "place": ("place",),
        "hours": ("workTime",),
    },
    "materials": {"material_name": ("materials", 0, "name"), "source": ("materials", 0, "source")},
    "steps": {
        "step_name": ("steps", 0, "name"),
        "post": ("steps", 0, "post"),
        "standard": ("steps", 0, "standard"),
        "result": ("steps", 0, "result"),
    },
    "forms": {"form_name": ("forms", 0, "name")},
}
#: Fields of published items that are private in the schemas (the desk officer, the sample
#: applicant): text planted there must reach no published byte.
UNPUBLISHED_PLANTABLE: dict[str, dict[str, tuple[str | int, ...]]] = {
    "items": {"handler_name": ("contact", "name"), "handler_mobile": ("contact", "mobile")},
    "forms": {
        "sample_applicant_name": ("forms", 0, "sampleApplicant", "name"),
        "sample_applicant_id_number": ("forms", 0, "sampleApplicant", "idNumber"),
        "sample_applicant_mobile": ("forms", 0, "sampleApplicant", "mobile"),
    },
}

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"


def _id_number(rng: random.Random) -> str:
    """A checksum-valid resident ID number of a Jilin city district (fictional person)."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 40))
    body = f"2202{rng.choice(['02', '03', '04', '11'])}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _office_moment(rng: random.Random) -> dt.datetime:
    """A moment in 2018 office hours on a working day (make-up workdays count, holidays not)."""
    while True:
        day = dt.date(2018, 1, 2) + dt.timedelta(days=rng.randint(0, 350))
        if chinese_calendar.is_workday(day):
            break
    minute = rng.randint(0, 389)  # 390 office minutes: 8:30-11:30 and 13:00-16:30
    at = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=minute)
    return at + dt.timedelta(minutes=90) if at.time() >= dt.time(11, 30) else at


def _steps(item: ItemSpec) -> list[dict[str, Any]]:
    """The process steps, with step limits that add up to the promised limit."""
    promised = item.promised
    accept = 1 if promised >= 3 else 0
    deliver = 1 if promised >= 5 else 0
    site = 2 if item.site_check and promised >= 5 else 0
    decide = 1 if promised >= 2 else 0
    review = promised - accept - deliver - site - decide
    result = item.result
    plan: list[tuple[str, str, int, str, str]] = [
        (
            "受理",
            "综合受理窗口",
            accept,
            "申请材料齐全、符合法定形式的当场受理；材料不齐全的一次性告知需要补正的全部内容",
            "出具受理通知书或一次性告知书",
        ),
        (
            "审查",
            f"{item.dept}审查人员",
            review,
            "对申请材料的实质内容进行审查，核对是否符合申请条件",
            "提出审查意见",
        ),
    ]
    if item.site_check:
        plan.append(
            (
                "现场核查",
                "核查人员（两人以上）",
                site,
                "按照核查标准对申请人的场所、设施进行现场核查",
                "形成现场核查记录",
            )
        )
    plan += [
        (
            "决定",
            f"{item.dept}负责人",
            decide,
            "对审查意见进行审核，作出准予或者不予办理的决定",
            f"准予的，制发{result}；不予的，书面说明理由并告知申请人依法享有的权利",
        ),
        (
            "送达",
            "综合出件窗口",
            deliver,
            "通知申请人到窗口领取，或按申请人选择邮寄送达、网上下载电子证照",
            f"送达{result}",
        ),
    ]
    return [
        {"seq": n, "name": name, "post": post, "timeLimit": days, "standard": std, "result": res}
        for n, (name, post, days, std, res) in enumerate(plan, start=1)
    ]


def _guide(item: ItemSpec, rng: random.Random, *, plant: bool, publicity: str) -> dict[str, Any]:
    code = item.code
    charge, fee_basis, fee_standard = item.fee
    forms = []
    for n, form in enumerate(item.forms, start=1):
        stem = f"{ONLINE_BASE}/files/{code}/{n:02d}"
        forms.append(
            {
                "seq": n,
                "name": form,
                "blankUrl": f"{stem}-blank.docx",
                "guideUrl": f"{stem}-guide.pdf",
                "sampleUrl": f"{stem}-sample.pdf",
                # The filled-in sample (示范文本) was made with a real-looking applicant; the
                # platform keeps who it was. It is personal data and never published.
                "sampleApplicant": {
                    "name": PLANT_NAME if plant else _name(rng),
                    "idNumber": PLANT_ID_NUMBER if plant else _id_number(rng),
                    "mobile": PLANT_MOBILE if plant else _mobile(rng),
                },
            }
        )
    return {
        "itemCode": code,
        "itemName": item.name,
        "itemType": item.type,
        "deptName": item.dept,
        "publicity": publicity,
        "serviceObject": item.service_object,
        "handleType": "即办件" if item.promised <= 1 else "承诺件",
        "setBasis": list(item.basis),
        "conditions": item.conditions,
        "resultName": item.result,
        "timeLimit": {"legal": item.statutory, "promise": item.promised, "unit": "工作日"},
        "fee": {"charge": charge, "basis": fee_basis, "standard": fee_standard},
        "place": item.place,
        "workTime": HOURS,
        "consultPhone": DEPARTMENTS[item.dept],
        "complainPhone": COMPLAINT_PHONE,
        "onlineUrl": f"{ONLINE_BASE}/item/{code}",
        "visitTimes": item.visits,
        # The desk officer handling the item internally: not a public contact.
        "contact": {
            "name": PLANT_NAME if plant else _name(rng),
            "mobile": PLANT_MOBILE if plant else _mobile(rng),
        },
        "materials": [
            {
                "seq": n,
                "name": name,
                "form": form,
                "copies": copies,
                "medium": medium,
                "source": source,
                "required": required,
            }
            for n, (name, form, copies, medium, source, required) in enumerate(
                item.materials, start=1
            )
        ],
        "steps": _steps(item),
        "forms": forms,
    }


def _planted_items() -> list[tuple[ItemSpec, str]]:
    """Items the platform lists but that are not proactively published (privacy test only)."""
    planted = []
    for serial, name, publicity in PLANTED_ITEMS:
        spec = ItemSpec(
            serial,
            name,
            "行政许可",
            next(iter(DEPARTMENTS)),
            "企业法人",
            ("《中华人民共和国行政许可法》第十二条",),
            "绝密测试记录：仅供内部审查的条件说明。",
            "绝密测试记录批复",
            20,
            10,
            ("不收费", None, None),
            1,
            (form_material("绝密测试记录申请表"),),
            ("绝密测试记录申请表",),
            place=MAIN_HALL,
        )
        planted.append((spec, publicity))
    return planted


def _plant_text(guide: dict[str, Any], path: tuple[str | int, ...], text: str) -> bool:
    """Append ``text`` to the guide's value at ``path``; False when the item has no such value
    (an item without forms, say), so that the caller tries the next item."""
    node: Any = guide
    for key in path[:-1]:
        if isinstance(key, int) and not (isinstance(node, list) and len(node) > key):
            return False
        node = node[key]
    if isinstance(node, list) and not node:
        return False
    last = path[-1]
    node[last] = f"{node[last] or ''}{text}"
    return True


def _write_json(path: pathlib.Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_origin(
    dest: pathlib.Path,
    *,
    plant: bool = False,
    seed: int = 2018,
    planted: Sequence[tuple[str, str, str]] = (),
) -> dict[str, object]:
    """Write the recorded API responses under ``dest/api`` and return the source config for them.

    With ``plant=True`` the origin also carries the privacy markers: every guide's internal
    contact and every form's sample applicant are 王秘密 / 13912345678 / 11010519491231002X, and
    two extra items titled 绝密测试记录 are marked 不予公开 and 依申请公开.

    ``planted=[(resource, field, text), …]`` appends each ``text`` to that published field (one
    of :data:`PLANTABLE`) of a proactively published item that has it, the n-th text of a field
    in the n-th such item: the privacy tests plant values that must fail the run, or public
    identifiers that must publish; or to a private field (:data:`UNPUBLISHED_PLANTABLE`).
    """
    targets: list[tuple[tuple[str | int, ...], str]] = []
    for resource, name, text in planted:
        paths = {**PLANTABLE.get(resource, {}), **UNPUBLISHED_PLANTABLE.get(resource, {})}
        if name not in paths:
            raise ValueError(
                f"cannot plant into {resource}.{name}; "
                f"plantable: {PLANTABLE}, {UNPUBLISHED_PLANTABLE}"
            )
        targets.append((paths[name], text))
    rng = random.Random(seed)
    api = dest / "api"
    if api.exists():
        shutil.rmtree(api)
    entries: list[tuple[ItemSpec, str]] = [(item, "主动公开") for item in ITEMS]
    if plant:
        entries += _planted_items()
    summaries = []
    for item, publicity in entries:
        updated = _office_moment(rng)
        summaries.append(
            {
                "itemCode": item.code,
                "itemName": item.name,
                "itemType": item.type,
                "deptName": item.dept,
                "publicity": publicity,
                "updateTime": f"{updated:%Y-%m-%d %H:%M:%S}",
            }
        )
        guide = _guide(item, rng, plant=plant, publicity=publicity)
        if publicity == "主动公开":
            # Each field's next text goes into this item, when the item has that field.
            pending = {path: text for path, text in reversed(targets)}
            for path, text in pending.items():
                if _plant_text(guide, path, text):
                    targets.remove((path, text))
        _write_json(
            api / recorded_name(f"items/{item.code}/guide"),
            {"code": 200, "msg": "success", "data": guide},
        )
    if targets:
        raise ValueError(f"not enough published items to plant into: {targets[0][0]} left")
    pages = math.ceil(len(summaries) / RECORDED_PAGE_SIZE)
    for page in range(1, pages + 1):
        chunk = summaries[(page - 1) * RECORDED_PAGE_SIZE : page * RECORDED_PAGE_SIZE]
        data = {"total": len(summaries), "page": page, "pageSize": RECORDED_PAGE_SIZE}
        _write_json(
            api / recorded_name("items", {"page": page, "pageSize": RECORDED_PAGE_SIZE}),
            {"code": 200, "msg": "success", "data": {**data, "list": chunk}},
        )
    decisions = write_decisions(dest, seed)
    return {
        "recorded_dir": str(api),
        "page_size": RECORDED_PAGE_SIZE,
        "decisions_csv": str(decisions),
    }


def main() -> None:
    """Rewrite the shipped sample origin next to this module."""
    dest = pathlib.Path(__file__).resolve().parent / "sample"
    write_origin(dest)
    print(f"sample origin written to {dest / 'api'} and {dest / 'decisions.csv'}")


if __name__ == "__main__":
    main()
