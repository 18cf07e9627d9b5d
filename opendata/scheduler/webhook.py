"""Tell an operator's endpoint when a source starts failing and when it recovers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

log = logging.getLogger(__name__)


def notify(url: str | None, payload: Mapping[str, Any], timeout: float = 10.0) -> bool:
    """POST ``payload`` as JSON; a failing webhook is logged, never allowed to stop a refresh."""
    if not url:
        return False
    try:
        response = requests.post(url, json=dict(payload), timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("webhook %s failed for %s: %s", url, payload.get("event"), exc)
        return False
    return True
