"""Business time: real calendars checked by hand, then properties against a day-walking oracle."""

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mehvar.service_levels.business_time import (
    ALWAYS_OPEN,
    Schedule,
    Weekly,
    add_business,
    business_between,
    business_seconds,
    format_weekly,
    from_business_seconds,
    is_open,
    parse_weekly,
)

HOUR = 3600
RIYADH_ZONE, ATHENS_ZONE, TEHRAN_ZONE = (
    ZoneInfo("Asia/Riyadh"),
    ZoneInfo("Europe/Athens"),
    ZoneInfo("Asia/Tehran"),
)

# Friday–Saturday weekend.
SUNDAY_TO_THURSDAY = ("sun", "mon", "tue", "wed", "thu")
RIYADH = Schedule.build(
    "Asia/Riyadh", parse_weekly({day: ["09:00-17:00"] for day in SUNDAY_TO_THURSDAY})
)
# Saturday–Sunday weekend, a lunch break on Tuesdays, Independence Day 2027 (a Thursday).
ATHENS = Schedule.build(
    "Europe/Athens",
    parse_weekly(
        {
            "mon": ["09:00-17:00"],
            "tue": ["09:00-13:00", "14:00-17:00"],
            "wed": ["09:00-17:00"],
            "thu": ["09:00-17:00"],
            "fri": ["09:00-17:00"],
        }
    ),
    {date(2027, 3, 25)},
)
# Saturday to Wednesday, a half day on Thursday; Nowruz 2027 (Sunday to Wednesday) off.
TEHRAN = Schedule.build(
    "Asia/Tehran",
    parse_weekly(
        {day: ["08:00-16:00"] for day in ("sat", "sun", "mon", "tue", "wed")}
        | {"thu": ["08:00-12:00"]}
    ),
    {date(2027, 3, 21) + timedelta(days=offset) for offset in range(4)},
)
CALENDARS = (RIYADH, ATHENS, TEHRAN, ALWAYS_OPEN)


def _at(
    zone: tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


riyadh, athens, tehran, utc = (
    partial(_at, zone) for zone in (RIYADH_ZONE, ATHENS_ZONE, TEHRAN_ZONE, UTC)
)


# --- real calendars -------------------------------------------------------------------------


def test_riyadh_thursday_afternoon_rolls_over_the_friday_saturday_weekend() -> None:
    due = add_business(RIYADH, riyadh(2027, 6, 3, 16), 2 * HOUR)
    assert due == riyadh(2027, 6, 6, 10)
    assert due.tzinfo is UTC
    assert due == utc(2027, 6, 6, 7)


def test_a_target_that_ends_with_the_day_lands_on_the_closing_time() -> None:
    assert add_business(RIYADH, riyadh(2027, 6, 2, 16), HOUR) == riyadh(2027, 6, 2, 17)


def test_a_clock_started_at_the_weekend_starts_ticking_on_sunday_morning() -> None:
    assert add_business(RIYADH, riyadh(2027, 6, 4, 12), 1) == riyadh(2027, 6, 6, 9, 0, 1)
    assert business_between(RIYADH, riyadh(2027, 6, 3, 9), riyadh(2027, 6, 6, 17)) == 16 * HOUR


def test_athens_friday_afternoon_rolls_over_the_saturday_sunday_weekend() -> None:
    assert add_business(ATHENS, athens(2027, 6, 4, 16), 2 * HOUR) == utc(2027, 6, 7, 7)


def test_athens_lunch_break_is_skipped_and_its_start_is_the_earliest_landing() -> None:
    assert add_business(ATHENS, athens(2027, 6, 8, 12, 30), HOUR) == athens(2027, 6, 8, 14, 30)
    assert add_business(ATHENS, athens(2027, 6, 8, 12, 30), HOUR // 2) == athens(2027, 6, 8, 13)
    assert not is_open(ATHENS, athens(2027, 6, 8, 13, 30))


def test_greek_independence_day_is_skipped() -> None:
    assert add_business(ATHENS, athens(2027, 3, 24, 16), 2 * HOUR) == athens(2027, 3, 26, 10)
    week = business_between(ATHENS, athens(2027, 3, 22), athens(2027, 3, 29))
    assert week == (5 * 8 - 1 - 8) * HOUR


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Clocks go forward at 03:00 on Sunday 28 March 2027: UTC+2 on Friday, UTC+3 on Monday.
        (utc(2027, 3, 26, 14), utc(2027, 3, 29, 7)),
        # Clocks go back at 04:00 on Sunday 31 October 2027: UTC+3 on Friday, UTC+2 on Monday.
        (utc(2027, 10, 29, 13), utc(2027, 11, 1, 8)),
    ],
)
def test_athens_dst_weekend_keeps_business_hours_on_the_wall_clock(
    start: datetime, due: datetime
) -> None:
    assert start.astimezone(ATHENS_ZONE).hour == 16
    assert add_business(ATHENS, start, 2 * HOUR) == due
    assert due.astimezone(ATHENS_ZONE).hour == 10
    assert business_between(ATHENS, start, due) == 2 * HOUR


