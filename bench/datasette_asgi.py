"""Datasette as an ASGI app for gunicorn's uvicorn workers, tuned as ``datasette serve -i db
--inspect-file inspect.json --setting suggest_facets off --setting max_csv_mb 0`` is:

    BENCH_DATASETTE_DB=catalog.db BENCH_DATASETTE_INSPECT=inspect.json \\
        gunicorn -w 2 -k uvicorn.workers.UvicornWorker datasette_asgi:app

The database is immutable (no change checks, counts from the inspect file), facets are not
suggested on every page, and the CSV is never cut. Used by ``bench_serve.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from datasette.app import Datasette

_inspect = os.environ.get("BENCH_DATASETTE_INSPECT")
datasette = Datasette(
    immutables=[os.environ["BENCH_DATASETTE_DB"]],
    inspect_data=json.loads(Path(_inspect).read_text()) if _inspect else None,
    settings={"suggest_facets": False, "max_csv_mb": 0},
)
app = datasette.app()
