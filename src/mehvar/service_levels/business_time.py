"""Business-time arithmetic for SLA clocks: pure Python, no database.

A schedule turns wall-clock time into a monotone count of business seconds, so "due in 8
business hours" is one addition and one inverse lookup, never a walk over the calendar.
Everything is reckoned in the schedule's local wall-clock time and local times map back to
UTC with ``fold=0``. Limitation: a DST transition inside business hours is not compensated (the
clock follows wall-clock labels, so a skipped hour still counts and a repeated one runs back).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[int, int]  # minutes from local midnight, start < end, 0 <= start, end <= 1440
Weekly = tuple[tuple[Interval, ...], ...]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
_INTERVAL_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", re.ASCII)


def _day_index(day: date) -> int:
    """Days since 0001-01-01, a Monday, so ``index % 7`` is the weekday and weeks align."""
    return day.toordinal() - 1


def _normalize_day(intervals: Iterable[Sequence[int]], day_name: str) -> tuple[Interval, ...]:
    """Sort one day's intervals and reject anything that would make the clock ambiguous."""
    result: list[Interval] = []
    for interval in intervals:
        if not isinstance(interval, Sequence) or len(interval) != 2:
            raise ValueError(f"{day_name}: interval {interval!r} must be a (start, end) pair")
        if not all(type(bound) is int for bound in interval):
            raise ValueError(f"{day_name}: interval {interval!r} must be two whole minutes")
        start, end = interval
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{day_name}: interval {interval!r} must satisfy 0 <= start < end <= 1440"
            )
        result.append((start, end))
    result.sort()
    for (_, previous_end), (start, _) in pairwise(result):
        if start < previous_end:
            raise ValueError(f"{day_name}: intervals overlap at minute {start}")
    return tuple(result)


@dataclass(frozen=True)
class Schedule:
    """Weekly business hours in one time zone, minus whole-day local holidays.

    The derived tables are built once so every query is O(log holidays).
    """

    time_zone: str
    weekly: Weekly
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _intervals: Weekly = field(init=False, repr=False, compare=False)  # in seconds
    _prefix: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_days: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_before: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_marks: tuple[int, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        time_zone: str,
        weekly: Sequence[Iterable[Sequence[int]]],
        holidays: Iterable[date] = (),
    ) -> Schedule:
        """Normalise loose input (lists, unsorted intervals) and validate it."""
        if len(weekly) != 7:
            raise ValueError(f"weekly must have 7 days (Monday first), got {len(weekly)}")
        days = tuple(_normalize_day(day, name) for day, name in zip(weekly, DAY_NAMES, strict=True))
        return cls(time_zone, days, frozenset(holidays))

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, str):
            raise ValueError(f"time zone must be an IANA name, got {self.time_zone!r}")
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        if len(self.weekly) != 7:
            raise ValueError(f"weekly must have 7 days (Monday first), got {len(self.weekly)}")
        for day, name in zip(self.weekly, DAY_NAMES, strict=True):
            if _normalize_day(day, name) != day:
                raise ValueError(f"{name}: intervals must be a sorted tuple of (start, end)")
        for holiday in self.holidays:
            if type(holiday) is not date:
                raise ValueError(f"holiday {holiday!r} must be a date")
        intervals = tuple(tuple((s * 60, e * 60) for s, e in day) for day in self.weekly)
        day_seconds = tuple(sum(e - s for s, e in day) for day in intervals)
        if not any(day_seconds):
            raise ValueError("the week has no business hours")
        holiday_days = tuple(sorted(_day_index(day) for day in self.holidays))
        before = (0, *accumulate(day_seconds[day % 7] for day in holiday_days))
        prefix = (0, *accumulate(day_seconds))
        week = prefix[7]
        # marks[j]: business seconds at the start of the day after the j-th holiday.
        marks = tuple(
            (day + 1) // 7 * week + prefix[(day + 1) % 7] - before[j + 1]
            for j, day in enumerate(holiday_days)
        )
        for name, value in (
            ("_zone", zone),
            ("_intervals", intervals),
            ("_prefix", prefix),
            ("_holiday_days", holiday_days),
            ("_holiday_before", before),
            ("_holiday_marks", marks),
        ):
            object.__setattr__(self, name, value)


ALWAYS_OPEN = Schedule.build("UTC", [[(0, MINUTES_PER_DAY)]] * 7)


