"""Run refreshes the way the scheduler does: in dependency order, with state, retries, alerts.

Kept apart from APScheduler so that the rules — which failures retry, when the webhook fires,
which dependants follow a new version — can be exercised directly.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from opendata.pipeline.isolated import refresh_in_process
from opendata.pipeline.refresh import RunResult, RunStatus
from opendata.scheduler import state, webhook
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.sources.discovery import refresh_order
from opendata.sources.sync import registry_of
from opendata.store.catalog import utcnow

log = logging.getLogger(__name__)


class RetryScheduler(Protocol):
    """``retry(name, next_attempt, delay_seconds, trigger)`` arranges a later attempt.

    ``allow_shrink=True`` is passed only when the failed run had it, so that the retry of an
    operator's allowed run stays allowed.
    """

    def __call__(
        self, name: str, attempt: int, delay: float, trigger: str, **kwargs: bool
    ) -> None: ...


@dataclass
class Runner:
    services: Services
    settings: SchedulerSettings
    schedule_retry: RetryScheduler | None = None

    def run_one(
        self, name: str, *, trigger: str, attempt: int = 1, allow_shrink: bool = False
    ) -> RunResult:
        """Refresh one dataset, record its state, alert on transitions, arrange a retry.

        The refresh runs in a process of its own (:mod:`opendata.pipeline.isolated`): a source
        that hangs or eats memory is killed there and costs this process nothing.
        """
        result = refresh_in_process(
            self.services, name, trigger=trigger, attempt=attempt, allow_shrink=allow_shrink
        )
        if result.status is RunStatus.BUSY:
            log.info("%s is being refreshed elsewhere; skipped", name)
            return result
        retry = (
            not result.ok
            and result.retryable
            and attempt <= self.settings.retries
            and self.schedule_retry is not None
        )
        transition = state.record(self.services.engine, name, ok=result.ok, final=not retry)
        if retry:
            assert self.schedule_retry is not None
            delay = self.settings.retry_delay(attempt)
            log.warning(
                "%s failed (%s), attempt %d; retrying in %.1f s",
                name,
                result.error_kind,
                attempt,
                delay,
            )
            extra = {"allow_shrink": True} if allow_shrink else {}
            self.schedule_retry(name, attempt + 1, delay, trigger, **extra)
        if transition is not None:
            self._announce(transition.value, result, attempt)
        return result

    def run_batch(
        self,
        names: Iterable[str],
        *,
        trigger: str,
        attempt: int = 1,
        allow_shrink: Collection[str] = (),
    ) -> list[RunResult]:
        """Refresh ``names`` in dependency order; a new version also refreshes its dependants.

        Dependants run after everything they depend on in this batch, once each, whatever
        publishes; a dependency that did not change triggers nothing. Only the datasets named
        in ``allow_shrink`` may shrink past the guard (a dependant is never let through on its
        dependency's permission).
        """
        sources = registry_of(self.services).sources
        order = refresh_order(sources)
        requested = set(names)
        pending = set(requested)
        unknown = [n for n in pending if n not in sources]
        results = [
            self.run_one(n, trigger=trigger, attempt=attempt, allow_shrink=n in allow_shrink)
            for n in sorted(unknown)
        ]
        for name in order:
            if name not in pending:
                continue
            result = self.run_one(
                name,
                trigger=trigger if name in requested else "dependency",
                attempt=attempt if name in requested else 1,
                allow_shrink=name in requested and name in allow_shrink,
            )
            results.append(result)
            if result.status is RunStatus.PUBLISHED:
                pending |= dependants(sources, name)
        return results

    def _announce(self, event: str, result: RunResult, attempt: int) -> None:
        current = state.get(self.services.engine, result.dataset)
        since = current.get("failing_since")
        payload: dict[str, Any] = {
            "event": event,
            "source": result.dataset,
            "run_id": result.run_id,
            "status": result.status.value,
            "error_kind": result.error_kind.value if result.error_kind else None,
            "error": (result.error or "").splitlines()[0] if result.error else None,
            "attempt": attempt,
            "consecutive_failures": current.get("consecutive_failures", 0),
            "failing_since": since.isoformat() if since else None,
            "at": utcnow().isoformat(),
            "site": self.services.config.get("SITE_URL"),
        }
        log.warning("source %s %s", result.dataset, event)
        webhook.notify(self.settings.webhook_url, payload, self.settings.webhook_timeout)


def dependants(sources: Any, name: str) -> set[str]:
    """Enabled sources that declare ``name`` in ``depends_on`` (direct ones; the batch recurses)."""
    return {n for n, loaded in sources.items() if name in loaded.cls.depends_on}
