from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sustain.core.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
)

# --- env_str and the *_FILE variants ------------------------------------------------------


def test_str_reads_the_variable_or_falls_back_to_the_default():
    assert env_str("NAME", environ={"NAME": "value"}) == "value"
    assert env_str("NAME", "fallback", environ={}) == "fallback"
    assert env_str("NAME", "fallback", environ={"NAME": ""}) == ""


def test_file_variant_reads_the_secret_from_a_file_without_its_newline(tmp_path: Path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file\n", encoding="utf-8")

    assert env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "from-a-file"


def test_file_variant_works_for_every_reader(tmp_path: Path):
    def file_with(text: str) -> str:
        path = tmp_path / f"value-{len(list(tmp_path.iterdir()))}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    assert env_bool("FLAG", environ={"FLAG_FILE": file_with("yes\n")}) is True
    assert env_int("N", 1, environ={"N_FILE": file_with("42\n")}) == 42
    assert env_list("L", environ={"L_FILE": file_with("a,b\n")}) == ["a", "b"]
    url = env_url("U", schemes=("redis",), environ={"U_FILE": file_with("redis://h:6379\n")})
    assert url == "redis://h:6379"
    assert env_path("P", Path("/x"), environ={"P_FILE": file_with("/srv/data\n")}) == Path(
        "/srv/data"
    )


def test_both_variable_and_file_set_is_an_error(tmp_path: Path):
    secret = tmp_path / "secret"
    secret.write_text("a", encoding="utf-8")

    with pytest.raises(EnvError, match="SECRET_KEY and SECRET_KEY_FILE are both set"):
        env_str("SECRET_KEY", environ={"SECRET_KEY": "b", "SECRET_KEY_FILE": str(secret)})


def test_unreadable_file_is_an_error_naming_the_variable(tmp_path: Path):
    missing = tmp_path / "missing"

    with pytest.raises(EnvError, match=r"SECRET_KEY_FILE='.*missing' cannot be read"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(missing)})


def test_empty_file_variable_is_ignored():
    assert env_str("NAME", "default", environ={"NAME_FILE": ""}) == "default"


def test_env_error_is_an_improperly_configured_error():
    assert issubclass(EnvError, ImproperlyConfigured)


# --- env_bool -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On", " true "])
def test_bool_true_values(value: str):
    assert env_bool("FLAG", environ={"FLAG": value}) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_bool_false_values(value: str):
    assert env_bool("FLAG", default=True, environ={"FLAG": value}) is False


def test_bool_unset_gives_the_default():
    assert env_bool("FLAG", environ={}) is False
    assert env_bool("FLAG", default=True, environ={}) is True


def test_bool_rejects_anything_else_with_a_clear_message():
    with pytest.raises(EnvError, match=r"DEBUG='maybe' is not a boolean; use one of true/false"):
        env_bool("DEBUG", environ={"DEBUG": "maybe"})


# --- env_int ------------------------------------------------------------------------------


def test_int_reads_a_whole_number():
    assert env_int("N", 5, environ={"N": " 42 "}) == 42
    assert env_int("N", 5, environ={"N": "-3"}) == -3


def test_int_unset_or_empty_gives_the_default():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "  "}) == 5


@pytest.mark.parametrize("value", ["ten", "1.5", "1e3", "0x10"])
def test_int_rejects_what_is_not_a_whole_number(value: str):
    with pytest.raises(EnvError, match=r"EMAIL_PORT=.* is not a whole number"):
        env_int("EMAIL_PORT", 25, environ={"EMAIL_PORT": value})


