"""Configuration order: defaults → the TOML file named by OPENDATA_CONFIG → OPENDATA_* → overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendata.config import load_config


def test_each_layer_overrides_the_one_before(tmp_path: Path) -> None:
    toml = tmp_path / "opendata.toml"
    toml.write_text(
        'site_title = "来自文件"\nkeep_versions = 7\ndatasets_path = "from-file"\n'
        '[scheduler]\ntimezone = "UTC"\njitter = 5\n',
        encoding="utf-8",
    )
    environ = {
        "OPENDATA_CONFIG": str(toml),
        "OPENDATA_KEEP_VERSIONS": "9",
        "OPENDATA_SCHEDULER__JITTER": "11",
        "OPENDATA_SOURCES_ENABLED": '["disclosure_*"]',
        "OTHER_VARIABLE": "ignored",
    }
    config = load_config({"site_title": "来自参数"}, environ=environ, root=tmp_path)
    assert config["SITE_TITLE"] == "来自参数"  # overrides beat everything
    assert config["KEEP_VERSIONS"] == 9  # environment beats the file
    assert config["SCHEDULER"]["timezone"] == "UTC"  # the file beats the defaults
    assert config["SCHEDULER"]["jitter"] == 11  # nested keys through a double underscore
    assert config["SCHEDULER"]["poll_seconds"] == 2.0  # untouched defaults survive a merge
    assert config["SOURCES_ENABLED"] == ["disclosure_*"]  # JSON values from the environment
    assert config["DATASETS_PATH"] == str((Path.cwd() / "from-file").resolve())
    assert "OTHER_VARIABLE" not in config


def test_default_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    config = load_config(environ={}, root=tmp_path)
    assert (
        config["DATABASE_URL"]
        == f"sqlite:///{tmp_path.resolve() / 'instance' / 'opendata.sqlite3'}"
    )
    moved = load_config({"INSTANCE_PATH": str(tmp_path / "elsewhere")}, environ={}, root=tmp_path)
    assert moved["DATABASE_URL"].endswith("/elsewhere/opendata.sqlite3")


def test_a_missing_or_broken_config_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="does not exist"):
        load_config(environ={"OPENDATA_CONFIG": str(tmp_path / "nope.toml")})
    broken = tmp_path / "broken.toml"
    broken.write_text("site_title = \n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not valid TOML"):
        load_config(environ={"OPENDATA_CONFIG": str(broken)})