def test_tehran_thursday_half_day_then_friday_off() -> None:
    assert add_business(TEHRAN, tehran(2027, 6, 3, 11), 2 * HOUR) == tehran(2027, 6, 5, 9)
    assert add_business(TEHRAN, tehran(2027, 6, 3, 11), 2 * HOUR) == utc(2027, 6, 5, 5, 30)


def test_nowruz_holidays_are_skipped() -> None:
    assert add_business(TEHRAN, tehran(2027, 3, 20, 15), 2 * HOUR) == tehran(2027, 3, 25, 9)
    assert business_between(TEHRAN, tehran(2027, 3, 20), tehran(2027, 3, 27)) == 12 * HOUR
    assert not is_open(TEHRAN, tehran(2027, 3, 22, 10))


def test_tehran_historic_midnight_dst_change_outside_hours_is_harmless() -> None:
    # Iran moved to UTC+4:30 at midnight starting Monday 22 March 2021.
    due = add_business(TEHRAN, tehran(2021, 3, 21, 15), 2 * HOUR)
    assert due == utc(2021, 3, 22, 4, 30)
    assert due.astimezone(TEHRAN_ZONE).hour == 9


@pytest.mark.parametrize(
    ("schedule", "due"),
    [
        (RIYADH, utc(2027, 6, 6, 12)),  # Thursday 15:00 local: 2 h now, 6 h on Sunday.
        (ATHENS, utc(2027, 6, 4, 12)),  # Thursday 15:00 local: 2 h now, 6 h on Friday.
        (TEHRAN, utc(2027, 6, 5, 12, 30)),  # Thursday 15:30 local: closed until Saturday.
    ],
)
def test_same_instant_gives_a_different_due_time_per_zone(
    schedule: Schedule, due: datetime
) -> None:
    assert add_business(schedule, utc(2027, 6, 3, 12), 8 * HOUR) == due


def test_a_wall_time_skipped_by_dst_means_its_instant_not_its_label() -> None:
    skipped = athens(2027, 3, 28, 3, 30)  # Does not exist: read as 01:30 UTC, 04:30 local.
    early = Schedule.build("Europe/Athens", [[(240, 300)]] * 7)
    assert business_seconds(early, skipped) == business_seconds(early, utc(2027, 3, 28, 1, 30))
    assert is_open(early, skipped)


def test_input_in_any_zone_means_the_same_instant() -> None:
    instant = utc(2027, 6, 3, 12)
    for zone in (RIYADH_ZONE, ATHENS_ZONE, TEHRAN_ZONE):
        assert add_business(ATHENS, instant.astimezone(zone), HOUR) == utc(2027, 6, 3, 13)


@pytest.mark.parametrize(
    ("schedule", "at", "expected"),
    [
        (RIYADH, riyadh(2027, 6, 6, 9), True),
        (RIYADH, riyadh(2027, 6, 6, 16, 59, 59), True),
        (RIYADH, riyadh(2027, 6, 6, 17), False),
        (RIYADH, riyadh(2027, 6, 4, 12), False),
        (RIYADH, utc(2027, 6, 6, 6), True),  # 09:00 in Riyadh.
        (ATHENS, athens(2027, 3, 25, 12), False),
        (TEHRAN, tehran(2027, 6, 3, 11, 59), True),
        (TEHRAN, tehran(2027, 6, 3, 12), False),
    ],
)
def test_is_open_uses_half_open_intervals_and_holidays(
    schedule: Schedule, at: datetime, expected: bool
) -> None:
    assert is_open(schedule, at) is expected


