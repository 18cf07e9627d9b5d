"""Refresh history: every run with its status, counts, timings, public summary and report.

Anonymous readers see a failed run's error kind and the summary the core derives from it
(:mod:`opendata.run_summary`), never the recorded exception text. A caller with an API token
also gets ``error_detail`` on ``/runs/<id>``: that text with credentials redacted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from opendata.api.v1 import schemas
from opendata.api.v1.admin import require_token
from opendata.api.v1.base import ApiBlueprint, absolute, reject_extra
from opendata.api.v1.errors import ApiError
from opendata.api.v1.http import CACHE_IMMUTABLE, CACHE_NONE, json_response
from opendata.read.snapshot import check_name
from opendata.run_summary import detailed_run, public_run, public_runs
from opendata.site import services

blp = ApiBlueprint(
    "runs", __name__, url_prefix="/api/v1", description="Refresh history with validation reports"
)

#: Run ids are 32-bit serials; a larger number in the path is no run (404 from routing).
MAX_RUN_ID = 2**31 - 1
#: A response for a token holder must never be kept by a shared cache and served to others.
CACHE_PRIVATE = "private, no-store"


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
    page = rows[:size]
    reports = services().catalog.failure_reports([r["id"] for r in page])
    shown = public_runs(page, reports)
    body = {"runs": [_run(r) for r in shown], "next": following, "next_url": next_url}
    response = json_response(body, next_url=next_url)
    response.headers["Cache-Control"] = CACHE_NONE
    return response


@blp.route(f"/runs/<int(max={MAX_RUN_ID}):run_id>")
@blp.response(200, schemas.RunDetail)
@blp.errors(401, 404)
def get_run(run_id: int) -> Response:
    """One run with its validation report (errors name resource, row and field).

    With ``Authorization: Bearer <token>`` the response adds ``error_detail``, the recorded
    error text (credentials redacted); a token that is not valid is 401, not a silent downgrade.
    """
    reject_extra(set())
    svc = services()
    holder = bool(request.headers.get("Authorization")) and bool(require_token(svc))
    row = svc.catalog.run(run_id)
    if row is None:
        raise ApiError(404, "unknown_run", f"no run with id {run_id}", run=run_id)
    response = json_response(_run(detailed_run(row) if holder else public_run(row)))
    # A finished run never changes; a running one will. The body depends on the token.
    response.vary.add("Authorization")
    if holder:
        response.headers["Cache-Control"] = CACHE_PRIVATE
    else:
        response.headers["Cache-Control"] = (
            CACHE_NONE if row["status"] == "running" else CACHE_IMMUTABLE
        )
    return response
