"""The weekly trigger: weekday names, the configured time zone, daylight saving time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import parse_schedule
from bot.scheduler import missed_this_week, weekly_trigger

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def fire_times(schedule: str, start: datetime, count: int) -> list[datetime]:
    trigger = weekly_trigger(schedule, STOCKHOLM)
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_mondays_at_eight_across_the_spring_dst_change() -> None:
    # Summer time starts on Sunday 29 March 2026 at 02:00.
    times = fire_times("mon 08:00", datetime(2026, 3, 20, tzinfo=STOCKHOLM), 3)
    assert [t.date().isoformat() for t in times] == ["2026-03-23", "2026-03-30", "2026-04-06"]
    assert all((t.hour, t.minute, t.weekday()) == (8, 0, 0) for t in times)
    assert [t.utcoffset() for t in times] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    utc = ZoneInfo("UTC")
    assert times[1].astimezone(utc) - times[0].astimezone(utc) == timedelta(
        days=7, hours=-1
    )  # an hour short


def test_mondays_at_eight_across_the_autumn_dst_change() -> None:
    # Winter time starts on Sunday 25 October 2026 at 03:00.
    times = fire_times("mon 08:00", datetime(2026, 10, 17, tzinfo=STOCKHOLM), 3)
    assert [t.date().isoformat() for t in times] == ["2026-10-19", "2026-10-26", "2026-11-02"]
    assert [t.astimezone(ZoneInfo("UTC")).hour for t in times] == [6, 7, 7]


def test_a_time_inside_the_skipped_hour_still_fires_once_that_day() -> None:
    times = fire_times("sun 02:30", datetime(2026, 3, 28, tzinfo=STOCKHOLM), 2)
    assert times[0].date().isoformat() == "2026-03-29"  # 02:30 does not exist that night
    assert times[1].date().isoformat() == "2026-04-05"


def test_weekday_names_and_lists() -> None:
    assert parse_schedule("Mon 08:00") == ("mon", 8, 0)
    assert parse_schedule("mon,thu 7:30") == ("mon,thu", 7, 30)
    times = fire_times("mon,thu 07:30", datetime(2026, 11, 23, tzinfo=STOCKHOLM), 2)
    assert [t.strftime("%a %H:%M") for t in times] == ["Mon 07:30", "Thu 07:30"]


@pytest.mark.parametrize(
    "schedule", ["0 08:00", "1 08:00", "monday 08:00", "mon 24:00", "mon 8", "", "mån 08:00"]
)
def test_numbers_and_other_forms_are_refused(schedule: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(schedule)


def test_missed_this_week() -> None:
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=STOCKHOLM)
    assert missed_this_week("mon 08:00", STOCKHOLM, monday_9)
    assert not missed_this_week("mon 08:00", STOCKHOLM, monday_9.replace(hour=7))
    assert missed_this_week("mon 08:00", STOCKHOLM, datetime(2026, 11, 29, 23, 0, tzinfo=STOCKHOLM))
    assert not missed_this_week(
        "fri 08:00", STOCKHOLM, datetime(2026, 11, 26, 12, 0, tzinfo=STOCKHOLM)
    )
    # A UTC clock is converted: 07:30 UTC is 08:30 in Stockholm in winter.
    assert missed_this_week(
        "mon 08:00", STOCKHOLM, datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo("UTC"))
    )
