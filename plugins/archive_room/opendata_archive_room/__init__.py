"""opendata source: the archive room of the 管委会办公室 as an information reading point (查阅点).

Publishes the open part of the archive catalogue and monthly look-up statistics aggregated from
the archive room's look-up log. The origin is the archive room's SQL database, read through
SQLAlchemy Core; the shipped sample is an SQLite file written by :mod:`.samplegen`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from importlib import resources as importlib_resources
from typing import ClassVar

from sqlalchemy.engine import Engine

from opendata.plugin import ResourceSpec, Row, Source, SourceError, fields

from . import reader

__all__ = ["ArchiveRoom"]

SAMPLE_DATABASE = "archive.sqlite"
#: Environment variable holding the database URL (with its password) when config gives none.
DATABASE_URL_ENV = "OPENDATA_ARCHIVE_ROOM_DATABASE_URL"


def sample_database_url() -> str:
    """The SQLAlchemy URL of the shipped sample database, for tests (the source uses origin())."""
    path = importlib_resources.files(__name__).joinpath("sample", SAMPLE_DATABASE)
    return f"sqlite:///{path}"


class ArchiveRoom(Source):
    """管委会办公室档案室：开放档案目录与查阅利用月度统计。"""

    name = "archive_room"
    title = "管委会办公室档案室（信息公开查阅点）"
    title_en = "Archive room: public look-ups of disclosed information"
    description = (
        "管委会办公室档案室是管委会办公室的政府信息公开查阅点，设专职档案员负责档案的借阅、"
        "归档、收集和整理，免费为经开区企事业单位查找资料。本数据集发布档案室的开放档案目录"
        "（档号、题名、年度、保管期限、开放状态），以及由查阅登记簿汇总的查阅利用月度统计"
        "（按查阅者类别和利用目的统计的查阅次数、页数和收费）。控制使用的档案不发布；"
        "查阅者的姓名、证件号码和联系方式不发布，只发布汇总数。"
    )
    publisher = "吉林经济技术开发区管理委员会办公室"
    license = "CC-BY-4.0"
    # Nightly, after the archive room's working day; the catalogue changes slowly.
    schedule = "30 1 * * *"
    keywords = ("档案", "查阅点", "档案目录", "查阅利用", "政府信息公开")
    origin_title = "管委会办公室档案室档案管理系统（SQL 数据库：archive_catalogue、lookup_log）"
    samples: ClassVar[Mapping[str, str]] = {"database_url": f"sample/{SAMPLE_DATABASE}"}
    resources = (
        ResourceSpec(
            "catalogue",
            "开放档案目录",
            "schemas/catalogue.json",
            description="档案室已开放档案的目录，每件档案一行；控制使用的档案不在其中。",
        ),
        ResourceSpec(
            "lookups_monthly",
            "查阅利用月度统计",
            "schemas/lookups_monthly.json",
            description=(
                "按月份、查阅者类别和利用目的汇总的查阅次数、页数和收费；"
                "由查阅登记簿汇总而来，不含任何查阅者的个人信息。"
            ),
            charts=(
                {
                    "name": "monthly_lookups",
                    "title": "每月查阅人次",
                    "title_en": "Look-ups per month",
                    "kind": "line",
                    "x": ["year", "month"],
                    "y": "lookups",
                },
            ),
        ),
    )

    class Config(Source.Config):
        """Where the archive room's database is."""

        #: Any SQLAlchemy URL (``postgresql+psycopg://…``, ``sqlite:///…``); None → the sample.
        #: A URL with a password belongs in the environment, not in the config file.
        database_url = fields.String(
            load_default=lambda: os.environ.get(DATABASE_URL_ENV),
            allow_none=True,
            metadata={
                "description": "档案管理系统数据库的 SQLAlchemy URL（默认取环境变量 "
                f"{DATABASE_URL_ENV}）；为空时读取随包附带的样例库"
            },
        )

    def rows(self, resource: str) -> Iterator[Row]:
        """Rows of ``catalogue`` or ``lookups_monthly``."""
        engine, name = reader.open_engine(self._database_url())
        try:
            if resource == "catalogue":
                yield from self._catalogue(engine, name)
            elif resource == "lookups_monthly":
                yield from self._lookups(engine, name)
            else:
                raise SourceError(f"{self.name} has no resource {resource!r}")
        finally:
            engine.dispose()

    def _database_url(self) -> str:
        """The configured URL; with none, the shipped sample database (a file even when zipped)."""
        configured = self.config.get("database_url")
        return str(configured) if configured else f"sqlite:///{self.origin('database_url')}"

    def _catalogue(self, engine: Engine, name: str) -> Iterator[Row]:
        stats = reader.CatalogueStats()
        yield from reader.catalogue_rows(engine, name, stats)
        # Closed records are never read, only counted: the count is not secret, their content is.
        self.log.info(
            "archive catalogue %s: %d open record(s) published, %d not open skipped",
            name,
            stats.published,
            stats.closed,
        )

    def _lookups(self, engine: Engine, name: str) -> Iterator[Row]:
        unknown: dict[str, int] = {}
        yield from reader.monthly_lookups(engine, name, unknown)
        for column, count in sorted(unknown.items()):
            self.context.warnings.append(
                f"{reader.LOG_TABLE}.{column}: {count} look-up(s) with a value outside the "
                f"published list were counted as {reader.OTHER}"
            )