def test_zero_seconds_returns_the_start_even_when_closed() -> None:
    assert add_business(RIYADH, riyadh(2027, 6, 4, 12), 0) == riyadh(2027, 6, 4, 12)
    assert add_business(RIYADH, riyadh(2027, 6, 4, 12), 0).tzinfo is UTC


def test_business_between_is_negative_backwards() -> None:
    assert business_between(RIYADH, riyadh(2027, 6, 6, 17), riyadh(2027, 6, 3, 9)) == -16 * HOUR


def test_always_open_is_wall_clock_time() -> None:
    assert add_business(ALWAYS_OPEN, utc(2027, 12, 31, 23), 2 * HOUR) == utc(2028, 1, 1, 1)
    midnight = utc(2028, 2, 29)
    assert from_business_seconds(ALWAYS_OPEN, business_seconds(ALWAYS_OPEN, midnight)) == midnight
    assert business_between(ALWAYS_OPEN, tehran(2027, 3, 20), utc(2027, 3, 20)) == 3 * HOUR + 1800


def test_night_shift_is_two_intervals_on_consecutive_days() -> None:
    night = Schedule.build("UTC", parse_weekly({"mon": ["22:00-24:00"], "tue": ["00:00-06:00"]}))
    assert add_business(night, utc(2027, 6, 7, 23), 2 * HOUR) == utc(2027, 6, 8, 1)
    assert add_business(night, utc(2027, 6, 8, 5), 2 * HOUR) == utc(2027, 6, 14, 23)


def test_adjacent_intervals_are_accepted_and_continuous() -> None:
    split = Schedule.build("UTC", [[(720, 1020), (540, 720)]] * 5 + [[], []])
    assert split.weekly[0] == ((540, 720), (720, 1020))
    assert add_business(split, utc(2027, 6, 7, 9), 3 * HOUR) == utc(2027, 6, 7, 12)
    assert add_business(split, utc(2027, 6, 7, 9), 5 * HOUR) == utc(2027, 6, 7, 14)


def test_thousands_of_holidays_across_decades() -> None:
    mondays = {date(2000, 1, 3) + timedelta(weeks=week) for week in range(3200)}
    schedule = Schedule.build("Asia/Riyadh", RIYADH.weekly, mondays)
    assert add_business(schedule, riyadh(2055, 5, 30, 16), 2 * HOUR) == riyadh(2055, 6, 1, 10)
    years = business_between(schedule, riyadh(2001, 1, 1), riyadh(2051, 1, 1))
    assert years == business_between(RIYADH, riyadh(2001, 1, 1), riyadh(2051, 1, 1)) - (
        2609 * 8 * HOUR
    )


def test_schedules_compare_by_value_and_hash() -> None:
    again = Schedule.build("Asia/Riyadh", [list(day) for day in RIYADH.weekly])
    assert again == RIYADH
    assert {RIYADH: 1}[again] == 1


# --- parsing --------------------------------------------------------------------------------


