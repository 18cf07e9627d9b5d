"""The ``SCHEDULER`` section of the configuration, read once into a typed, checked value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The floor for the misfire grace: APScheduler's default of one second silently drops a run
#: whenever the process was busy or restarting at the scheduled minute.
MIN_MISFIRE_GRACE = 600


@dataclass(frozen=True)
class SchedulerSettings:
    timezone: ZoneInfo
    misfire_grace_time: int
    jitter: int
    poll_seconds: float
    retries: int
    retry_backoff: float
    lease_seconds: float
    heartbeat_seconds: float
    schedules: Mapping[str, str] = field(default_factory=dict)
    webhook_url: str | None = None
    webhook_timeout: float = 10.0
    workers: int = 4  # refreshes of different datasets that may run side by side

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SchedulerSettings:
        """Read ``config["SCHEDULER"]``; a value an operator cannot have meant raises ValueError."""
        raw = config.get("SCHEDULER", {})
        name = str(raw.get("timezone") or "Asia/Shanghai")
        try:
            tz = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"SCHEDULER.timezone {name!r} is not a known time zone") from exc
        grace = int(raw.get("misfire_grace_time", 3600))
        if grace < MIN_MISFIRE_GRACE:
            raise ValueError(
                f"SCHEDULER.misfire_grace_time is {grace} s; use at least {MIN_MISFIRE_GRACE} s "
                "so that a run missed during a restart is still caught up"
            )
        settings = cls(
            timezone=tz,
            misfire_grace_time=grace,
            jitter=max(0, int(raw.get("jitter", 60))),
            poll_seconds=float(raw.get("poll_seconds", 2.0)),
            retries=max(0, int(raw.get("retries", 3))),
            retry_backoff=float(raw.get("retry_backoff", 30.0)),
            lease_seconds=float(raw.get("lease_seconds", 900)),
            heartbeat_seconds=float(raw.get("heartbeat_seconds", 10.0)),
            schedules={str(k): str(v) for k, v in (raw.get("schedules") or {}).items()},
            webhook_url=raw.get("webhook_url") or None,
            webhook_timeout=float(raw.get("webhook_timeout", 10.0)),
            workers=max(1, int(raw.get("workers", 4))),
        )
        for label, value in (
            ("poll_seconds", settings.poll_seconds),
            ("heartbeat_seconds", settings.heartbeat_seconds),
            ("lease_seconds", settings.lease_seconds),
        ):
            if value <= 0:
                raise ValueError(f"SCHEDULER.{label} must be positive, not {value}")
        return settings

    def schedule_for(self, name: str, declared: str) -> str:
        """A source's schedule: the config override if there is one, else what it declares."""
        return self.schedules.get(name) or declared

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``: backoff, 2×backoff, 4×backoff, …"""
        return float(self.retry_backoff * 2 ** max(0, attempt - 1))

    @property
    def stale_after(self) -> float:
        """A heartbeat older than this means the scheduler is not running (three missed beats)."""
        return 3 * self.heartbeat_seconds
