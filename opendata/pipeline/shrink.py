"""The shrink guard: a refresh must not silently publish far fewer rows than readers have now.

A header-only export, an emptied database table or a platform answering an empty list is read
by every source as "there is nothing", and nothing is valid data. Publishing it would replace
hundreds of published rows with none. So a run whose resource had rows in the current version
and now has none, or has lost more than a set fraction of them, fails with ``shrink`` unless
the operator allows it for that run or in the source's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: The share of a resource's rows a run may lose before the guard stops it.
DEFAULT_FRACTION = 0.5


@dataclass(frozen=True)
class Shrink:
    """One resource that shrank past the guard."""

    resource: str
    before: int
    after: int

    def describe(self) -> str:
        if self.after == 0:
            return f"{self.resource}: {self.before} rows now, 0 in this run (emptied)"
        lost = (self.before - self.after) / self.before
        return f"{self.resource}: {self.before} rows now, {self.after} in this run (-{lost:.0%})"


@dataclass(frozen=True)
class ShrinkPolicy:
    """Whether a run may shrink, and by how much before it is stopped."""

    fraction: float = DEFAULT_FRACTION
    allowed: bool = False

    @classmethod
    def for_source(
        cls, config: Mapping[str, Any], source_config: Mapping[str, Any], *, allow: bool
    ) -> ShrinkPolicy:
        """The policy of one run: the source's own options win over the global default."""
        fraction = source_config.get("shrink_fraction")
        if fraction is None:
            fraction = config.get("SHRINK_FRACTION", DEFAULT_FRACTION)
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"shrink fraction must be between 0 and 1, not {fraction}")
        return cls(fraction, allow or bool(source_config.get("allow_shrink", False)))


def shrunk(before: Mapping[str, int], after: Mapping[str, int], fraction: float) -> list[Shrink]:
    """Resources that had rows in ``before`` and lost all, or more than ``fraction``, of them.

    A resource the new run does not produce at all counts as emptied: readers would lose it
    just the same. Growth and resources new in this run are never a shrink.
    """
    allowance = Decimal(str(fraction))  # 0.57 as written, not 0.56999… as a float
    found = []
    for resource, had in sorted(before.items()):
        had = int(had or 0)
        if had <= 0:
            continue
        now = int(after.get(resource, 0))
        # Lost rows against the allowance in rows, in decimal: 0.5 of 516 allows exactly 258
        # lost and not one more, and float rounding never decides the boundary.
        if now == 0 or (had - now) > allowance * had:
            found.append(Shrink(resource, had, now))
    return found


def shrink_error(dataset: str, found: list[Shrink], fraction: float) -> str:
    """The run's error: which resources, both counts, and how the operator lets it through."""
    what = "; ".join(s.describe() for s in found)
    return (
        f"{dataset} would shrink past the guard (more than {fraction:.0%} of a resource's rows "
        f"lost, or all of them): {what}. Nothing was published. If the origin really holds "
        f"less now, run `opendata refresh {dataset} --allow-shrink` (or POST the refresh with "
        f'{{"allow_shrink": true}}), or set allow_shrink / shrink_fraction under '
        f"[sources.{dataset}]"
    )
