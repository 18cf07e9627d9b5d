"""marshmallow 4 schemas of /api/v1: query arguments (validated by webargs) and responses.

Views build their JSON themselves (orjson, no per-row marshmallow dump: rows pages are hot), so
the response schemas document the shapes for the OpenAPI document; the schemathesis test checks
that the responses keep to them.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from opendata.limits import DEFAULT, LimitError, Limits
from opendata.plugin import NAME_PATTERN

# Text parameters: bounded, and no NUL (PostgreSQL text cannot hold one).
_text = [validate.Length(max=1000), validate.Regexp(r"^[^\x00]*$", error="must not contain NUL")]
_version = validate.Regexp(r"^[0-9A-Za-z]{1,40}$", error="is not a version id")
#: Dataset and resource names: slugs of at most 64 characters (as the paths state them).
_name = [
    validate.Length(min=1, max=64),
    validate.Regexp(NAME_PATTERN, error="is not a dataset or resource name (a-z, 0-9, _)"),
]


def _str(description: str) -> fields.String:
    return fields.String(validate=_text, metadata={"description": description})


def _q_bounds(value: str) -> None:
    """The configured ``[limits]`` on a search text (terms, their length), in the request."""
    try:
        Limits.from_config(current_app.config).check_q(value, "q")
    except LimitError as exc:
        raise ma.ValidationError(exc.message) from None


def _catalogue_q(description: str) -> fields.String:
    # The catalogue is tens of datasets matched in memory: a long word costs nothing there.
    return fields.String(
        validate=[validate.Length(max=DEFAULT.max_q_chars), _text[1], _q_chars],
        metadata={"description": f"{description}; at most {DEFAULT.max_q_chars} characters"},
    )


def _q_chars(value: str) -> None:
    try:
        Limits.from_config(current_app.config).check_text(value, "q")
    except LimitError as exc:
        raise ma.ValidationError(exc.message) from None


def _q(description: str) -> fields.String:
    # maxLength and the words' bounds in the document are the defaults of [limits].
    return fields.String(
        validate=[
            validate.Length(max=DEFAULT.max_q_chars),
            # One regex (apispec documents only the first): words, their length, no NUL.
            validate.Regexp(
                DEFAULT.q_pattern(),
                error=f"must be at most {DEFAULT.max_q_terms} words of at most "
                f"{DEFAULT.max_term_chars} characters each, without NUL",
            ),
            _q_bounds,
        ],
        metadata={
            "description": f"{description}; at most {DEFAULT.max_q_chars} characters, "
            f"{DEFAULT.max_q_terms} different words of at most {DEFAULT.max_term_chars} "
            "characters each (the defaults of [limits])"
        },
    )


class VersionArgs(ma.Schema):
    version = fields.String(
        validate=_version,
        metadata={"description": "read this kept version instead of the current one"},
    )


class DatasetSearchArgs(ma.Schema):
    q = _catalogue_q(
        "words to find (Chinese words of two characters or more, or Latin words) in "
        "titles, descriptions, keywords, resource and field titles; all must match"
    )
    publisher = _str("only datasets of this publisher (facet value)")
    source = _str("only datasets of this source (facet value)")
    keyword = _str("only datasets with this keyword (facet value)")
    license = _str("only datasets under this licence id (facet value)")
    sort = fields.String(
        validate=validate.OneOf(["relevance", "name", "modified"]),
        metadata={"description": "order: relevance (default with q), name (default), modified"},
    )
    size = fields.Integer(
        data_key="_size",
        load_default=20,
        validate=validate.Range(1, 100),
        metadata={"description": "page size, 1–100"},
    )
    offset = fields.Integer(
        data_key="_offset",
        load_default=0,
        validate=validate.Range(0, 100_000),
        metadata={"description": "items to skip"},
    )


class _QueryArgs(VersionArgs):
    q = _q("full-text search (Chinese-aware) over the searchable fields")
    sort = fields.String(
        data_key="_sort", validate=_text, metadata={"description": "sort ascending by this field"}
    )
    sort_desc = fields.String(
        data_key="_sort_desc",
        validate=_text,
        metadata={"description": "sort descending by this field"},
    )
    fields_ = fields.String(
        data_key="fields",
        validate=_text,
        metadata={"description": "comma-separated fields to return (default: all)"},
    )


class RowsArgs(_QueryArgs):
    """Also ``<field>=v`` and ``<field>__gt|gte|lt|lte|in|contains|isnull=v`` filters."""

    size = fields.Integer(
        data_key="_size",
        validate=validate.Range(1, 1000),
        metadata={"description": "rows per page, 1–1000 (default 100)"},
    )
    next = fields.String(
        data_key="_next", validate=_text, metadata={"description": "opaque token of the next page"}
    )


class ExportArgs(_QueryArgs):
    """Also the row filters; any filter, q, sort or fields makes a streamed export."""

    bom = fields.Boolean(
        load_default=False,
        metadata={
            "description": "CSV only: start with a UTF-8 BOM so that Excel shows Chinese intact"
        },
    )


class ChangesArgs(ma.Schema):
    since = fields.String(
        required=True,
        validate=_version,
        metadata={"description": "the older version to compare with"},
    )
    resource = fields.String(
        validate=_name,
        metadata={"description": "resource to compare (required when the dataset has several)"},
    )
    size = fields.Integer(
        data_key="_size",
        load_default=100,
        validate=validate.Range(1, 1000),
        metadata={"description": "changes per page, 1–1000"},
    )
    next = fields.String(
        data_key="_next", validate=_text, metadata={"description": "opaque token of the next page"}
    )


class RunsArgs(ma.Schema):
    dataset = fields.String(validate=_name, metadata={"description": "only this dataset's runs"})
    status = fields.String(
        validate=validate.OneOf(["running", "published", "unchanged", "failed"]),
        metadata={"description": "only runs with this status"},
    )
    size = fields.Integer(
        data_key="_size",
        load_default=50,
        validate=validate.Range(1, 200),
        metadata={"description": "runs per page, 1–200"},
    )
    next = fields.Integer(
        data_key="_next",
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "token of the next page (from `next`)"},
    )


# -- responses ---------------------------------------------------------------------------


class FacetValue(ma.Schema):
    value = fields.String(required=True)
    count = fields.Integer(required=True)


class DatasetSummary(ma.Schema):
    name = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String()
    source = fields.String()
    publisher = fields.String()
    license = fields.String()
    keywords = fields.List(fields.String())
    schedule = fields.String()
    current_version = fields.String(allow_none=True)
    created = fields.DateTime()
    modified = fields.DateTime()
    resources = fields.List(fields.Dict())
    url = fields.String()
    score = fields.Integer()


class DatasetList(ma.Schema):
    total = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    size = fields.Integer(required=True)
    items = fields.List(fields.Nested(DatasetSummary), required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(FacetValue)), required=True
    )
    suggestions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "queries to try instead when nothing matched (did you mean)"},
    )
    next_url = fields.String(allow_none=True)


class Version(ma.Schema):
    id = fields.String(required=True)
    created = fields.DateTime()
    hash = fields.String()
    rows = fields.Dict()
    bytes = fields.Integer()
    run_id = fields.Integer(allow_none=True)
    url = fields.String()


class VersionDetail(Version):
    descriptor = fields.Dict()


class Freshness(ma.Schema):
    schedule = fields.String(allow_none=True)
    timezone = fields.String()
    last_success = fields.DateTime(allow_none=True)
    next_expected = fields.DateTime(allow_none=True)
    expected_interval_seconds = fields.Integer(allow_none=True)
    overdue_seconds = fields.Integer()
    status = fields.String(validate=validate.OneOf(["fresh", "overdue", "never", "unscheduled"]))


class Field(ma.Schema):
    name = fields.String(required=True)
    title = fields.String()
    type = fields.String()
    description = fields.String()
    constraints = fields.Dict()
    filterable = fields.Boolean()
    searchable = fields.Boolean()
    primary_key = fields.Boolean()


class Resource(ma.Schema):
    name = fields.String(required=True)
    title = fields.String()
    description = fields.String()
    version = fields.String()
    rows = fields.Integer()
    bytes = fields.Integer()
    hash = fields.String()
    primary_key = fields.List(fields.String())
    foreign_keys = fields.List(fields.Dict())
    fields_ = fields.List(fields.Nested(Field), data_key="fields")
    links = fields.Dict()


class DatasetDetail(DatasetSummary):
    version = fields.String(allow_none=True)
    datapackage = fields.Dict(allow_none=True)
    versions = fields.List(fields.Nested(Version))
    last_run = fields.Dict(allow_none=True)
    freshness = fields.Nested(Freshness)
    links = fields.Dict()


class VersionList(ma.Schema):
    dataset = fields.String(required=True)
    current_version = fields.String(allow_none=True)
    versions = fields.List(fields.Nested(Version), required=True)


class RowsPage(ma.Schema):
    dataset = fields.String(required=True)
    resource = fields.String(required=True)
    version = fields.String(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", required=True)
    rows = fields.List(fields.Dict(), required=True)
    total = fields.Integer(required=True)
    total_exact = fields.Boolean(required=True)
    next = fields.String(allow_none=True, required=True)
    next_url = fields.String(allow_none=True, required=True)


class Change(ma.Schema):
    op = fields.String(validate=validate.OneOf(["added", "changed", "removed"]), required=True)
    key = fields.Dict(required=True)
    row = fields.Dict(required=True)
    changed = fields.Dict()


class ChangesPage(ma.Schema):
    dataset = fields.String(required=True)
    resource = fields.String(required=True)
    version = fields.String(required=True)
    since = fields.String(required=True)
    fields_added = fields.List(fields.String())
    fields_removed = fields.List(fields.String())
    changes = fields.List(fields.Nested(Change), required=True)
    next = fields.String(allow_none=True, required=True)
    next_url = fields.String(allow_none=True, required=True)


class Run(ma.Schema):
    id = fields.Integer(required=True)
    dataset = fields.String(required=True)
    trigger = fields.String()
    status = fields.String()
    started = fields.DateTime()
    finished = fields.DateTime(allow_none=True)
    version = fields.String(allow_none=True)
    attempt = fields.Integer()
    rows = fields.Dict()
    withheld = fields.Dict()
    dropped_fields = fields.Dict()
    warnings = fields.List(fields.String())
    timings = fields.Dict()
    error = fields.String(
        allow_none=True,
        metadata={
            "description": "a failed run's public summary, written by the core from the error "
            "kind and the report (e.g. 'validation: 3 errors in resource entries'); never the "
            "exception text"
        },
    )
    error_kind = fields.String(
        allow_none=True,
        metadata={
            "description": "why a failed run failed: source, transient, timeout, validation, "
            "policy, shrink or unknown"
        },
    )
    url = fields.String()


class RunDetail(Run):
    report = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the validation report (errors name resource, row, field and type; "
            "never a personal-data value); a shrink failure adds `shrink`: resource, before, "
            "after"
        },
    )
    error_detail = fields.String(
        allow_none=True,
        metadata={
            "description": "only with a valid API token: the recorded error text (a crash's "
            "traceback too), with credentials in URLs and key=value secrets redacted"
        },
    )


class RunList(ma.Schema):
    runs = fields.List(fields.Nested(Run), required=True)
    next = fields.Integer(allow_none=True, required=True)
    next_url = fields.String(allow_none=True, required=True)
