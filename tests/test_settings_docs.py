"""The settings reference matches the code, and the environment readers behave as documented.

Every MEHVAR_* name in settings.py, cli.py or core/env.py appears in
docs/operations/settings.md, and every name the page lists is still read by the code.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mehvar.core.env import database_config, env_bool, env_int, env_list, secret_key

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "src/mehvar/settings.py", ROOT / "src/mehvar/cli.py",
           ROOT / "src/mehvar/core/env.py"]
DOC = ROOT / "docs/operations/settings.md"
NAME = re.compile(r"\bMEHVAR_[A-Z0-9_]*[A-Z0-9]\b")


def names_in(*paths: Path) -> set[str]:
    return {name for path in paths for name in NAME.findall(path.read_text(encoding="utf-8"))}


def documented_rows() -> dict[str, str]:
    """variable -> default column, from the table rows of the settings page."""
    rows = re.findall(r"^\| `(MEHVAR_[A-Z0-9_]+)` \| ([^|]+) \|", DOC.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)
    return dict(rows)


def test_every_variable_in_the_code_is_documented() -> None:
    missing = names_in(*SOURCES) - set(documented_rows())
    assert not missing, f"add to docs/operations/settings.md: {sorted(missing)}"


def test_every_documented_variable_is_read_by_the_code() -> None:
    stale = names_in(DOC) - names_in(*SOURCES)
    assert not stale, f"no longer in the code, remove from the docs: {sorted(stale)}"


def test_each_variable_has_exactly_one_row() -> None:
    rows = re.findall(r"^\| `(MEHVAR_[A-Z0-9_]+)` \|", DOC.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)
    assert sorted(rows) == sorted(set(rows))
    assert len(rows) >= 19


# -- core/env.py -----------------------------------------------------------------------------


def test_sqlite_url_with_absolute_path() -> None:
    config = database_config("sqlite:///srv/mehvar/var/mehvar.sqlite3", conn_max_age=60)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/mehvar/var/mehvar.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "CONN_MAX_AGE" not in config  # SQLite connections are cheap and per thread


def test_sqlite_url_variants() -> None:
    assert database_config("sqlite://", conn_max_age=0)["NAME"] == ":memory:"
    assert database_config("sqlite://data/dev.db", conn_max_age=0)["NAME"] == "data/dev.db"
    assert database_config("sqlite:///tmp/a%20b.db", conn_max_age=0)["NAME"] == "/tmp/a b.db"


def test_postgres_url_with_password_port_and_options() -> None:
    config = database_config(
        "postgres://mehvar:p%40ss%2Fw%C3%B6rd@db.internal:6432/mehvar_prod"
        "?sslmode=require&connect_timeout=5",
        conn_max_age=120,
    )
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "mehvar_prod",
        "USER": "mehvar",
        "PASSWORD": "p@ss/wörd",
        "HOST": "db.internal",
        "PORT": "6432",
        "CONN_MAX_AGE": 120,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {"sslmode": "require", "connect_timeout": "5",
                    "server_side_binding": True, "prepare_threshold": 2},
    }


def test_postgres_url_without_password_or_port() -> None:
    config = database_config("postgresql://postgres@127.0.0.1/test", conn_max_age=0)
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"],
            config["NAME"], config["OPTIONS"]) == (
        "postgres", "", "127.0.0.1", "", "test",
        {"server_side_binding": True, "prepare_threshold": 2})


@pytest.mark.parametrize(("query", "binding", "threshold"), [
    ("?server_side_binding=false&prepare_threshold=none", False, None),
    ("?server_side_binding=TRUE&prepare_threshold=10", True, 10),
    ("?prepare_threshold=0", True, 0),
])
def test_prepared_statements_can_be_turned_off_for_a_pooler(
    query: str, binding: bool, threshold: int | None,
) -> None:
    options = database_config(f"postgres://mehvar@pgbouncer:6432/mehvar{query}",
                              conn_max_age=0)["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (binding, threshold)


def test_a_prepare_threshold_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="prepare_threshold"):
        database_config("postgres://mehvar@db/mehvar?prepare_threshold=often", conn_max_age=0)


def test_postgres_connection_health_checks_are_opt_in() -> None:
    url = "postgresql://postgres@127.0.0.1/test"
    assert database_config(url, conn_max_age=60)["CONN_HEALTH_CHECKS"] is False
    assert database_config(url, conn_max_age=60, health_checks=True)["CONN_HEALTH_CHECKS"] is True


def test_unsupported_database_scheme_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="MEHVAR_DATABASE_URL"):
        database_config("mysql://root@localhost/mehvar", conn_max_age=0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
     ("0", False), ("false", False), ("No", False), ("off", False), ("", False)],
)
def test_env_bool_reads_the_usual_words(monkeypatch, raw, expected) -> None:
    monkeypatch.setenv("MEHVAR_DEBUG", raw)
    assert env_bool("MEHVAR_DEBUG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch) -> None:
    monkeypatch.delenv("MEHVAR_SECURE_COOKIES", raising=False)
    assert env_bool("MEHVAR_SECURE_COOKIES", True) is True


@pytest.mark.parametrize("raw", ["maybe", "بله", "ναι", "2"])
def test_env_bool_rejects_garbage_naming_the_variable(monkeypatch, raw) -> None:
    monkeypatch.setenv("MEHVAR_SECURE_COOKIES", raw)
    with pytest.raises(ImproperlyConfigured, match="MEHVAR_SECURE_COOKIES"):
        env_bool("MEHVAR_SECURE_COOKIES", False)


def test_env_int_rejects_garbage_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("MEHVAR_WEB_WORKERS", "four")
    with pytest.raises(ImproperlyConfigured, match="MEHVAR_WEB_WORKERS"):
        env_int("MEHVAR_WEB_WORKERS", 2)
    monkeypatch.setenv("MEHVAR_WEB_WORKERS", " ")
    assert env_int("MEHVAR_WEB_WORKERS", 2) == 2


def test_env_list_splits_and_trims(monkeypatch) -> None:
    monkeypatch.setenv("MEHVAR_ALLOWED_HOSTS", " help.example.com, ,10.0.0.5 ,")
    assert env_list("MEHVAR_ALLOWED_HOSTS", []) == ["help.example.com", "10.0.0.5"]


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path) -> None:
    # given: no key in the environment and a var dir that does not exist yet
    monkeypatch.delenv("MEHVAR_SECRET_KEY", raising=False)
    var_dir = tmp_path / "var"
    # when
    first = secret_key(var_dir)
    second = secret_key(var_dir)
    # then
    key_file = var_dir / "secret_key"
    assert first == second
    assert len(first) >= 50
    assert key_file.read_text() == first
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_secret_key_from_the_environment_wins(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MEHVAR_SECRET_KEY", "κλειδί-from-env")
    assert secret_key(tmp_path) == "κλειδί-from-env"
    assert not (tmp_path / "secret_key").exists()


def test_channel_credentials_come_from_the_environment(tmp_path: Path) -> None:
    """A fresh process configured only by MEHVAR_* variables has its providers switched on
    (tests elsewhere set Django settings directly, which would hide a missing reader)."""
    script = (
        "import django; django.setup()\n"
        "from mehvar.channels.messaging import sms, telegram, whatsapp\n"
        "from mehvar.channels.webchat.http import allowed_origins\n"
        "print(telegram.telegram_settings().bot_token, whatsapp.whatsapp_settings().token,\n"
        "      sms.sms_settings().from_number, allowed_origins())\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("MEHVAR_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "mehvar.settings", "MEHVAR_VAR_DIR": str(tmp_path),
        "MEHVAR_TELEGRAM_BOT_TOKEN": "1:abc", "MEHVAR_TELEGRAM_SECRET_TOKEN": "s",
        "MEHVAR_WHATSAPP_TOKEN": "wa", "MEHVAR_WHATSAPP_APP_SECRET": "x",
        "MEHVAR_WHATSAPP_VERIFY_TOKEN": "v", "MEHVAR_WHATSAPP_PHONE_NUMBER_ID": "42",
        "MEHVAR_SMS_ACCOUNT_SID": "AC1", "MEHVAR_SMS_AUTH_TOKEN": "t",
        "MEHVAR_SMS_FROM": "+302101234567",
        "MEHVAR_WEBCHAT_ALLOWED_ORIGINS": "https://shop.example/, https://www.shop.example",
    })
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.strip() == (
        "1:abc wa +302101234567 ['https://shop.example', 'https://www.shop.example']")
