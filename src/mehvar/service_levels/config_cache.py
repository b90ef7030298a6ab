"""The service-level configuration (routing rules, SLA policies, team hours, the default
calendar) kept in memory per process, reloaded only when it changed.

Every new conversation consults all of it; loading fifty rules with their JSON conditions
alone cost more than a millisecond, reading one counter costs a tenth of that. Every
configuration service raises the counter in the transaction that writes (a rolled-back
change raises nothing), so a process never routes by rules older than the last committed
change. Row counts are part of the key: deleting a team takes its rules and hours with it
without any service of ours running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F

from mehvar.service_levels.models import (
    BusinessCalendar,
    ConfigVersion,
    RoutingRule,
    SlaPolicy,
    TeamServiceSettings,
)

NAME = "service_levels"
_COUNTED = (RoutingRule, SlaPolicy, TeamServiceSettings, BusinessCalendar)


@dataclass(frozen=True)
class ServiceConfig:
    rules: list[RoutingRule]                      # active, in order
    policies: list[SlaPolicy]                     # active, in order
    team_calendars: dict[int, BusinessCalendar]
    default_calendar: BusinessCalendar | None

    def calendar_of_team(self, team_id: int | None) -> BusinessCalendar | None:
        """The team's business hours, else the default calendar, else none (24/7)."""
        found = self.team_calendars.get(team_id) if team_id is not None else None
        return found or self.default_calendar


_cache: dict[str, tuple[tuple[int, ...], ServiceConfig]] = {}


def config_changed() -> None:
    """Call inside the writing transaction of every configuration change."""
    ConfigVersion.objects.bulk_create([ConfigVersion(name=NAME)], ignore_conflicts=True)
    ConfigVersion.objects.filter(name=NAME).update(version=F("version") + 1)


def config_key_sql() -> tuple[str, list[Any]]:
    """Select-list expressions reading the configuration's key (counter and row counts), to
    read alongside another row in the same statement."""
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})"
                       for model in _COUNTED)
    return (f"(SELECT {quote('version')} FROM {quote(ConfigVersion._meta.db_table)} "
            f"WHERE {quote('name')} = %s), {counts}", [NAME])


KEY_WIDTH = 1 + len(_COUNTED)


def service_config(key: Sequence[Any] | None = None) -> ServiceConfig:
    """The current configuration: one query while nothing changed, none when the caller read
    the key already (config_key_sql)."""
    if key is None:
        sql, params = config_key_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sql}", params)
            key = cursor.fetchone()
    current = (key[0] or 0, *key[1:])
    cached = _cache.get(NAME)
    if cached is not None and cached[0] == current:
        return cached[1]
    config = ServiceConfig(
        rules=list(RoutingRule.objects.filter(is_active=True).order_by("position", "id")),
        policies=list(SlaPolicy.objects.filter(is_active=True).order_by("position", "id")),
        team_calendars={settings.team_id: settings.calendar for settings in
                        TeamServiceSettings.objects.filter(calendar__isnull=False)
                        .select_related("calendar")
                        if settings.calendar is not None},
        default_calendar=BusinessCalendar.objects.filter(is_default=True).first())
    _cache[NAME] = (current, config)
    return config


def config_forget() -> None:
    """Drop what this process holds (tests, whose rolled-back data reuses versions)."""
    _cache.clear()
