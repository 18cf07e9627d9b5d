"""Layout helpers of the sample tables: header blocks, 类/款/项 hierarchies, two-sided rows."""

from __future__ import annotations

from collections.abc import Callable

from .sample_figures import CHINESE_ORDINALS, CLASSES_IN_ORDER, FUNCTION_NAMES, Accounts, yuan
from .sheetwriter import HeaderCell


def _sum(values: list[list[int | None]]) -> list[int | None]:
    columns = list(zip(*values, strict=True)) if values else []
    return [None if all(v is None for v in col) else sum(v or 0 for v in col) for col in columns]


def hierarchy(
    leaves: dict[str, list[int | None]], names: dict[str, str]
) -> list[tuple[str, str, list[int | None]]]:
    """(code, name, values) rows: 类, 款 and 项 in code order, parents summed from leaves."""
    rows = []
    lengths = sorted({len(c) for c in leaves})
    parents = [3, 5] if lengths == [7] else [3]
    codes = set(leaves)
    for code in leaves:
        codes.update(code[:n] for n in parents)
    for code in sorted(codes):
        members = [v for leaf, v in leaves.items() if leaf.startswith(code)]
        rows.append((code, names[code], _sum(members)))
    return rows


def function_header(
    values: list[str | tuple[str, list[str]]], *, economic: bool = False
) -> list[HeaderCell]:
    """科目编码 over 类/款(/项), 科目名称, then value columns (a tuple is a group with leaves)."""
    levels = ["类", "款"] if economic else ["类", "款", "项"]
    label = "经济分类科目编码" if economic else "科目编码"
    cells = [HeaderCell(label, 0, 0, 1, len(levels))]
    cells += [HeaderCell(level, 1, i) for i, level in enumerate(levels)]
    cells.append(HeaderCell("科目名称", 0, len(levels), 2))
    col = len(levels) + 1
    for value in values:
        if isinstance(value, tuple):
            group, leaves = value
            cells.append(HeaderCell(group, 0, col, 1, len(leaves)))
            cells += [HeaderCell(leaf, 1, col + i) for i, leaf in enumerate(leaves)]
            col += len(leaves)
        else:
            cells.append(HeaderCell(value, 0, col, 2))
            col += 1
    return cells


def function_rows(
    rows: list[tuple[str, str, list[int | None]]],
    *,
    levels: int = 3,
    inherit: bool = False,
    total_in_code: bool = False,
) -> tuple[list[list[object]], list[tuple[int, int, int]]]:
    """Body rows with a 合计 line first.

    ``inherit`` leaves upper code levels blank as many offices do; ``total_in_code`` writes 合计
    merged over the code cells instead of in the 科目名称 column.
    """
    total = _sum([v for code, _, v in rows if len(code) == 3])
    body: list[list[object]] = []
    merges: list[tuple[int, int, int]] = []
    if total_in_code:
        body.append(["合计", None, None][:levels] + [None] + [yuan(v) for v in total])
        merges.append((0, 0, levels - 1))
    else:
        body.append([None] * levels + ["合计"] + [yuan(v) for v in total])
    for code, name, values in rows:
        parts: list[str | None] = [code[:3], code[3:5] or None, code[5:7] or None][:levels]
        depth = (len(code) - 3) // 2
        if inherit:
            parts = [p if i == depth else None for i, p in enumerate(parts)]
        body.append([*parts, "\u3000" * depth + name, *[yuan(v) for v in values]])
    return body, merges


def two_sided(
    left: list[tuple[str, list[int | None]] | None],
    right: list[tuple[str, list[int | None]] | None],
    widths: tuple[int, int],
) -> list[list[object]]:
    """Rows of a 收入 | 支出 table; None leaves that side of the line blank."""
    body = []
    for a, b in zip(left, right, strict=True):
        row: list[object] = []
        for side, width in ((a, widths[0]), (b, widths[1])):
            row += [None] * (width + 1) if side is None else [side[0], *[yuan(v) for v in side[1]]]
        body.append(row)
    return body


def two_sided_header(left: tuple[str, list[str]], right: tuple[str, list[str]]) -> list[HeaderCell]:
    cells = []
    col = 0
    for group, leaves in (left, right):
        cells.append(HeaderCell(group, 0, col, 1, len(leaves) + 1))
        cells += [HeaderCell(label, 1, col + i) for i, label in enumerate(["项目", *leaves])]
        col += len(leaves) + 1
    return cells


def three_public_header(groups: list[str]) -> list[HeaderCell]:
    """The 三公 header: 合计, 因公出国（境）费, 公务用车购置及运行费 (小计/购置费/运行费),
    公务接待费, repeated under each of ``groups`` (预算数, 决算数) when given."""
    cells: list[HeaderCell] = []
    top = 1 if groups else 0
    for g, group in enumerate(groups or [""]):
        base = g * 6
        if group:
            cells.append(HeaderCell(group, 0, base, 1, 6))
        cells += [
            HeaderCell("合计", top, base, 2),
            HeaderCell("因公出国（境）费", top, base + 1, 2),
            HeaderCell("公务用车购置及运行费", top, base + 2, 1, 3),
            HeaderCell("小计", top + 1, base + 2),
            HeaderCell("公务用车购置费", top + 1, base + 3),
            HeaderCell("公务用车运行费", top + 1, base + 4),
            HeaderCell("公务接待费", top, base + 5, 2),
        ]
    return cells


def three_public_values(t: dict[str, int]) -> list[int | None]:
    car = t["purchase"] + t["running"]
    return [
        t["abroad"] + car + t["reception"],
        t["abroad"],
        car,
        t["purchase"],
        t["running"],
        t["reception"],
    ]


def by_class(acc: Accounts, value: Callable[[str], int]) -> list[tuple[str, list[int | None]]]:
    """One line per 功能分类 类 (一、一般公共服务支出 …) with ``value`` summed over its leaves."""
    rows: list[tuple[str, list[int | None]]] = []
    for i, cls in enumerate(CLASSES_IN_ORDER):
        total = sum(value(code) for code in acc.leaves() if code.startswith(cls))
        rows.append((f"{CHINESE_ORDINALS[i]}、{FUNCTION_NAMES[cls]}", [total]))
    return rows