def test_parse_weekly_sorts_intervals_and_treats_missing_days_as_closed() -> None:
    weekly = parse_weekly({"tue": ["13:30-17:00", "09:00-12:30"], "sun": ["00:00-24:00"]})
    assert weekly == ((), ((540, 750), (810, 1020)), (), (), (), (), ((0, 1440),))
    assert format_weekly(weekly) == {"tue": ["09:00-12:30", "13:30-17:00"], "sun": ["00:00-24:00"]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mon": ["25:00-26:00"]}, "not a valid time"),
        ({"mon": ["10:00-09:00"]}, "ends before it starts"),
        ({"mon": ["10:00-10:00"]}, "ends before it starts"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlap"),
        ({"mon": ["09:60-10:00"]}, "not a valid time"),
        ({"mon": ["09:00-24:01"]}, "ends after 24:00"),
        ({"mon": ["09:00-25:00"]}, "ends after 24:00"),
        ({"mon": ["9-17"]}, "not an interval"),
        ({"mon": ["۰۹:۰۰-۱۷:۰۰"]}, "not an interval"),
        ({"mon": [""]}, "not an interval"),
        ({"mon": "09:00-17:00"}, "list of intervals"),
        ({"monday": ["09:00-17:00"]}, "unknown day"),
    ],
)
def test_parse_weekly_rejects_bad_input(spec: dict[str, list[str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_weekly(spec)


def test_parse_weekly_rejects_a_non_string_interval() -> None:
    with pytest.raises(ValueError, match="not an interval"):
        parse_weekly({"mon": [900]})  # type: ignore[list-item]


# --- validation -----------------------------------------------------------------------------

NINE_TO_FIVE = [[(540, 1020)]] * 5 + [[], []]


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "/etc/passwd", "utc"])
def test_unknown_time_zone_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Schedule.build(name, NINE_TO_FIVE)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ([[(540, 720), (700, 1020)]] + [[]] * 6, "overlap"),
        ([[(-1, 60)]] + [[]] * 6, "0 <= start < end <= 1440"),
        ([[(600, 1500)]] + [[]] * 6, "0 <= start < end <= 1440"),
        ([[(600, 600)]] + [[]] * 6, "0 <= start < end <= 1440"),
        ([[(540.0, 1020)]] + [[]] * 6, "whole minutes"),
        ([[(540,)]] + [[]] * 6, r"\(start, end\) pair"),
        ([[]] * 7, "no business hours"),
        (NINE_TO_FIVE[:6], "7 days"),
    ],
)
def test_bad_weekly_hours_are_rejected(weekly: list[list[tuple[int, ...]]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schedule.build("UTC", weekly)


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="sorted tuple"):
        Schedule("UTC", (((720, 1020), (540, 600)),) + ((),) * 6)
    with pytest.raises(ValueError, match="must be a date"):
        Schedule.build("UTC", NINE_TO_FIVE, [datetime(2027, 1, 1, tzinfo=UTC)])


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2027, 6, 3, 12)  # noqa: DTZ001 - the point of the test
    aware = utc(2027, 6, 3, 12)
    for call in (
        lambda: business_seconds(RIYADH, naive),
        lambda: add_business(RIYADH, naive, 60),
        lambda: add_business(RIYADH, naive, 0),
        lambda: business_between(RIYADH, naive, aware),
        lambda: business_between(RIYADH, aware, naive),
        lambda: is_open(RIYADH, naive),
    ):
        with pytest.raises(ValueError, match="no time zone"):
            call()


def test_negative_seconds_are_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_business(RIYADH, utc(2027, 6, 3), -1)


# --- properties -----------------------------------------------------------------------------

NO_DST_ZONES = ("UTC", "Asia/Riyadh", "Asia/Kolkata", "Asia/Tokyo")
# Their clock changes all fall between 22:00 and 04:00, so random hours avoid that window.
DST_ZONES = ("Europe/Athens", "Asia/Tehran", "America/New_York", "Australia/Sydney")
SIXTY_DAYS = 60 * 86400

instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2060, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, RIYADH_ZONE, ATHENS_ZONE, TEHRAN_ZONE]),
)
whole_seconds = instants.map(lambda at: at.replace(microsecond=0))
durations = st.integers(0, SIXTY_DAYS)


@st.composite
def weeklies(draw: st.DrawFn, low: int = 0, high: int = 1440) -> Weekly:
    days: list[tuple[tuple[int, int], ...]] = []
    for _ in range(7):
        bounds = sorted(draw(st.sets(st.integers(low, high), max_size=6)))
        days.append(tuple(zip(bounds[::2], bounds[1::2], strict=False)))
    if not any(days):
        days[draw(st.integers(0, 6))] = ((low, high),)
    return tuple(days)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    """A schedule and an instant; random holidays cluster around the instant so they matter."""
    start = draw(instants)
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(CALENDARS)), start
    zone = draw(st.sampled_from(NO_DST_ZONES + DST_ZONES))
    low, high = (0, 1440) if zone in NO_DST_ZONES else (240, 1320)
    offsets = draw(st.sets(st.integers(-7, 70), max_size=25))
    far = draw(st.sets(st.dates(date(2000, 1, 1), date(2060, 12, 31)), max_size=5))
    holidays = {start.date() + timedelta(days=offset) for offset in offsets} | far
    return Schedule.build(zone, draw(weeklies(low, high)), holidays), start


