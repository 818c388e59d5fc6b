"""The association's Google Sheet, read and written through gspread with a service account.

One `read_tabs()` is one `values.batchGet` request for every tab (after the tab titles have been
fetched once); one `append_rows()` is one `values.append` request (plus an `addSheet` the first
time a tab is written). Everything Google says is turned into `sheets.errors` here.
"""

from __future__ import annotations

import decimal
import email.utils
import json
import math
import numbers
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import gspread
import requests
from google.auth import exceptions as google_auth_errors
from google.auth.credentials import Credentials
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import service_account
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, ReadTimeoutError
from zlib_ng import zlib_ng

from sheets.backends.base import RawTabs
from sheets.backends.pieces import (
    PIECE_BYTES,
    AnswerError,
    BatchGetRows,
    decode_answer,
    tab_rows,
)
from sheets.errors import (
    SheetAccessDenied,
    SheetCredentialsError,
    SheetNotFound,
    SheetsError,
    SheetUnavailable,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT",
    "SCOPES",
    "GoogleApiSession",
    "GoogleSheetBackend",
    "RetryPolicy",
]

#: Where the Sheets v4 API lives unless GOOGLE_SHEETS_API_URL says otherwise.
DEFAULT_API_URL = "https://sheets.googleapis.com"
#: Read and append values, add the Historik tab; nothing in Drive.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
#: Seconds to wait for any one answer from Google.
DEFAULT_TIMEOUT = 30.0
#: Seconds the tab titles are trusted before they are fetched again, so a tab a coordinator adds
#: (say Ekonomi) shows up without a restart while most reads still cost one request.
DEFAULT_METADATA_MAX_AGE = 300.0

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_T = TypeVar("_T")


def _same_base_url(first: str, second: str) -> bool:
    return first.rstrip("/").lower() == second.rstrip("/").lower()


def _is_google_api_host(host: str) -> bool:
    return host == "googleapis.com" or host.endswith(".googleapis.com")


