"""A key the platform renames never passes silently.

An unknown key in an item's list entry or guide fails the run naming the request and the key
path, unless the deployment lists it in ``ignored_keys``: then it is skipped with one warning,
and the published keys (item codes, sequence numbers) are those of the unchanged origin.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from opendata_service_hall import ServiceHall
from opendata_service_hall.samplegen import write_origin

from opendata.plugin import SourceError
from opendata.testing import SourceRun, run_source

KEYS = {
    "items": ("item_code",),
    "materials": ("item_code", "seq"),
    "steps": ("item_code", "seq"),
    "forms": ("item_code", "seq"),
}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SourceRun:
    root = tmp_path_factory.mktemp("drift-sample")
    run = run_source(ServiceHall, root / "out", write_origin(root / "origin"))
    assert run.ok, run.error
    return run


def _rename(tmp_path: pathlib.Path, path: tuple[Any, ...], new: str) -> dict[str, object]:
    """A fresh origin whose first guide has the key at ``path`` (inside ``data``) renamed."""
    config = write_origin(tmp_path / "origin")
    guides = sorted(pathlib.Path(str(config["recorded_dir"])).glob("items/*/guide.json"))
    guide = guides[0]
    body = json.loads(guide.read_text(encoding="utf-8"))
    node = body["data"]
    for step in path[:-1]:
        node = node[step]
    node[new] = node.pop(path[-1])
    guide.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return config


def _error(run: SourceRun) -> str:
    assert run.status == "error", run.warnings
    assert isinstance(run.exception, SourceError), run.error
    return str(run.exception)


def test_a_renamed_optional_key_fails_naming_request_and_key(tmp_path: pathlib.Path) -> None:
    config = _rename(tmp_path, ("serviceObject",), "serviceTarget")
    message = _error(run_source(ServiceHall, tmp_path / "out", config))
    assert "/guide: 'data.serviceTarget' is not a key the reader knows" in message
    assert "ignored_keys" in message


def test_a_renamed_key_in_a_list_names_its_position(tmp_path: pathlib.Path) -> None:
    config = _rename(tmp_path, ("materials", 0, "source"), "origin")
    message = _error(run_source(ServiceHall, tmp_path / "out", config))
    assert "/guide: 'data.materials[0].origin' is not a key the reader knows" in message


def test_a_declared_key_is_skipped_with_one_warning(
    sample_run: SourceRun, tmp_path: pathlib.Path
) -> None:
    config = _rename(tmp_path, ("serviceObject",), "serviceTarget")
    config["ignored_keys"] = ["serviceTarget"]
    run = run_source(ServiceHall, tmp_path / "out", config)
    assert run.ok, run.error
    assert [w for w in run.warnings if "ignored_keys" in w] == [
        "key 'data.serviceTarget' not read (declared in ignored_keys)"
    ]
    for resource, fields in KEYS.items():
        keys = [tuple(r[f] for f in fields) for r in run.rows(resource)]
        assert keys == [tuple(r[f] for f in fields) for r in sample_run.rows(resource)]
    # The one value that came from the renamed key is now blank, and nothing else changed.
    changed = [
        (a["item_code"], k)
        for a, b in zip(run.rows("items"), sample_run.rows("items"), strict=True)
        for k in a
        if a[k] != b[k]
    ]
    assert len(changed) <= 1 and all(k == "service_object" for _, k in changed)
