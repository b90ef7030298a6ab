"""The IANA time zone names, read from the system's tz database once per process
(zoneinfo.available_timezones() walks the whole database on every call)."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def time_zone_names() -> tuple[str, ...]:
    """Sorted, for choice lists."""
    return tuple(sorted(zoneinfo.available_timezones()))


@cache
def _known() -> frozenset[str]:
    return frozenset(time_zone_names())


def is_time_zone(name: str) -> bool:
    return name in _known()
