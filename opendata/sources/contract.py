"""Contract checks for source plugins: run at start-up, in the test kit and in the meta-test.

Each check returns sentences a plugin author can act on; an empty list means the class keeps the
contract of :mod:`opendata.plugin`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema

from opendata.licenses import LICENSES
from opendata.plugin import NAME_PATTERN, Source
from opendata.validation.support import unsupported

_CJK = re.compile(r"[\u4e00-\u9fff]")
TABLE_SCHEMA_V2 = "https://datapackage.org/profiles/2.0/tableschema.json"


def check_contract(cls: type) -> list[str]:
    """Every way ``cls`` breaks the source contract (empty when it keeps it)."""
    if not (isinstance(cls, type) and issubclass(cls, Source)):
        return [f"{cls!r} is not a subclass of opendata.plugin.Source"]
    problems: list[str] = []
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        problems.append(f"name {name!r} must match {NAME_PATTERN.pattern}")
    for attr in ("title", "description", "publisher"):
        value = getattr(cls, attr, "")
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{attr} is empty; declare it as a class attribute")
    if not isinstance(getattr(cls, "title_en", ""), str):
        problems.append("title_en must be text (the dataset's English title) or left out")
    if cls.license not in LICENSES:
        problems.append(f"license {cls.license!r} is not one of {sorted(LICENSES)}")
    from apscheduler.triggers.cron import CronTrigger  # only where plugins are checked

    try:
        CronTrigger.from_crontab(cls.schedule)
    except (ValueError, TypeError) as exc:
        problems.append(f"schedule {cls.schedule!r} is not a five-field cron expression: {exc}")
    for dep in cls.depends_on:
        if not NAME_PATTERN.match(dep):
            problems.append(f"depends_on names {dep!r}, which is not a dataset name")
    # Whether the Config loads is checked against the deployment's actual options at discovery:
    # a plugin may rightly require options (an origin URL) that have no default.
    if not (isinstance(cls.Config, type) and issubclass(cls.Config, Schema)):
        problems.append("Config must be a marshmallow Schema (subclass Source.Config)")
    problems += cls.sample_problems()
    problems += check_resources(cls)
    return problems


def check_resources(cls: type[Source]) -> list[str]:
    problems: list[str] = []
    if not cls.resources:
        return ["resources is empty; declare one ResourceSpec per output table"]
    names = [spec.name for spec in cls.resources]
    if len(set(names)) != len(names):
        problems.append(f"resource names repeat: {names}")
    schemas: dict[str, Mapping[str, Any]] = {}
    for spec in cls.resources:
        if not NAME_PATTERN.match(spec.name):
            problems.append(f"resource name {spec.name!r} must match {NAME_PATTERN.pattern}")
        if not spec.title.strip():
            problems.append(f"resource {spec.name!r} has no title")
        try:
            schemas[spec.name] = cls.load_schema(spec)
        except (OSError, ValueError) as exc:
            problems.append(f"resource {spec.name!r}: schema {spec.schema!r} cannot be read: {exc}")
    for spec in cls.resources:
        schema = schemas.get(spec.name)
        if schema is not None:
            problems += [
                f"resource {spec.name!r}: {p}" for p in check_schema(spec.name, schema, schemas)
            ]
            field_names = {f.get("name") for f in schema.get("fields", [])}
            if spec.disclosure_field and spec.disclosure_field not in field_names:
                problems.append(
                    f"resource {spec.name!r}: disclosure_field {spec.disclosure_field!r} "
                    "is not a field of its schema"
                )
    return problems


def check_schema(
    resource: str, schema: Mapping[str, Any], package: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """A Table Schema that frictionless accepts, with Chinese titles and resolvable keys."""
    # Imported here: frictionless costs ~0.3 s and ~40 MB to import, and only the processes
    # that discover plugins (CLI, scheduler) check schemas; web workers never do.
    from frictionless import Schema as FrictionlessSchema

    # Published packages are Data Package v2: check the schema as v2 unless it declares otherwise
    report = FrictionlessSchema.validate_descriptor({"$schema": TABLE_SCHEMA_V2, **schema})
    problems = [row[0] for row in report.flatten(["message"])]
    # What frictionless accepts but opendata's validator cannot check is refused here, by field,
    # so that no refresh validates it differently (or fails on it) later.
    problems += [p for p in unsupported(schema) if p not in problems]
    fields = schema.get("fields", [])
    for field in fields:
        name = field.get("name", "")
        if name.startswith("_"):  # _id, _fts and whatever the datastore adds next
            problems.append(
                f"field {name!r}: names starting with '_' are reserved for the datastore"
            )
        if not _CJK.search(str(field.get("title", ""))):
            problems.append(f"field {name!r} needs a Chinese title")
    for fk in schema.get("foreignKeys", []):
        ref = fk.get("reference", {})
        target = ref.get("resource", "") or resource
        if target not in package:
            problems.append(f"foreign key refers to resource {target!r}, not in this source")
            continue
        target_fields = {f.get("name") for f in package[target].get("fields", [])}
        ref_fields = ref.get("fields", [])
        for ref_field in [ref_fields] if isinstance(ref_fields, str) else ref_fields:
            if ref_field not in target_fields:
                problems.append(f"foreign key refers to {target}.{ref_field}, which does not exist")
    return problems
