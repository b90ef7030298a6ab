"""Typed readers for MEHVAR_* environment variables (read once, by settings.py)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from error


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key(var_dir: Path) -> str:
    """MEHVAR_SECRET_KEY, or a key generated once and kept in var/secret_key."""
    given = os.environ.get("MEHVAR_SECRET_KEY")
    if given:
        return given
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: when two processes start at once, the first writer wins and both read its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# Statements are sent with their parameters apart and prepared on a connection after their
# second run, so PostgreSQL parses and plans each hot statement once per connection (a third
# less database CPU per inbound message than sending every statement as text). Behind a
# pooler that cannot keep prepared statements, turn it off in the URL:
# ?server_side_binding=false&prepare_threshold=none.
POSTGRES_DEFAULT_OPTIONS: dict[str, object] = {"server_side_binding": True, "prepare_threshold": 2}


def _postgres_options(given: dict[str, str]) -> dict[str, object]:
    options: dict[str, object] = {**POSTGRES_DEFAULT_OPTIONS, **given}
    if "server_side_binding" in given:
        options["server_side_binding"] = given["server_side_binding"].lower() in TRUE_WORDS
    if "prepare_threshold" in given:
        threshold = given["prepare_threshold"].lower()
        if threshold in {"", "none", "off"}:
            options["prepare_threshold"] = None
        elif threshold.isdigit():
            options["prepare_threshold"] = int(threshold)
        else:
            raise ImproperlyConfigured(
                "prepare_threshold in MEHVAR_DATABASE_URL is a number of runs or 'none'")
    return options


def database_config(
    url: str, *, conn_max_age: int, health_checks: bool = False
) -> dict[str, object]:
    """Turn sqlite:///path or postgres://user:pass@host:port/name into a DATABASES entry.

    Health checks (a `SELECT 1` before a kept connection is reused) are off by default: they
    cost a round trip on every request, and without them a connection broken by a database
    restart fails one request, is then closed and replaced."""
    parsed = urlparse(url)
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            path = parsed.netloc + path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "mehvar",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": health_checks,
            "OPTIONS": _postgres_options(options),
        }
    raise ImproperlyConfigured(
        f"MEHVAR_DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite or postgres)"
    )
