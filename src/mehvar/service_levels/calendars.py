"""Business-hours calendars as business_time Schedules, cached per process.

A schedule is rebuilt only when its calendar row's `updated_at` moves (every calendar and
holiday service touches it), so the clocks of a busy inbox read one small row, not the
holidays, per evaluation."""

from __future__ import annotations

from datetime import datetime

from mehvar.service_levels.business_time import ALWAYS_OPEN, Schedule, parse_weekly
from mehvar.service_levels.models import BusinessCalendar, Holiday

_cache: dict[int, tuple[datetime, Schedule]] = {}


def schedule_of(calendar: BusinessCalendar | None) -> Schedule:
    """The calendar's schedule (ALWAYS_OPEN for none): 24/7 counts plain wall-clock time."""
    if calendar is None:
        return ALWAYS_OPEN
    cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    holidays = frozenset(Holiday.objects.filter(calendar_id=calendar.pk)
                         .values_list("date", flat=True))
    schedule = Schedule.build(calendar.time_zone, parse_weekly(calendar.weekly_hours), holidays)
    _cache[calendar.pk] = (calendar.updated_at, schedule)
    return schedule


def schedules_forget() -> None:
    """Drop what this process holds (tests, whose rolled-back rows reuse ids and times)."""
    _cache.clear()
