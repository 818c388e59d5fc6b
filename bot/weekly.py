"""Posting the weekly status to Slack exactly once per ISO week, and recording it in Historik.

The order is what makes it safe to repeat: read the sheet fresh; if Historik already has this
week's ``*`` row, stop; if Slack already has this week's post (found by its message metadata),
only write the missing Historik rows; otherwise post, add the chart in the post's thread, then
write Historik. A week is never marked as posted before the post has gone out, and a failure at
any step leaves a state that the next run completes without posting twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import render_blocks
from bot.chart import active_chart, chart_alt_text
from bot.logs import describe_exception
from bot.scheduler import missed_this_week, start_scheduler
from commands.context import Context
from commands.language import Language
from commands.weekly import WeeklyPost, compose_weekly, is_posted, iso_week, posted_row
from sheets.backends.base import SheetBackend
from sheets.cache import DatasetCache, read_dataset
from sheets.dataset import Dataset
from sheets.errors import SheetsError, SheetUnavailable
from sheets.schemas import HISTORIK_HEADER, HistorikRow

log = logging.getLogger(__name__)

#: The message metadata event type that marks a weekly post, so it can be found again.
POST_EVENT = "finsam_weekly_post"

# Slack errors that a person must fix (the bot cannot post there), with what to do.
_CHANNEL_FIXES = {
    "not_in_channel": "invite the bot to the channel: /invite @finsam in STATUS_CHANNEL",
    "channel_not_found": "check STATUS_CHANNEL (use the channel ID, C…) and invite the bot to it",
    "is_archived": "the channel is archived: choose another STATUS_CHANNEL",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid: copy it again from the app's OAuth page",
    "not_authed": "SLACK_BOT_TOKEN is missing",
    "account_inactive": "the app was uninstalled: install it again and update SLACK_BOT_TOKEN",
}

Outcome = Literal["posted", "recorded", "already_posted", "dry_run", "failed"]


@dataclass(frozen=True)
class WeeklyResult:
    """What a run of the weekly post did.

    `outcome`: ``posted`` (post and Historik), ``recorded`` (the post was already in Slack; only
    Historik was written), ``already_posted`` (nothing to do), ``dry_run``, or ``failed``
    (`detail` says what to fix; the next run tries again).
    """

    outcome: Outcome
    week: str
    post: WeeklyPost | None = None
    detail: str = ""


def fresh_read_from(cache: DatasetCache) -> Callable[[], Dataset]:
    """Return a read for the weekly post that goes through `cache` (in `serve`, its reading
    process): a read that starts now and is waited for. When it fails, its error is raised:
    an earlier read is never passed off as this week's.
    """

    def read() -> Dataset:
        cache.invalidate()
        data = cache.get()
        if data.stale is not None:
            raise cache.last_error or SheetUnavailable(
                "The sheet was still being read; the weekly post waits for the next try.",
                "Arket lästes fortfarande; veckoinlägget väntar till nästa försök.",
            )
        return data

    return read


class WeeklyPoster:
    """Composes and sends the weekly post; one run at a time per process."""

    def __init__(
        self,
        backend: SheetBackend,
        client: WebClient | None,
        channel: str | None,
        *,
        language: Language,
        small_count_min: int,
        zone: ZoneInfo,
        now: Callable[[], datetime],
        read: Callable[[], Dataset] | None = None,
    ) -> None:
        self.backend = backend
        #: A fresh read of the sheet, loaded and validated. `serve` passes the cache's, which
        #: reads in the bot's reading process, so that the week's read never holds up an ack.
        self.read = read or (lambda: read_dataset(backend, loaded_at=self.now()))
        self.client = client
        self.channel = channel
        self.language = language
        self.small_count_min = small_count_min
        self.zone = zone
        self.now = now
        self._lock = threading.Lock()

    def run(
        self, as_of: date | None = None, *, late: bool = False, dry_run: bool = False
    ) -> WeeklyResult:
        """Post this week's status unless it has gone out already; return what happened.

        Never raises for a sheet or Slack failure: it is logged once with the fix and returned
        as ``failed``, and the next run tries again.
        """
        with self._lock:
            now = self.now()
            as_of = as_of or now.astimezone(self.zone).date()
            week = iso_week(as_of)
            try:
                # Fresh: another replica may have just posted. A sheet without Insatser or
                # Deltagare fails here too (SheetTabMissing): every figure would be 0, and so
                # would the week's Historik rows: better late than wrong.
                data = self.read()
            except SheetsError as error:
                return self._not_sent(week, error)
            if is_posted(data, week):
                return WeeklyResult("already_posted", week)
            context = Context(as_of, self.language, self.small_count_min)
            post = compose_weekly(data, context, late=late)
            if dry_run:
                return WeeklyResult("dry_run", week, post)
            if self.client is None or not self.channel:
                detail = "set SLACK_BOT_TOKEN and STATUS_CHANNEL to post the weekly status"
                log.error("weekly post not sent", extra={"week": week, "fix": detail})
                return WeeklyResult("failed", week, post, detail)

            outcome: Outcome = "recorded"
            try:
                found = self._find_post(week, as_of)
            except (SlackClientError, OSError) as error:
                # No answer at all: not knowing whether the post is there, do not post.
                return WeeklyResult("failed", week, post, self._slack_unreachable(week, error))
            if found is None:
                failure = self._post(post)
                if failure:
                    return WeeklyResult("failed", week, post, failure)
                outcome = "posted"
            try:
                self._record(data.historik_tab, post, as_of, now)
            except SheetsError as error:
                log.error(
                    "weekly post went out but Historik was not written",
                    extra={
                        "week": week,
                        "error": type(error).__name__,
                        "detail": error.message_en,
                        "next": "the next run writes Historik without posting again",
                    },
                )
                return WeeklyResult("failed", week, post, error.message(self.language.code))
            log.info("weekly post done", extra={"week": week, "outcome": outcome})
            return WeeklyResult(outcome, week, post)

    def _not_sent(self, week: str, error: SheetsError) -> WeeklyResult:
        """Log that the post could not be made from the sheet, and return the failure."""
        log.error(
            "weekly post not sent",
            extra={"week": week, "error": type(error).__name__, "detail": error.message_en},
        )
        return WeeklyResult("failed", week, detail=error.message(self.language.code))

    def _post(self, post: WeeklyPost) -> str | None:
        """Send the post and its chart; return what to fix when it could not be sent."""
        assert self.client is not None and self.channel
        try:
            response = self.client.chat_postMessage(
                channel=self.channel,
                text=post.reply.as_text(),
                blocks=render_blocks(post.reply),
                metadata={"event_type": POST_EVENT, "event_payload": {"week": post.week}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            fix = _CHANNEL_FIXES.get(code, "Slack refused the post; it is tried again later")
            log.error(
                "weekly post not sent", extra={"week": post.week, "slack_error": code, "fix": fix}
            )
            return f"{code}: {fix}"
        except (SlackClientError, OSError) as error:
            return self._slack_unreachable(post.week, error)
        self._upload_chart(str(response["channel"]), str(response["ts"]), post)
        return None

    def _upload_chart(self, channel_id: str, thread_ts: str, post: WeeklyPost) -> None:
        """Put the chart in the post's thread; the post stands on its own if this fails."""
        assert self.client is not None
        try:
            self.client.files_upload_v2(
                channel=channel_id,
                thread_ts=thread_ts,
                content=active_chart(post.chart, self.language),
                filename=f"finsam-{post.week}.png",
                title=self.language("Aktiva deltagare per vecka", "Active participants per week"),
                alt_txt=chart_alt_text(post.chart, self.language),
            )
        except SlackApiError as error:
            log.warning(
                "weekly chart not uploaded; the post went out without it",
                extra={"week": post.week, "slack_error": str(error.response.get("error"))},
            )
        except (SlackClientError, OSError) as error:
            log.warning(
                "weekly chart not uploaded; the post went out without it",
                extra={"week": post.week, "exception": describe_exception(error)},
            )

    def _slack_unreachable(self, week: str, error: Exception) -> str:
        """Log that Slack did not answer at all (network, SLACK_API_URL); return what to fix."""
        fix = "Slack could not be reached: check the network and SLACK_API_URL; tried again later"
        log.error(
            "weekly post not sent",
            extra={"week": week, "exception": describe_exception(error), "fix": fix},
        )
        return fix

    def _find_post(self, week: str, as_of: date) -> str | None:
        """Return the ts of this week's post if Slack already has it (found by its metadata)."""
        assert self.client is not None and self.channel
        monday = datetime.combine(
            as_of - timedelta(days=as_of.isoweekday() - 1), datetime.min.time(), self.zone
        )
        try:
            response = self.client.conversations_history(
                channel=self.channel,
                oldest=str(monday.timestamp()),
                include_all_metadata=True,
                limit=200,
            )
        except SlackApiError as error:
            # Without channels:history, or with a channel name instead of an ID, the bot cannot
            # look; Historik alone then guards against a second post.
            log.info(
                "weekly post: cannot look for an earlier post; Historik alone guards it",
                extra={"week": week, "slack_error": str(error.response.get("error"))},
            )
            return None
        messages: list[dict[str, Any]] = response.get("messages") or []
        for message in messages:
            metadata: dict[str, Any] = message.get("metadata") or {}
            if (
                metadata.get("event_type") == POST_EVENT
                and (metadata.get("event_payload") or {}).get("week") == week
            ):
                return str(message.get("ts"))
        return None

    def _record(self, tab: str | None, post: WeeklyPost, as_of: date, now: datetime) -> None:
        """Append this week's Historik rows and the ``*`` row in one request, to Historik as the
        sheet names it (`tab`), or a new Historik tab.

        Raises:
            SheetsError: the rows could not be written.
        """
        title = tab or HistorikRow.TAB.sv
        posted_at = now.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        rows = [*post.history_rows, posted_row(post, as_of, posted_at)]
        self.backend.append_rows(title, HISTORIK_HEADER, [list(row) for row in rows])


