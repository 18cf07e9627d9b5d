"""``opendata check``: do the catalog, the version folders, the ``current`` markers and the
datastore tables agree? ``--repair`` fixes what can be fixed without losing a published version.

:mod:`~opendata.check.state` reads the three places, :mod:`~opendata.check.findings` compares
them, :mod:`~opendata.check.repair` fixes, :mod:`~opendata.check.cli` is the command.
"""

from opendata.check.findings import KINDS, Finding, find_all
from opendata.check.repair import Done, repair_all
from opendata.check.state import State, read_state

__all__ = ["KINDS", "Done", "Finding", "State", "find_all", "read_state", "repair_all"]