class GoogleApiSession(requests.Session):
    """A requests session that sends all `*.googleapis.com` traffic to `api_url` instead.

    With the default (or no) `api_url` nothing is rewritten. With another one (a local stand-in,
    a proxy) the scheme and host of every `*.googleapis.com` URL are replaced by it, keeping the
    path and query: the Sheets calls, and the calls google-auth makes on its own (the
    `iamcredentials.googleapis.com/.../allowedLocations` lookup after a token refresh, the token
    endpoint when it is `oauth2.googleapis.com`). Requests without a timeout get `timeout`.
    """

    # requests copies and pickles a Session through `__attrs__` only; google-auth deep-copies the
    # session for its background allowedLocations lookup, and without these the copy would lose
    # `api_url` and quietly go to the real Google.
    __attrs__ = [*requests.Session.__attrs__, "api_url", "timeout"]  # noqa: RUF012

    def __init__(self, api_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.api_url: str | None = (
            None
            if api_url is None or _same_base_url(api_url, DEFAULT_API_URL)
            else api_url.rstrip("/")
        )
        self.timeout = timeout
        # Google compresses its answers only for a client that says twice that it reads gzip:
        # in Accept-Encoding and in its User-Agent (the Sheets API's performance guide). A large
        # sheet's values then cross the network in about a sixth of the bytes.
        self.headers["Accept-Encoding"] = "gzip"
        self.headers["User-Agent"] = f"finsam-bot (gzip) {requests.utils.default_user_agent()}"

    def rewrite_url(self, url: str) -> str:
        """Return `url` with a `*.googleapis.com` scheme and host replaced by `api_url`."""
        if self.api_url is None:
            return url
        parts = urlsplit(url)
        if not _is_google_api_host((parts.hostname or "").lower()):
            return url
        base = urlsplit(self.api_url)
        return urlunsplit(
            (base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment)
        )

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send the request to the rewritten URL, with the default timeout if none was given."""
        if isinstance(url, bytes):
            url = url.decode()
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, self.rewrite_url(url), *args, **kwargs)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying when Google answers 429/5xx or does not answer at all.

    Bounded on purpose: a Slack user is waiting, so after `max_attempts` attempts or
    `max_total_wait` seconds of waiting the call fails with `SheetUnavailable`.
    """

    max_attempts: int = 4
    max_total_wait: float = 30.0
    first_wait: float = 1.0
    #: Each wait is moved by up to this share either way, so replicas do not retry in step.
    jitter: float = 0.1

    def backoff(self, retry_number: int, random_fraction: float) -> float:
        """Return the wait before retry `retry_number` (1, 2, …): 1 s, 2 s, 4 s … ± jitter."""
        wait = self.first_wait * 2.0 ** (retry_number - 1)
        return max(0.0, wait * (1 + self.jitter * (2 * random_fraction - 1)))


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Return the wait asked for by a `Retry-After` header (seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _nothing_was_sent(error: Exception) -> bool:
    """Whether a failed request certainly never reached Google (so a write may be repeated)."""
    if isinstance(error, requests.ConnectTimeout | google_auth_errors.TransportError):
        # TransportError comes from the token request, made before the Sheets request is sent.
        return True
    # requests wraps urllib3's MaxRetryError, whose `reason` says what failed.
    wrapped = error.args[0] if error.args else None
    return isinstance(getattr(wrapped, "reason", wrapped), NewConnectionError)


class _BoundedRetryHTTPClient(HTTPClient):
    """gspread's HTTP client, signing requests itself and retrying within a `RetryPolicy`.

    gspread's `BackOffHTTPClient` can keep retrying for a very long time; this one gives up
    after the policy's bound. Reads are retried on 429, 5xx, timeouts and connection errors;
    writes only when Google cannot have applied them (429, a connection that never opened), so a
    Historik row is never written twice. One 401 leads to a fresh token and one more try.
    """

    def __init__(
        self,
        auth: Credentials,
        session: requests.Session,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        random_fraction: Callable[[], float],
        timeout: float,
    ) -> None:
        super().__init__(auth, session)
        self.auth = auth
        # google-auth uses the same session (and so the same rewriting) for the token request
        # and for its allowedLocations lookup.
        self.auth_request = GoogleAuthRequest(session)
        self.retry = retry
        self.sleep = sleep
        self.random_fraction = random_fraction
        self.timeout = timeout

    def login(self) -> None:
        """Fetch a fresh access token."""
        self.auth.refresh(self.auth_request)  # type: ignore[no-untyped-call]

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Any = None,
    ) -> requests.Response:
        """Send one API request, retrying within the policy.

        Returns:
            The successful response.

        Raises:
            gspread.exceptions.APIError: Google answered with an error (the last one, after
                retries).
            requests.RequestException, google.auth.exceptions.GoogleAuthError: no answer, or the
                token could not be fetched.
        """
        response, _ = self._send_with_retries(method, endpoint, params, data, json, files, headers)
        return response

    def values_batch_get(self, id: str, ranges: list[str], params: ParamsType | None = None) -> Any:
        """Return the values of `ranges` of spreadsheet `id` (gspread's own call and answer),
        parsed with msgspec.

        Raises:
            As `values_batch_get_body`, and SheetUnavailable: the answer is not JSON.
        """
        return _parse_json(self.values_batch_get_body(id, ranges, params))

    def values_batch_get_body(
        self, id: str, ranges: list[str], params: ParamsType | None = None
    ) -> bytes:
        """Return the JSON answer to gspread's batchGet of `ranges` of spreadsheet `id`.

        The same request as gspread's, retried the same way as `request`, but the answer is read
        in one piece and decompressed in one piece: requests reads a body 10 kB at a time, and
        urllib3 decompresses each piece on its own. For the tens of megabytes of a large sheet
        that was thousands of calls and a copy.

        Raises:
            As `request`.
        """
        query: ParamsType = {**(params or {}), "ranges": ranges}
        _, body = self._send_with_retries(
            "GET", SPREADSHEET_VALUES_BATCH_URL % id, query, None, None, None, None, whole=True
        )
        return body

    def _send_with_retries(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None,
        data: bytes | None,
        json: Mapping[str, Any] | None,
        files: Any,
        headers: Any,
        *,
        whole: bool = False,
    ) -> tuple[requests.Response, bytes]:
        """Send one API request, retrying within the policy; return the response, and with
        `whole` its body, read in one piece as part of the attempt (else ``b""``)."""
        is_read = method.upper() == "GET"
        waited = 0.0
        attempt = 1
        token_renewed = False
        while True:
            failure: Exception
            try:
                response = self._send(
                    method, endpoint, params, data, json, files, headers, stream=whole
                )
                if whole and response.ok:
                    return response, _whole_body(response)
                if whole:
                    _ = response.content  # an error's body is small: read, the connection is free
            except (requests.ConnectionError, requests.Timeout) as error:
                if not (is_read or _nothing_was_sent(error)):
                    raise
                failure, wait = error, self.retry.backoff(attempt, self.random_fraction())
            except google_auth_errors.TransportError as error:
                failure, wait = error, self.retry.backoff(attempt, self.random_fraction())
            else:
                if response.ok:
                    return response, b""
                if response.status_code == 401 and not token_renewed:
                    token_renewed = True
                    self.login()
                    continue
                retryable = response.status_code == 429 or (
                    is_read and response.status_code in _RETRY_STATUSES
                )
                if not retryable:
                    raise APIError(response)
                failure = APIError(response)
                asked = _retry_after_seconds(response)
                wait = (
                    asked
                    if asked is not None
                    else self.retry.backoff(attempt, self.random_fraction())
                )
            if attempt >= self.retry.max_attempts or waited + wait > self.retry.max_total_wait:
                raise failure
            self.sleep(wait)
            waited += wait
            attempt += 1

    def _send(
        self,
        method: str,
        url: str,
        params: ParamsType | None,
        data: bytes | None,
        json: Mapping[str, Any] | None,
        files: Any,
        headers: Any,
        *,
        stream: bool = False,
    ) -> requests.Response:
        request_headers: dict[str, str] = dict(headers or {})
        # Google indents its JSON unless told not to: a line and an indent for every cell, which
        # the bot would inflate and parse for nothing.
        query: ParamsType = {**(params or {}), "prettyPrint": "false"}
        # The same hook google-auth's AuthorizedSession uses: fetches a token when needed (and
        # starts google-auth's allowedLocations lookup), then sets the Authorization header.
        self.auth.before_request(  # type: ignore[no-untyped-call]
            self.auth_request, method, url, request_headers
        )
        return self.session.request(
            method=method,
            url=url,
            params=query,
            data=data,
            json=json,
            files=files,
            headers=request_headers,
            timeout=self.timeout,
            stream=stream,
        )


#: What zlib-ng raises for a broken stream (its stub calls it an instance, not a class).
_INFLATE_ERROR = cast("type[Exception]", zlib_ng.error)


def _whole_body(response: requests.Response) -> bytes:
    """Return the body of a streamed response, read and decompressed in one piece each.

    Raises:
        requests.Timeout: the body did not arrive in time.
        requests.ConnectionError: the connection broke, or the body could not be decompressed.
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    try:
        if encoding not in ("gzip", "x-gzip"):
            return bytes(response.raw.read(decode_content=True))  # in one piece all the same
        return _gunzip(response.raw.read(decode_content=False))
    except ReadTimeoutError as error:
        raise requests.exceptions.ReadTimeout(error, response=response) from error
    except (Urllib3Error, OSError, EOFError, _INFLATE_ERROR) as error:  # broken connection, gzip
        raise requests.ConnectionError(error, response=response) from error
    finally:
        response.close()  # the connection is back in the pool once the body is read


def _gunzip(data: bytes) -> bytes:
    """Return `data` decompressed, checking that the stream is whole (its length and checksum):
    a body cut short is read again, not half-parsed.

    zlib-ng's inflate (the `zlib-ng` package, with zlib's interface and checks) is about three
    times faster than zlib's: 10 ms instead of 27 for the answer of 100 000 participants. ISA-L's
    is a little faster still, but its assembly leaves the upper halves of the AVX registers in
    use (it has no ``vzeroupper``), and on Intel CPUs every SSE instruction after it then pays a
    penalty until something clears them: parsing the inflated answer took 12 ms more for IDs like
    ``RESAM-2025-00042``. zlib-ng is compiled C, and the compiler clears them before it returns.

    Raises:
        _INFLATE_ERROR, EOFError: the stream is broken or cut short.
    """
    pieces: list[bytes] = []
    rest = data
    while rest or not pieces:  # one gzip member after another: Google sends one, more may come
        stream = zlib_ng.decompressobj(wbits=31)  # 16 + 15: the gzip container, checked
        # A gzip stream ends with its length (of its last member): with room for it at once,
        # the output is made in one piece rather than grown and copied. A length no deflate
        # stream could reach (a member before the last, or a broken one) is no guide.
        size = int.from_bytes(rest[-4:], "little")
        piece = stream.decompress(rest, size + 1 if size <= 1032 * len(rest) else 0)  # 0: any
        while stream.unconsumed_tail and not stream.eof:  # longer than its length said
            piece += stream.decompress(stream.unconsumed_tail)
        if not stream.eof:
            raise EOFError("the compressed body ends before its end")
        pieces.append(piece)
        rest = stream.unused_data
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _parse_json(body: bytes) -> Any:
    """Return the JSON value of `body`, parsed with msgspec (json for what msgspec refuses).

    msgspec makes the same Python values as json; on the answer of 100 000 participants it
    measured 61 ms against json's 84 and orjson's 66.

    Raises:
        SheetUnavailable: the body is not JSON.
    """
    try:
        return decode_answer(body)
    except AnswerError as error:
        raise _unreadable() from error


def _unreadable() -> SheetUnavailable:
    return _unavailable("an answer that could not be read", "ett svar som inte gick att läsa")


def _tab_rows(answer: Any, count: int) -> list[list[Any]]:
    """Return `tab_rows` of a decoded answer.

    Raises:
        SheetUnavailable: the answer is not the shape of a batchGet answer.
    """
    try:
        return tab_rows(answer, count)
    except AnswerError as error:
        raise _unreadable() from error


def _quote_tab(title: str) -> str:
    """Return `title` as an A1 range naming the whole tab: `'Tab ''name'''`."""
    return "'" + title.replace("'", "''") + "'"


def _is_unknown_range(error: APIError) -> bool:
    """Whether Google rejected a range because no tab has that title (renamed or removed)."""
    return error.response.status_code == 400 and "Unable to parse range" in str(
        error.error.get("message", "")
    )


def _is_tab_already_there(error: APIError) -> bool:
    return error.response.status_code == 400 and "already exists" in str(
        error.error.get("message", "")
    )


def _is_api_disabled(error: APIError) -> bool:
    """Whether a 403 says the Sheets API is not enabled in the service account's project."""
    details = json.dumps(error.error.get("details", []))
    message = str(error.error.get("message", ""))
    return "SERVICE_DISABLED" in details or "has not been used in project" in message


