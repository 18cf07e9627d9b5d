"""The test suite's own layout: every module pytest collects as tests holds tests. Helpers shared
by test modules live in helper modules whose names do not start with ``test_``
(tests/scheduler_kit.py, tests/example_sources.py …): a collected module holding none looks like
coverage that is not there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _test_modules() -> list[Path]:
    found = sorted((ROOT / "tests").glob("test_*.py"))
    found += sorted((ROOT / "plugins").glob("*/tests/test_*.py"))
    assert found, "no test modules found: the check would be empty"
    return found


def _holds_tests(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            return True
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return True
    return False


def test_every_test_module_holds_tests() -> None:
    empty = [
        str(p.relative_to(ROOT))
        for p in _test_modules()
        if not _holds_tests(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert not empty, f"collected as tests but holding none (make them helper modules): {empty}"
