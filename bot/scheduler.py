"""When the weekly post goes out: an APScheduler 3.x cron job in the configured time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import parse_schedule

#: A weekly job that could not run on time (the process was paused or busy) may still run this
#: long after; later than that, the start-up catch-up in `missed_this_week` takes over.
MISFIRE_GRACE_SECONDS = 6 * 3600


def weekly_trigger(schedule: str, zone: ZoneInfo) -> CronTrigger:
    """Return the cron trigger of a schedule such as ``mon 08:00`` in `zone`.

    Weekdays are passed by name: APScheduler 3.x numbers Monday 0, unlike cron.

    Raises:
        ValueError: the schedule is not of the form ``DAY[,DAY] HH:MM``.
    """
    days, hour, minute = parse_schedule(schedule)
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=zone)


def missed_this_week(schedule: str, zone: ZoneInfo, now: datetime) -> bool:
    """Return True when a fire time of `schedule` in `now`'s ISO week has already passed.

    Used at start-up: a post missed while the bot was down goes out late, in the same ISO week.
    """
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.isoweekday() - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first = weekly_trigger(schedule, zone).get_next_fire_time(None, monday)
    return first is not None and first <= local


def start_scheduler(
    schedule: str, zone: ZoneInfo, job: Callable[[], object]
) -> BackgroundScheduler:
    """Start a background scheduler that runs `job` on `schedule` and return it.

    Coalescing folds runs missed together into one, and one instance at a time keeps a slow post
    from overlapping the next trigger; the job itself checks Historik, so it is safe to repeat.
    """
    scheduler = BackgroundScheduler(timezone=zone)
    scheduler.add_job(
        job,
        weekly_trigger(schedule, zone),
        id="weekly-post",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
