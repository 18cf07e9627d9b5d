"""Configuration order: defaults → the TOML file named by OPENDATA_CONFIG → OPENDATA_* → overrides.

Every layer is checked at start against one schema: a bad value names the key as it was written,
the layer and what is expected; unknown keys are refused with the closest known name; relative
paths in the file resolve against its folder; ``opendata config show`` masks secrets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata.app import create_app
from opendata.cli import main
from opendata.config import NOT_SETTINGS, ConfigError, load_config, load_layers
from opendata.config_schema import settings_schema
from opendata.config_show import effective, keys_table
from opendata.masking import mask_url

ROOT = Path(__file__).resolve().parents[1]


def write_toml(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "opendata.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(environ: dict[str, str], overrides: dict[str, object] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(overrides, environ=environ)
    return str(caught.value)


def test_each_layer_overrides_the_one_before(tmp_path: Path) -> None:
    toml = write_toml(
        tmp_path / "etc",
        'site_title = "来自文件"\nkeep_versions = 7\ndatasets_path = "from-file"\n'
        '[scheduler]\ntimezone = "UTC"\njitter = 5\n',
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
    assert config["DATASETS_PATH"] == str((tmp_path / "etc" / "from-file").resolve())
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
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"OPENDATA_CONFIG": str(tmp_path / "nope.toml")})
    broken = write_toml(tmp_path, "site_title = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(environ={"OPENDATA_CONFIG": str(broken)})


# -- a bad value names the key as written, the layer, and what is expected ---------------------


def test_a_bad_value_in_the_environment_is_refused_at_start_not_blamed_on_a_source() -> None:
    message = refused({"OPENDATA_KEEP_VERSIONS": "abc"})
    assert 'OPENDATA_KEEP_VERSIONS = "abc" (environment): expected an integer of at least 2' in (
        message
    )
    assert "\n" not in message and "Traceback" not in message


def test_a_bad_value_in_the_file_names_the_file_and_the_key_as_written(tmp_path: Path) -> None:
    toml = write_toml(
        tmp_path,
        'keep_versions = "abc"\nhttp = 5\n[scheduler]\nmisfire_grace_time = 10\n'
        '[sources.example_catalog]\ntimeout = "slow"\nrows = 20\n',
    )
    message = refused({"OPENDATA_CONFIG": str(toml)})
    where = f"(TOML file {toml.resolve()})"
    assert f'keep_versions = "abc" {where}: expected an integer of at least 2' in message
    assert f"http = 5 {where}: expected a table (keys: timeout, allowed_hosts)" in message
    assert f"scheduler.misfire_grace_time = 10 {where}: expected an integer of at least 600" in (
        message
    )
    # The core's per-source options are typed; the source's own (rows) are left to its Config.
    assert f'sources.example_catalog.timeout = "slow" {where}: expected a number' in message
    assert "rows" not in message


def test_a_bad_override_is_named_as_given(tmp_path: Path) -> None:
    message = refused({}, {"INSTANCE_PATH": str(tmp_path), "SHRINK_FRACTION": 1.5})
    assert "SHRINK_FRACTION = 1.5 (override): expected a number from 0 to 1" in message


def test_the_defaults_pass_the_same_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # A default edited into something the schema refuses is caught at the next start, too.
    monkeypatch.setattr(settings_schema().fields["keep_versions"], "load_default", 1)
    message = refused({})
    assert "keep_versions = 1 (default): expected an integer of at least 2" in message


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("OPENDATA_SHRINK_FRACTION", "2", "a number from 0 to 1"),
        ("OPENDATA_SCHEDULER__TIMEZONE", "Mars/Olympus", "an IANA time zone name"),
        ("OPENDATA_SCHEDULER__SCHEDULES__EXAMPLE_CATALOG", "61 * * * *", "a schedule"),
        ("OPENDATA_SCHEDULER__WORKERS", "0", "an integer of at least 1"),
        ("OPENDATA_HTTP__TIMEOUT", "true", "a number above 0"),
        ("OPENDATA_SOURCES_ENABLED", "disclosure_*", "a list of texts"),
        ("OPENDATA_SOURCES_EXTRA", '["no_colon"]', "a list of import paths"),
        ("OPENDATA_SITE_URL", "ftp://example.org", "an http(s) URL, or empty"),
        ("OPENDATA_DATABASE_URL", "not a url", "a SQLAlchemy URL"),
        ("OPENDATA_API__MAX_PAGE_SIZE", "1.5", "an integer of at least 1"),
        ("OPENDATA_SOURCES__EXAMPLE_CATALOG__ALLOW_SHRINK", '"maybe"', "true or false"),
        ("OPENDATA_SOURCES", '["example_catalog"]', "a table per source name"),
    ],
)
def test_every_kind_of_setting_is_typed(variable: str, raw: str, expected: str) -> None:
    message = refused({variable: raw})
    assert variable in message and f"(environment): expected {expected}" in message


def test_text_settings_take_the_variable_as_written(tmp_path: Path) -> None:
    config = load_config(environ={"OPENDATA_SITE_TITLE": "2024", "OPENDATA_PUBLISHER": ""})
    assert config["SITE_TITLE"] == "2024" and config["PUBLISHER"] is None
    # Scripts that JSON-encode every value (tests/scheduler_kit.py) keep working.
    config = load_config(environ={"OPENDATA_SCHEDULER__TIMEZONE": '"UTC"'})
    assert config["SCHEDULER"]["timezone"] == "UTC"


def test_a_bad_secret_is_named_without_its_value() -> None:
    message = refused({"OPENDATA_SCHEDULER__WEBHOOK_URL": "ftp://hooks.example.org/T0/s3cr3t"})
    assert "OPENDATA_SCHEDULER__WEBHOOK_URL" in message and "s3cr3t" not in message
    message = refused({"OPENDATA_SOURCES__EXAMPLE_CATALOG__TIMEOUT": "pw=s3cr3t"})
    assert "s3cr3t" in message  # not a secret by name: shown, so the operator sees the mistake
    message = refused({"OPENDATA_SOURCES": '{"Bad Name": {"api_token": "s3cr3t"}}'})
    assert "is not a source name" in message and "s3cr3t" not in message


def test_the_page_sizes_must_agree() -> None:
    message = refused({"OPENDATA_API__DEFAULT_PAGE_SIZE": "2000"})
    assert "api.default_page_size = 2000 (env OPENDATA_API__DEFAULT_PAGE_SIZE)" in message


# -- unknown keys, with the closest known name --------------------------------------------------


def test_a_typo_in_the_file_is_refused_with_the_closest_key(tmp_path: Path) -> None:
    toml = write_toml(tmp_path, 'keep_version = 3\n[scheduler]\ntimezon = "UTC"\n')
    message = refused({"OPENDATA_CONFIG": str(toml)})
    assert "keep_version (TOML file" in message and "did you mean keep_versions?" in message
    assert "scheduler.timezon (TOML file" in message and "scheduler.timezone?" in message


@pytest.mark.parametrize(
    ("variable", "closest"),
    [
        ("OPENDATA_KEEP_VERSION", "OPENDATA_KEEP_VERSIONS"),
        ("OPENDATA_SCHEDULER_TIMEZONE", "OPENDATA_SCHEDULER__TIMEZONE"),
        ("OPENDATA_SCHEDULER__TIMEZON", "OPENDATA_SCHEDULER__TIMEZONE"),
        ("OPENDATA_CONFIGG", "OPENDATA_CONFIG"),
    ],
)
def test_a_typo_in_the_environment_is_refused_with_the_closest_variable(
    variable: str, closest: str
) -> None:
    message = refused({variable: "3"})
    assert f"{variable} (environment) is not a setting (did you mean {closest}?)" in message


def test_variables_that_are_not_settings_are_allowed_by_name() -> None:
    allowed = {name: "x" for name in NOT_SETTINGS if name != "OPENDATA_CONFIG"}
    # A variable named after an installed source belongs to it (its Config reads it).
    allowed["OPENDATA_ARCHIVE_ROOM_DATABASE_URL"] = "sqlite:///archive.sqlite"
    load_config(environ=allowed)
    message = refused({"OPENDATA_NO_SUCH_SOURCE_DATABASE_URL": "sqlite:///x"})
    assert "OPENDATA_NO_SUCH_SOURCE_DATABASE_URL (environment) is not a setting" in message


def test_overrides_from_code_may_carry_flask_settings(tmp_path: Path) -> None:
    config = load_config({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}, environ={})
    assert config["TESTING"] is True


# -- relative paths ----------------------------------------------------------------------------


def test_relative_paths_in_the_file_resolve_against_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    toml = write_toml(
        tmp_path / "etc",
        'instance_path = "inst"\ndatasets_path = "../published"\n'
        'database_url = "sqlite:///db/catalog.sqlite3"\n',
    )
    config = load_config(environ={"OPENDATA_CONFIG": str(toml)})
    etc = (tmp_path / "etc").resolve()
    assert config["INSTANCE_PATH"] == str(etc / "inst")
    assert config["DATASETS_PATH"] == str(tmp_path.resolve() / "published")
    assert config["DATABASE_URL"] == f"sqlite:///{etc / 'db' / 'catalog.sqlite3'}"
    # From the environment, against the working directory.
    env = {"OPENDATA_CONFIG": str(toml), "OPENDATA_DATASETS_PATH": "here"}
    assert load_config(environ=env)["DATASETS_PATH"] == str(elsewhere.resolve() / "here")
    # A relative OPENDATA_CONFIG is itself found from the working directory.
    relative = {"OPENDATA_CONFIG": os.path.relpath(toml, elsewhere)}
    assert load_config(environ=relative)["INSTANCE_PATH"] == str(etc / "inst")


# -- opendata config show / keys ---------------------------------------------------------------


def test_config_show_gives_each_origin_and_masks_secrets(tmp_path: Path) -> None:
    toml = write_toml(
        tmp_path,
        '[scheduler]\njitter = 5\nwebhook_url = "https://hooks.example.org/T0/B0/hooksecret"\n'
        '[sources.archive_room]\ndatabase_url = "postgresql+psycopg://arch:dbsecret@db/a"\n'
        'api_token = "tokensecret"\n',
    )
    env = {
        "OPENDATA_CONFIG": str(toml),
        "OPENDATA_DATABASE_URL": "postgresql+psycopg://od:pgsecret@db.internal/od?password=q",
        "OPENDATA_KEEP_VERSIONS": "3",
        "OPENDATA_FAULT_AFTER": "files",
    }
    result = CliRunner().invoke(main, ["config", "show"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    for secret in ("hooksecret", "dbsecret", "tokensecret", "pgsecret", "password=q"):
        assert secret not in out
    where = f"# file {toml.resolve()}"
    assert re.search(r"^keep_versions = 3 +# env OPENDATA_KEEP_VERSIONS$", out, re.M)
    assert re.search(rf"^scheduler\.jitter = 5 +{re.escape(where)}$", out, re.M)
    assert re.search(r"^scheduler\.retries = 3 +# default$", out, re.M)
    assert 'database_url = "postgresql+psycopg://od:***@db.internal/od?password=***"' in out
    assert '"https://hooks.example.org/***"' in out
    assert 'sources.archive_room.api_token = "***"' in out
    assert "# also set: OPENDATA_FAULT_AFTER (test hook" in out  # not a setting, still shown
    shown = json.loads(CliRunner().invoke(main, ["config", "show", "--json"], env=env).output)
    assert shown["keep_versions"] == {"value": 3, "origin": "env OPENDATA_KEEP_VERSIONS"}
    assert shown["sources.archive_room.database_url"]["value"].endswith("arch:***@db/a")
    # Overrides given in code are the fourth origin.
    loaded = load_layers({"KEEP_VERSIONS": 4}, environ=env)
    assert ("keep_versions", 4, "override") in list(effective(loaded.config, loaded.origins))


def test_the_docs_list_every_setting_as_the_schema_has_it() -> None:
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    start, end = "<!-- config-keys:start -->", "<!-- config-keys:end -->"
    assert start in docs and end in docs, "docs/operations.md lost its generated key table"
    table = docs.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == keys_table(), "regenerate the table with `opendata config keys`"
    for name in NOT_SETTINGS:
        assert f"`{name}`" in docs, f"{name} is allowed but not documented"


def test_masking_keeps_what_identifies_and_hides_what_authorises() -> None:
    assert (
        mask_url("postgresql+psycopg://u:p%40ss@h:5432/db")
        == "postgresql+psycopg://u:***@h:5432/db"
    )
    assert mask_url("https://h/x?access_token=abc&page=2") == "https://h/x?access_token=***&page=2"
    assert mask_url("https://h/robot/send?x=1", whole_path=True) == "https://h/***"
    assert mask_url("https://u@h/") == "https://u@h/"  # a user without a password stays


# -- refusing to start -------------------------------------------------------------------------


def test_the_cli_exits_non_zero_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update(OPENDATA_KEEP_VERSIONS="abc", OPENDATA_INSTANCE_PATH=str(tmp_path / "instance"))
    done = subprocess.run(
        [sys.executable, "-c", "from opendata.cli import main; main()", "sources"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert re.fullmatch(
        r'Error: The configuration cannot be used: OPENDATA_KEEP_VERSIONS = "abc" '
        r"\(environment\): expected an integer of at least 2\. [^\n]*\n",
        done.stderr,
    ), done.stderr


def test_create_app_refuses_a_bad_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENDATA_KEEP_VERSION", "3")
    with pytest.raises(ConfigError, match="did you mean OPENDATA_KEEP_VERSIONS"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_gunicorn_refuses_to_boot_with_the_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update(OPENDATA_KEEP_VERSIONS="abc", OPENDATA_INSTANCE_PATH=str(tmp_path / "instance"))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # Two workers and no control socket, as the README's production command runs it.
    command = [gunicorn, "--workers", "2", "--bind", "127.0.0.1:0", "--no-control-socket"]
    done = subprocess.run(
        [*command, "--chdir", str(ROOT), "wsgi:app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a safety net for a hang, not a measurement
    )
    assert done.returncode != 0
    assert 'OPENDATA_KEEP_VERSIONS = "abc" (environment): expected an integer' in done.stderr
    assert "App failed to load" in done.stderr
    # The workers print the message alone; no traceback of ours reaches the log.
    assert "opendata/config" not in done.stderr
