"""The refresh's garbage-collector setting is process-wide: it must nest and always restore."""

from __future__ import annotations

import gc
import threading

import pytest

from opendata.pipeline.gcpause import YOUNG_THRESHOLD, fewer_collections


def test_raises_the_threshold_freezes_and_restores() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_and_overlapping_uses_restore_only_at_the_last_exit() -> None:
    before = gc.get_threshold()
    inside = threading.Event()
    release = threading.Event()

    def other_refresh() -> None:
        with fewer_collections():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_refresh)
    with fewer_collections():
        worker.start()
        assert inside.wait(5)
    # The first refresh is done; the other still runs with the raised threshold.
    assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    release.set()
    worker.join(5)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restores_when_the_body_raises() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("source failed")
    assert gc.get_threshold() == before


def test_objects_frozen_by_the_process_stay_frozen() -> None:
    gc.freeze()
    try:
        with fewer_collections():
            pass
        # Frozen objects may still die (the count can drop by a few); unfrozen, it would be 0.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