#: After a failed run, try again this often while the ISO week lasts.
RETRY_EVERY = timedelta(minutes=30)


class WeeklySchedule:
    """The weekly post inside ``finsam-bot serve``: on schedule, late after a restart, retried.

    One per process; HTTP mode starts it in gunicorn's one worker, Socket Mode before connecting.
    """

    def __init__(self, poster: WeeklyPoster, schedule: str) -> None:
        self.poster = poster
        self.schedule = schedule
        self.scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        """Start the cron job, and send this week's post now (marked late) if it was missed."""
        self.scheduler = start_scheduler(self.schedule, self.poster.zone, self.run_on_schedule)
        if missed_this_week(self.schedule, self.poster.zone, self.poster.now()):
            self.scheduler.add_job(self._run, kwargs={"late": True}, id="weekly-catch-up")

    def stop(self) -> None:
        """Stop the scheduler without waiting for a post in progress."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    def run_on_schedule(self) -> None:
        """The cron job: post, and on failure try again later in the same week."""
        self._run(late=False)

    def _run(self, *, late: bool) -> None:
        started = self.poster.now()
        try:
            result = self.poster.run(late=late)
        except Exception as error:  # the edge of a scheduled job: a bug must not end the retries
            week = iso_week(started.astimezone(self.poster.zone).date())
            log.error(
                "weekly post failed", extra={"week": week, "exception": describe_exception(error)}
            )
            result = WeeklyResult("failed", week)
        retry_at = started + RETRY_EVERY
        if (
            result.outcome == "failed"
            and self.scheduler is not None
            and iso_week(retry_at.date()) == result.week
        ):
            log.info(
                "weekly post retry scheduled",
                extra={"week": result.week, "at": retry_at.strftime("%H:%M")},
            )
            self.scheduler.add_job(
                self._run,
                "date",
                run_date=retry_at,
                kwargs={"late": True},
                id="weekly-retry",
                replace_existing=True,
            )