def reference_between(schedule: Schedule, start: datetime, end: datetime) -> int:
    """Walk the local days one by one: slow and obvious, the oracle for the fast version."""
    zone = ZoneInfo(schedule.time_zone)
    first, last = start.astimezone(UTC).astimezone(zone), end.astimezone(UTC).astimezone(zone)
    total, day = 0, first.date()
    while day <= last.date():
        if day not in schedule.holidays:
            for start_minute, end_minute in schedule.weekly[day.weekday()]:
                low, high = start_minute * 60, end_minute * 60
                if day == first.date():
                    low = max(low, first.hour * 3600 + first.minute * 60 + first.second)
                if day == last.date():
                    high = min(high, last.hour * 3600 + last.minute * 60 + last.second)
                total += max(0, high - low)
        day += timedelta(days=1)
    return total


@given(cases(), durations)
def test_add_then_measure_round_trips_and_lands_at_the_earliest_moment(
    case: tuple[Schedule, datetime], seconds: int
) -> None:
    schedule, start = case
    due = add_business(schedule, start, seconds)
    assert business_between(schedule, start, due) == seconds
    assert due >= start
    if seconds:
        assert reference_between(schedule, start, due) == seconds
        assert due.microsecond == 0
        assert business_seconds(schedule, due - timedelta(seconds=1)) == (
            business_seconds(schedule, due) - 1
        )


@given(cases(), durations)
def test_due_times_are_inside_business_hours_or_at_a_closing_time(
    case: tuple[Schedule, datetime], seconds: int
) -> None:
    schedule, start = case
    due = add_business(schedule, start, seconds + 1)
    assert is_open(schedule, due) or is_open(schedule, due - timedelta(seconds=1))
    local = due.astimezone(ZoneInfo(schedule.time_zone))
    if not is_open(schedule, due):
        closing = local.hour * 60 + local.minute or 1440
        day = local.date() - timedelta(days=1) if closing == 1440 else local.date()
        assert local.second == 0
        assert day not in schedule.holidays
        assert closing in {end for _, end in schedule.weekly[day.weekday()]}


@given(cases(), durations, durations)
def test_add_business_is_monotone_in_seconds(
    case: tuple[Schedule, datetime], first: int, second: int
) -> None:
    schedule, start = case
    first, second = sorted((first, second))
    assert add_business(schedule, start, first) <= add_business(schedule, start, second)


@given(cases(), st.integers(0, SIXTY_DAYS), durations)
def test_add_business_is_monotone_in_start(
    case: tuple[Schedule, datetime], gap: int, seconds: int
) -> None:
    schedule, start = case
    later = start.astimezone(UTC) + timedelta(seconds=gap)
    assert add_business(schedule, start, seconds) <= add_business(schedule, later, seconds)


@given(cases(), st.integers(0, SIXTY_DAYS))
def test_clock_is_monotone_and_matches_the_oracle(
    case: tuple[Schedule, datetime], gap: int
) -> None:
    schedule, start = case
    end = start.astimezone(UTC) + timedelta(seconds=gap)
    elapsed = business_between(schedule, start, end)
    assert elapsed >= 0
    assert elapsed == reference_between(schedule, start, end)
    assert business_between(schedule, end, start) == -elapsed


@given(cases())
def test_inverse_of_the_clock_is_never_later(case: tuple[Schedule, datetime]) -> None:
    schedule, at = case
    value = business_seconds(schedule, at)
    earliest = from_business_seconds(schedule, value)
    assert earliest <= at
    assert business_seconds(schedule, earliest) == value


@given(cases())
def test_is_open_matches_the_oracle(case: tuple[Schedule, datetime]) -> None:
    schedule, at = case
    at = at.replace(microsecond=0).astimezone(UTC)
    ticking = reference_between(schedule, at, at + timedelta(seconds=1)) == 1
    assert is_open(schedule, at) is ticking


@given(whole_seconds, durations, whole_seconds)
def test_always_open_is_plain_wall_clock_arithmetic(
    start: datetime, seconds: int, other: datetime
) -> None:
    assert add_business(ALWAYS_OPEN, start, seconds) == start.astimezone(UTC) + timedelta(
        seconds=seconds
    )
    assert business_between(ALWAYS_OPEN, start, other) == (
        other.astimezone(UTC) - start.astimezone(UTC)
    ) // timedelta(seconds=1)


@given(weeklies())
def test_format_then_parse_round_trips(weekly: Weekly) -> None:
    assert parse_weekly(format_weekly(weekly)) == weekly
