"""Fail when a function's cyclomatic complexity is above the ceiling (15), counted by radon.

ruff's C901 counts branches only; radon also counts boolean operators and comprehension
conditions, which is how a reader meets them. `make lint` runs both.

    python tools/complexity.py [--max 15] PATH...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class, Function


def _blocks(code: str) -> Iterator[Function]:
    # cc_visit lists methods both under their class and on their own: each once, by line.
    seen: set[int] = set()
    for block in cc_visit(code):
        inner = block.methods if isinstance(block, Class) else [block, *_closures(block)]
        for function in inner:
            if function.lineno not in seen:
                seen.add(function.lineno)
                yield function


def _closures(block: Function) -> Iterator[Function]:
    for inner in block.closures:
        yield inner
        yield from _closures(inner)


def offenders(paths: list[Path], ceiling: int) -> list[tuple[int, str]]:
    found = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            for block in _blocks(path.read_text(encoding="utf-8")):
                if block.complexity > ceiling:
                    where = f"{path}:{block.lineno} {block.fullname}"
                    found.append((block.complexity, where))
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=15)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    found = offenders(args.paths, args.max)
    for complexity, where in found:
        print(f"{where}: complexity {complexity} > {args.max}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
