"""The test kit's privacy helpers find what they are asked to find (so checks built on them can fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendata.testing import SourceRun, assert_not_published, find_published
from opendata.validation import ValidationReport


def test_find_published_names_file_and_value(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n1,王秘密\n", encoding="utf-8")
    (tmp_path / "datapackage.json").write_text('{"name": "x"}', encoding="utf-8")
    files = sorted(tmp_path.iterdir())
    assert find_published(files, ["王秘密", "13912345678"]) == [("a.csv", "王秘密")]
    run = SourceRun("valid", tmp_path, ValidationReport([], {}))
    with pytest.raises(AssertionError, match="王秘密"):
        assert_not_published(run, "王秘密")
    assert_not_published(run, "13912345678")