def test_int_enforces_minimum_and_maximum():
    assert env_int("N", 5, minimum=1, maximum=10, environ={"N": "10"}) == 10
    with pytest.raises(EnvError, match="N=0 is below the minimum of 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})
    with pytest.raises(EnvError, match="N=70000 is above the maximum of 65535"):
        env_int("N", 5, maximum=65535, environ={"N": "70000"})


# --- env_list -----------------------------------------------------------------------------


def test_list_splits_on_commas_and_drops_blanks():
    value = " a.example , b.example,, "
    assert env_list("HOSTS", environ={"HOSTS": value}) == ["a.example", "b.example"]


def test_list_unset_gives_a_copy_of_the_default():
    default = ["x"]
    result = env_list("HOSTS", default, environ={})

    assert result == ["x"]
    assert result is not default
    assert env_list("HOSTS", environ={}) == []
    assert env_list("HOSTS", ["x"], environ={"HOSTS": ""}) == []


# --- env_url ------------------------------------------------------------------------------


def test_url_accepts_an_allowed_scheme():
    env = {"DATABASE_URL": " postgres://db.example:5432/sustain "}
    url = env_url("DATABASE_URL", schemes=("postgres", "sqlite"), environ=env)

    assert url == "postgres://db.example:5432/sustain"


def test_url_unset_or_empty_gives_the_default():
    assert env_url("U", "redis://localhost", schemes=("redis",), environ={}) == "redis://localhost"
    assert env_url("U", schemes=("redis",), environ={"U": ""}) == ""


def test_url_rejects_another_scheme_and_lists_the_allowed_ones():
    with pytest.raises(EnvError, match=r"must start with one of: http://, https://"):
        env_url(
            "SUSTAIN_BASE_URL", schemes=("http", "https"), environ={"SUSTAIN_BASE_URL": "ftp://x"}
        )


def test_url_without_host_or_path_is_rejected():
    with pytest.raises(EnvError, match="names no host or path"):
        env_url("REDIS_URL", schemes=("redis",), environ={"REDIS_URL": "redis:"})


def test_url_error_does_not_show_the_password():
    env = {"DATABASE_URL": "mysql://sustain:hunter2@db/sustain"}

    with pytest.raises(EnvError) as excinfo:
        env_url("DATABASE_URL", schemes=("postgres",), environ=env)

    assert "hunter2" not in str(excinfo.value)
    assert "sustain:***@db" in str(excinfo.value)


# --- env_path -----------------------------------------------------------------------------


def test_path_reads_an_absolute_path_and_expands_the_home_directory(monkeypatch):
    monkeypatch.setenv("HOME", "/home/sustain")

    assert env_path("P", Path("/d"), environ={"P": "/srv/sustain"}) == Path("/srv/sustain")
    assert env_path("P", Path("/d"), environ={"P": "~/data"}) == Path("/home/sustain/data")


def test_path_unset_or_empty_gives_the_default():
    assert env_path("P", Path("/default"), environ={}) == Path("/default")
    assert env_path("P", Path("/default"), environ={"P": " "}) == Path("/default")


def test_path_must_be_absolute():
    with pytest.raises(EnvError, match=r"SUSTAIN_DATA_DIR='var/data' must be an absolute path"):
        env_path("SUSTAIN_DATA_DIR", Path("/d"), environ={"SUSTAIN_DATA_DIR": "var/data"})


def test_env_choice_accepts_any_case_and_names_the_choices():
    from sustain.core.env import env_choice

    assert (
        env_choice("LOG_LEVEL", "INFO", choices=("INFO", "DEBUG"), environ={"LOG_LEVEL": "debug"})
        == "DEBUG"
    )
    with pytest.raises(EnvError, match="not one of: INFO, DEBUG"):
        env_choice("LOG_LEVEL", "INFO", choices=("INFO", "DEBUG"), environ={"LOG_LEVEL": "loud"})


def test_env_time_zone_rejects_unknown_zones():
    from sustain.core.env import env_time_zone

    assert (
        env_time_zone("TIME_ZONE", "UTC", environ={"TIME_ZONE": "Europe/Berlin"}) == "Europe/Berlin"
    )
    with pytest.raises(EnvError, match="IANA"):
        env_time_zone("TIME_ZONE", "UTC", environ={"TIME_ZONE": "Mars/Olympus"})