def _cell_for_json(value: Any) -> Any:
    """Return `value` as a JSON value the Sheets API stores as typed (RAW input)."""
    if value is None or isinstance(value, bool | str):
        return value
    # numbers.Integral and Real take in numpy's and pandas' numbers too, which json cannot write.
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real | decimal.Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime):
        # ISO text, not a serial number: readable as it stands, and the loader reads ISO dates.
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class GoogleSheetBackend:
    """The association's Google Sheet, reached with a service account.

    Build it with `from_service_account_info` (or `from_service_account_json`); the constructor
    takes a ready gspread client for callers that bring their own transport. Nothing is sent to
    Google until the first `read_tabs()` or `append_rows()`.
    """

    def __init__(
        self,
        client: gspread.Client,
        key: str,
        *,
        service_account_email: str,
        metadata_max_age: float = DEFAULT_METADATA_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        piece_bytes: int = PIECE_BYTES,
    ) -> None:
        self.url: str | None = f"https://docs.google.com/spreadsheets/d/{key}"
        self.key = key
        self.service_account_email = service_account_email
        self._http = client.http_client
        self._metadata_max_age = metadata_max_age
        self._clock = clock
        # An answer longer than this is decoded a piece at a time (sheets.backends.pieces).
        self._piece_bytes = piece_bytes
        self._titles: list[str] | None = None
        self._titles_fetched_at = 0.0
        # Tabs the last read found empty: the first rows appended there get the header. None
        # until values are read here (the bot reads in a worker process of its own).
        self._empty_tabs: set[str] | None = None
        # Bolt answers in a thread pool; one call at a time keeps the cached titles consistent.
        self._lock = threading.Lock()

    @classmethod
    def from_service_account_info(
        cls,
        info: Mapping[str, Any],
        key: str,
        *,
        api_url: str = DEFAULT_API_URL,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random_fraction: Callable[[], float] = random.random,
        metadata_max_age: float = DEFAULT_METADATA_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        piece_bytes: int = PIECE_BYTES,
    ) -> GoogleSheetBackend:
        """Return a backend for the sheet `key`, signing in with the service account `info`.

        `info` is the parsed JSON key file. Every Google call (Sheets, token, google-auth's own
        lookups) goes through `session`, by default a `GoogleApiSession(api_url)`, which sends
        `*.googleapis.com` traffic to `api_url` when it is not the default. `sleep`,
        `random_fraction` and `clock` are injectable so tests need not wait. An answer longer
        than `piece_bytes` is decoded as it is read (see `sheets.backends.pieces`).

        Raises:
            SheetCredentialsError: `info` is not a usable service-account key.
            ValueError: both `session` and a non-default `api_url` were given.
        """
        if session is not None and not _same_base_url(api_url, DEFAULT_API_URL):
            raise ValueError("give either session or api_url, not both")
        try:
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES)
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise _malformed_credentials(error) from error
        http_session = (
            session if session is not None else GoogleApiSession(api_url, timeout=timeout)
        )

        def http_client(auth: Credentials, transport: requests.Session) -> HTTPClient:
            return _BoundedRetryHTTPClient(
                auth,
                transport,
                retry=retry or RetryPolicy(),
                sleep=sleep,
                random_fraction=random_fraction,
                timeout=timeout,
            )

        # gspread only calls `http_client(auth, session)`: a factory serves as well as a class.
        client = gspread.Client(
            credentials,
            session=http_session,
            http_client=http_client,  # type: ignore[arg-type]
        )
        return cls(
            client,
            key,
            service_account_email=str(info["client_email"]),
            metadata_max_age=metadata_max_age,
            clock=clock,
            piece_bytes=piece_bytes,
        )

    @classmethod
    def from_service_account_json(cls, text: str, key: str, **options: Any) -> GoogleSheetBackend:
        """Return a backend from the text of a service-account JSON key file.

        Takes the same keyword options as `from_service_account_info`.

        Raises:
            SheetCredentialsError: `text` is not JSON, or not a usable service-account key.
        """
        try:
            info = json.loads(text)
        except ValueError as error:
            raise _malformed_credentials(error) from error
        if not isinstance(info, dict):
            raise _malformed_credentials(ValueError("the JSON is not an object"))
        return cls.from_service_account_info(info, key, **options)

    def read_tabs(self) -> RawTabs:
        """Return every tab's cell values, unformatted, dates as serial numbers.

        One `values.batchGet` request for all tabs; the tab titles are fetched on the first read
        and again only when they are older than `metadata_max_age`, or when a tab has been
        renamed or removed since (then the read is tried once more). A tab with no values is
        `[]`; rows keep Google's shape (trailing empty cells and rows left out).

        Raises:
            SheetNotFound, SheetAccessDenied, SheetCredentialsError, SheetUnavailable,
            SheetsError: see `sheets.errors`.
        """
        with self._lock, self._google_errors():
            return self._with_fresh_titles_if_renamed(self._read_values)

    def append_rows(self, tab: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append `rows` below the last row of the tab titled exactly `tab`, in one request.

        When there is no such tab it is added first and `header` becomes its first row (also
        when the last read found the tab empty). Values are written as they are (RAW): dates
        as ISO text, never parsed by Google.

        Raises:
            SheetNotFound, SheetAccessDenied, SheetCredentialsError, SheetUnavailable,
            SheetsError: see `sheets.errors`.
        """
        if not rows:
            return
        values = [[_cell_for_json(value) for value in row] for row in rows]
        with self._lock, self._google_errors():
            self._with_fresh_titles_if_renamed(
                lambda titles: self._append(tab, header, values, titles)
            )

    # -- requests ------------------------------------------------------------------------------

    def _read_values(self, titles: list[str]) -> RawTabs:
        if not titles:
            return {}
        ranges = [_quote_tab(title) for title in titles]
        params: ParamsType = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        # Google answers in the order asked; the `range` it echoes is rewritten (`'Tab'!A1:Z99`).
        if not isinstance(self._http, _BoundedRetryHTTPClient):  # a client brought by the caller
            answer = self._http.values_batch_get(self.key, ranges, params=params)
        else:
            body = self._http.values_batch_get_body(self.key, ranges, params=params)
            if len(body) > self._piece_bytes:
                # Decoded as the loader reads it (see sheets.backends.pieces); which tabs are
                # empty is known once it has read that far.
                empty: set[str] = set()
                pieces = BatchGetRows(
                    body,
                    titles,
                    unreadable=_unreadable,
                    piece_bytes=self._piece_bytes,
                    on_empty=empty.add,
                )
                self._empty_tabs = empty
                return dict(pieces.tabs())
            answer = _parse_json(body)
        tabs: RawTabs = dict(zip(titles, _tab_rows(answer, len(titles)), strict=True))
        self._empty_tabs = {title for title, rows in tabs.items() if not rows}
        return tabs

    def _append(
        self, tab: str, header: Sequence[str], values: list[list[Any]], titles: list[str]
    ) -> None:
        if tab not in titles:
            needs_header = self._add_tab(tab)
        elif self._empty_tabs is None:  # nothing read here to tell
            needs_header = self._is_empty(tab)
        else:
            needs_header = tab in self._empty_tabs
        if needs_header:
            values = [list(header), *values]
        self._http.values_append(
            self.key,
            _quote_tab(tab),
            params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
            body={"majorDimension": "ROWS", "values": values},
        )
        if self._empty_tabs is not None:
            self._empty_tabs.discard(tab)

    def _is_empty(self, tab: str) -> bool:
        """Return whether the tab titled `tab` holds no values (one small request)."""
        answer = self._http.values_batch_get(
            self.key, [_quote_tab(tab)], params={"majorDimension": "ROWS"}
        )
        return not _tab_rows(answer, 1)[0]

    def _add_tab(self, title: str) -> bool:
        """Add a tab titled `title`; return whether it is new (and so needs its header)."""
        try:
            self._http.batch_update(
                self.key, {"requests": [{"addSheet": {"properties": {"title": title}}}]}
            )
        except APIError as error:
            if not _is_tab_already_there(error):
                raise
            # Someone added it since the titles were fetched: append below what is there.
            self._titles = None
            return False
        if self._titles is not None:
            self._titles.append(title)
        return True

    def _with_fresh_titles_if_renamed(self, operation: Callable[[list[str]], _T]) -> _T:
        try:
            return operation(self._current_titles())
        except APIError as error:
            if not _is_unknown_range(error):
                raise
        self._titles = None
        return operation(self._current_titles())

    def _current_titles(self) -> list[str]:
        now = self._clock()
        if self._titles is None or now - self._titles_fetched_at > self._metadata_max_age:
            metadata = self._http.fetch_sheet_metadata(
                self.key,
                params={"includeGridData": "false", "fields": "sheets.properties(title,sheetType)"},
            )
            # Chart sheets (sheetType OBJECT) hold no cells; asking for their values is an error.
            self._titles = [
                str(properties["title"])
                for sheet in metadata.get("sheets", [])
                if (properties := sheet.get("properties", {})).get("sheetType", "GRID") == "GRID"
                and "title" in properties
            ]
            self._titles_fetched_at = now
        return list(self._titles)

    # -- errors --------------------------------------------------------------------------------

    @contextmanager
    def _google_errors(self) -> Iterator[None]:
        """Turn gspread, google-auth and requests errors into `SheetsError`s."""
        try:
            yield
        except APIError as error:
            raise self._api_error(error) from error
        except google_auth_errors.RefreshError as error:
            if error.retryable:
                raise _unavailable(
                    "the Google sign-in service did not answer",
                    "Googles inloggningstjänst svarade inte",
                ) from error
            raise self._rejected_credentials(error) from error
        except google_auth_errors.TransportError as error:
            raise _unavailable(
                "no connection to the Google sign-in service",
                "ingen anslutning till Googles inloggningstjänst",
            ) from error
        except requests.Timeout as error:
            raise _unavailable("no answer in time", "inget svar i tid") from error
        except requests.RequestException as error:
            raise _unavailable("no connection", "ingen anslutning") from error

    def _api_error(self, error: APIError) -> SheetsError:
        status = error.response.status_code
        email_address = self.service_account_email
        if status == 404:
            return SheetNotFound(
                f"Google found no spreadsheet with the key {self.key}. Check GOOGLE_SHEET_ID: "
                "it is the long code between /d/ and /edit in the sheet's address.",
                f"Google hittar inget kalkylark med nyckeln {self.key}. Kontrollera "
                "GOOGLE_SHEET_ID: det är den långa koden mellan /d/ och /edit i arkets adress.",
            )
        if status == 403 and _is_api_disabled(error):
            return SheetAccessDenied(
                "The Google Sheets API is not enabled in the Google Cloud project of the "
                f"service account {email_address}. Enable it in the Google Cloud console "
                "(APIs & Services → Library → Google Sheets API) and try again in a few minutes.",
                "Google Sheets API är inte aktiverat i Google Cloud-projektet för tjänstekontot "
                f"{email_address}. Aktivera det i Google Cloud-konsolen (API:er och tjänster → "
                "Bibliotek → Google Sheets API) och försök igen om några minuter.",
            )
        if status == 403:
            return SheetAccessDenied(
                f"The bot's service account {email_address} may not open the spreadsheet. "
                f"Share the sheet with {email_address} (the Share button in Google Sheets): "
                "Viewer is enough to read, Editor is needed to write the weekly history.",
                f"Botens tjänstekonto {email_address} får inte öppna kalkylarket. Dela arket "
                f"med {email_address} (knappen Dela i Google Kalkylark): Läsare räcker för att "
                "läsa, Redigerare behövs för att skriva veckohistoriken.",
            )
        if status == 401:
            return SheetCredentialsError(
                f"Google did not accept the access token of the service account {email_address}. "
                "Check that GOOGLE_SERVICE_ACCOUNT_JSON or GOOGLE_SERVICE_ACCOUNT_FILE holds a "
                "current key.",
                f"Google godkände inte åtkomsttoken för tjänstekontot {email_address}. "
                "Kontrollera att GOOGLE_SERVICE_ACCOUNT_JSON eller GOOGLE_SERVICE_ACCOUNT_FILE "
                "innehåller en giltig nyckel.",
            )
        if status == 429:
            return _unavailable("too many requests, HTTP 429", "för många anrop, HTTP 429")
        if status >= 500:
            return _unavailable(f"HTTP {status}", f"HTTP {status}")
        message = str(error.error.get("message", ""))
        return SheetsError(
            f"Google Sheets refused the request (HTTP {status}: {message}). If the sheet was "
            "just changed, try again; otherwise report it to whoever runs the bot.",
            f"Google Kalkylark avvisade anropet (HTTP {status}: {message}). Om arket nyss "
            "ändrades, försök igen; annars meddela den som driver boten.",
        )

    def _rejected_credentials(self, error: google_auth_errors.RefreshError) -> SheetsError:
        detail = str(error.args[0]) if error.args else "no reason given"
        email_address = self.service_account_email
        return SheetCredentialsError(
            f"Google did not accept the key of the service account {email_address} ({detail}). "
            "The key may have been deleted or replaced, or the server's clock is wrong. Create a "
            "new JSON key in the Google Cloud console and put it in GOOGLE_SERVICE_ACCOUNT_JSON "
            "or GOOGLE_SERVICE_ACCOUNT_FILE.",
            f"Google godkände inte nyckeln för tjänstekontot {email_address} ({detail}). "
            "Nyckeln kan ha tagits bort eller bytts ut, eller så går serverns klocka fel. Skapa "
            "en ny JSON-nyckel i Google Cloud-konsolen och lägg den i "
            "GOOGLE_SERVICE_ACCOUNT_JSON eller GOOGLE_SERVICE_ACCOUNT_FILE.",
        )


def _malformed_credentials(error: Exception) -> SheetCredentialsError:
    # Only messages known to carry no key material are repeated: a missing field, a JSON error.
    if isinstance(error, google_auth_errors.MalformedError | json.JSONDecodeError | KeyError):
        detail_en = detail_sv = str(error)
    else:
        detail_en, detail_sv = "the key could not be read", "nyckeln gick inte att läsa"
    return SheetCredentialsError(
        f"The service-account credentials are not usable ({detail_en}). Put the JSON key file "
        "downloaded from the Google Cloud console, unchanged, in GOOGLE_SERVICE_ACCOUNT_JSON or "
        "GOOGLE_SERVICE_ACCOUNT_FILE.",
        f"Tjänstekontots inloggningsuppgifter går inte att använda ({detail_sv}). Lägg "
        "JSON-nyckelfilen från Google Cloud-konsolen, oförändrad, i "
        "GOOGLE_SERVICE_ACCOUNT_JSON eller GOOGLE_SERVICE_ACCOUNT_FILE.",
    )


def _unavailable(detail_en: str, detail_sv: str) -> SheetUnavailable:
    return SheetUnavailable(
        f"Google Sheets did not answer ({detail_en}), even after several tries. This is "
        "usually temporary: try again in a few minutes. If it persists, check the server's "
        "network connection and GOOGLE_SHEETS_API_URL.",
        f"Google Kalkylark svarade inte ({detail_sv}), inte ens efter flera försök. Det brukar "
        "vara tillfälligt: försök igen om några minuter. Om det fortsätter, kontrollera "
        "serverns nätverksanslutning och GOOGLE_SHEETS_API_URL.",
    )
