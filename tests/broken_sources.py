"""Sources that break the contract, each in a different way (discovery must refuse them), and
sources that keep the contract but fail at refresh with secrets in their errors (what anonymous
readers must never see)."""

from __future__ import annotations

from collections.abc import Iterator

from example_sources import ExampleCatalog

from opendata.plugin import (
    ResourceSpec,
    Row,
    Source,
    SourceError,
    TransientSourceError,
    fields,
)


class BadSchema(Source):
    name = "bad_schema"
    title = "坏的模式"
    description = "字段类型写错了"
    publisher = "测试机关"
    resources = (
        ResourceSpec(
            "items",
            "条目",
            {"fields": [{"name": "id", "title": "编号", "type": "intger"}], "primaryKey": ["id"]},
        ),
    )

    def rows(self, resource: str) -> Iterator[Row]:
        yield {"id": 1}


class EnglishTitles(ExampleCatalog):
    name = "english_titles"
    resources = (
        ResourceSpec(
            "items", "条目", {"fields": [{"name": "id", "title": "Identifier", "type": "integer"}]}
        ),
    )


class NeedsUrl(ExampleCatalog):
    name = "needs_url"

    class Config(Source.Config):
        base_url = fields.Url(required=True)


class NotASource:
    name = "not_a_source"


#: What a careless plugin puts in its errors: a secret, a server path, a URL with a password.
SECRET = "hunter2"
SECRET_PATH = "/srv/secret/origin.csv"
SECRET_URL = "postgresql://u:pw@db/x"
LEAKY_MESSAGE = f"cannot read {SECRET_PATH} from {SECRET_URL} (secret={SECRET})"


class LeakySecrets(ExampleCatalog):
    """The example catalogue, failing as ``fail`` says with the secrets in its message.

    ``crash`` raises a RuntimeError (a plugin bug: the run records a traceback too), ``source``
    a SourceError (a bad origin), ``transient`` a TransientSourceError; "" publishes. A warning
    carries the secret too: warnings are shown to everyone.
    """

    name = "leaky_secrets"
    title = "泄密的数据源"

    class Config(ExampleCatalog.Config):
        fail = fields.String(load_default="")

    def extract(self) -> Iterator[tuple[str, Row]]:
        fail = self.config["fail"]
        for count, item in enumerate(super().extract(), start=1):
            if fail and count == 5:
                self.context.warnings.append(f"origin note: token={SECRET} at {SECRET_PATH}")
                if fail == "crash":
                    raise RuntimeError(LEAKY_MESSAGE)
                if fail == "transient":
                    raise TransientSourceError(LEAKY_MESSAGE)
                raise SourceError(LEAKY_MESSAGE)
            yield item


class LeakyNeverPublished(LeakySecrets):
    """Fails from its first run: a dataset with no version at all."""

    name = "leaky_unpublished"
    title = "从未发布的泄密数据源"
