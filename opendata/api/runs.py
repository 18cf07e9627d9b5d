"""Refresh history: every run with its status, counts, timings, error and validation report."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from opendata.api import schemas
from opendata.api.base import ApiBlueprint, absolute, reject_extra, services
from opendata.api.errors import ApiError
from opendata.api.http import CACHE_IMMUTABLE, CACHE_NONE, json_response
from opendata.api.snapshot import check_name

blp = ApiBlueprint(
    "runs", __name__, url_prefix="/api/v1", description="Refresh history with validation reports"
)

_MAX_ID = 2**31 - 1


def _run(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "url": f"/api/v1/runs/{row['id']}"}


@blp.route("/runs")
@blp.arguments(schemas.RunsArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.RunList)
@blp.errors(400)
def list_runs(**args: Any) -> Response:
    """Runs, newest first; filter by dataset and status; ``_next`` pages back in time."""
    reject_extra({"dataset", "status", "_size", "_next"})
    dataset = args.get("dataset")
    if dataset is not None:
        check_name(dataset, "dataset")
    size = args["size"]
    rows = services().catalog.runs(
        dataset=dataset, status=args.get("status"), limit=size + 1, before_id=args.get("next")
    )
    following = rows[size - 1]["id"] if len(rows) > size else None
    next_url = None
    if following is not None:
        params = [(k, v) for k, v in request.args.items(multi=True) if k != "_next"]
        params.append(("_next", str(following)))
        next_url = absolute("/api/v1/runs?" + urlencode(params))
    body = {"runs": [_run(r) for r in rows[:size]], "next": following, "next_url": next_url}
    response = json_response(body, next_url=next_url)
    response.headers["Cache-Control"] = CACHE_NONE
    return response


@blp.route("/runs/<int:run_id>")
@blp.response(200, schemas.RunDetail)
@blp.errors(404)
def get_run(run_id: int) -> Response:
    """One run with its full validation report (errors name resource, row and field)."""
    reject_extra(set())
    row = services().catalog.run(run_id) if run_id <= _MAX_ID else None
    if row is None:
        raise ApiError(404, "unknown_run", f"no run with id {run_id}", run=run_id)
    response = json_response(_run(row))
    # A finished run never changes; a running one will.
    response.headers["Cache-Control"] = (
        CACHE_NONE if row["status"] == "running" else CACHE_IMMUTABLE
    )
    return response