def parse_weekly(spec: Mapping[str, Sequence[str]]) -> Weekly:
    """Read the ``{"mon": ["09:00-17:00"], ...}`` form that people write in settings."""
    unknown = set(spec) - set(DAY_NAMES)
    if unknown:
        raise ValueError(f"unknown day names {sorted(unknown)}; use {', '.join(DAY_NAMES)}")
    weekly: list[tuple[Interval, ...]] = []
    for name in DAY_NAMES:
        texts = spec.get(name, ())
        if isinstance(texts, str):
            raise ValueError(f"{name}: expected a list of intervals, got the string {texts!r}")
        intervals: list[Interval] = []
        for text in texts:
            match = _INTERVAL_RE.fullmatch(text) if isinstance(text, str) else None
            if match is None:
                raise ValueError(f"{name}: {text!r} is not an interval like '09:00-17:00'")
            start_hour, start_minute, end_hour, end_minute = map(int, match.groups())
            if start_hour > 23 or start_minute > 59 or end_minute > 59:
                raise ValueError(f"{name}: {text!r} is not a valid time of day")
            if end_hour > 24 or (end_hour == 24 and end_minute):
                raise ValueError(f"{name}: {text!r} ends after 24:00")
            start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
            if start >= end:
                raise ValueError(f"{name}: {text!r} ends before it starts")
            intervals.append((start, end))
        weekly.append(_normalize_day(intervals, name))
    return tuple(weekly)


def format_weekly(weekly: Sequence[Sequence[Interval]]) -> dict[str, list[str]]:
    """The inverse of ``parse_weekly``; closed days are left out."""
    return {
        name: [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in day]
        for name, day in zip(DAY_NAMES, weekly, strict=True)
        if day
    }


def _local(schedule: Schedule, at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime {at!r} has no time zone")
    # Through UTC, so a wall time that DST skips is read as the instant it denotes.
    return at.astimezone(UTC).astimezone(schedule._zone)


def _second_of_day(local: datetime) -> int:
    """Whole seconds only: sub-second parts never change the clock."""
    return local.hour * 3600 + local.minute * 60 + local.second


def _holiday_position(schedule: Schedule, day: int) -> tuple[int, bool]:
    """How many holidays fall before ``day``, and whether ``day`` is one."""
    position = bisect_left(schedule._holiday_days, day)
    days = schedule._holiday_days
    return position, position < len(days) and days[position] == day


def _day_start(schedule: Schedule, day: int) -> int:
    """Business seconds at local midnight of ``day``, ignoring holidays."""
    weeks, weekday = divmod(day, 7)
    return weeks * schedule._prefix[7] + schedule._prefix[weekday]


def business_seconds(schedule: Schedule, at: datetime) -> int:
    """A monotone clock that only ticks in business hours, so durations are differences."""
    local = _local(schedule, at)
    day = _day_index(local.date())
    position, is_holiday = _holiday_position(schedule, day)
    value = _day_start(schedule, day) - schedule._holiday_before[position]
    if not is_holiday:
        second = _second_of_day(local)
        intervals = schedule._intervals[day % 7]
        value += sum(min(second, end) - start for start, end in intervals if second > start)
    return value


def from_business_seconds(schedule: Schedule, value: int) -> datetime:
    """The earliest instant the clock reads ``value``: inside an interval or at its end."""
    # The answer is the last day whose start reads < value. Holidays before it are counted by
    # bisecting the precomputed marks; the day itself then follows from week arithmetic.
    target = value + schedule._holiday_before[bisect_left(schedule._holiday_marks, value)]
    weeks, remainder = divmod(target - 1, schedule._prefix[7])
    weekday = bisect_right(schedule._prefix, remainder, 0, 7) - 1
    day = weeks * 7 + weekday
    offset = target - _day_start(schedule, day)
    for start, end in schedule._intervals[weekday]:
        if offset <= end - start:
            local_midnight = datetime.combine(date.fromordinal(day + 1), datetime.min.time())
            wall = local_midnight.replace(tzinfo=schedule._zone) + timedelta(seconds=start + offset)
            return wall.astimezone(UTC)
        offset -= end - start
    raise AssertionError("unreachable: the chosen day always holds the value")


def add_business(schedule: Schedule, start: datetime, seconds: int) -> datetime:
    """Zero returns the same instant even out of hours: an SLA of 0 is due at once."""
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    if seconds == 0:
        return _local(schedule, start).astimezone(UTC)
    return from_business_seconds(schedule, business_seconds(schedule, start) + seconds)


def business_between(schedule: Schedule, start: datetime, end: datetime) -> int:
    """Signed, so a deadline already passed reads as negative time left."""
    return business_seconds(schedule, end) - business_seconds(schedule, start)


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Intervals are half-open: the first second counts, the closing second does not."""
    local = _local(schedule, at)
    day = _day_index(local.date())
    if _holiday_position(schedule, day)[1]:
        return False
    second = _second_of_day(local)
    return any(start <= second < end for start, end in schedule._intervals[day % 7])
