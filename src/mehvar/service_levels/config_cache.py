"""Routing rules and SLA policies kept in memory per process, reloaded when changed.

Every new conversation consults both; loading fifty rules with their JSON conditions cost
more than a millisecond per conversation, reading one counter costs a tenth of that. Writers
raise the counter in the transaction that changes the rows (a rolled-back change raises
nothing), so a process never serves rules older than the last committed change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import F, Model

from mehvar.service_levels.models import ConfigVersion

T = TypeVar("T")
ROUTING, POLICIES = "routing", "policies"
_cache: dict[str, tuple[tuple[int, int], Any]] = {}


def config_changed(name: str) -> None:
    """Call inside the writing transaction."""
    ConfigVersion.objects.bulk_create([ConfigVersion(name=name)], ignore_conflicts=True)
    ConfigVersion.objects.filter(name=name).update(version=F("version") + 1)


def config_cached(name: str, load: Callable[[], T], *, rows: type[Model]) -> T:
    """`load()`'s result, cached until the counter moves or the number of `rows` changes (a
    team deleted takes its routing rules with it, without a service to raise the counter)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT {quote('version')} FROM {quote(ConfigVersion._meta.db_table)} "
            f"WHERE {quote('name')} = %s), (SELECT COUNT(*) FROM {quote(rows._meta.db_table)})",
            [name])
        version, count = cursor.fetchone()
    current = (version or 0, count)
    cached = _cache.get(name)
    if cached is not None and cached[0] == current:
        return cached[1]
    value = load()
    _cache[name] = (current, value)
    return value


def config_forget() -> None:
    """Drop what this process holds (tests, whose rolled-back data reuses versions)."""
    _cache.clear()
