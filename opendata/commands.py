"""Commands that live beside the part they drive, added to the ``opendata`` group."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the optional command groups to ``group``."""
