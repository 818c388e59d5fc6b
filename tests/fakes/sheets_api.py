"""A local stand-in for the Google Sheets v4 API and Google's OAuth token endpoint.

In the style of bolt-python's ``tests/mock_web_api_server``: a real HTTP server on 127.0.0.1 with
an ephemeral port, in a background thread, reached by the real gspread and google-auth clients
(the backend's URL-rewriting session sends ``*.googleapis.com`` here; ``token_uri`` in the
service-account info points here directly). It holds one spreadsheet in memory, records every
request, and can be scripted to fail::

    with FakeSheetsApi({"Insatser": [["Kod", "Namn"], ["IPS", "IPS Norr"]]}) as api:
        backend = GoogleSheetBackend.from_service_account_info(
            api.service_account_info(), api.spreadsheet_id, api_url=api.url
        )
        api.fail_next(429, headers={"Retry-After": "0"})
        backend.read_tabs()
        assert api.count("batchGet") == 2

Routes (``RecordedRequest.route``): ``metadata``, ``batchGet``, ``append``, ``batchUpdate`` (the
Sheets routes), ``token``, ``allowedLocations`` (google-auth's regional access boundary lookup),
``unknown``.

As Google does, it compresses an answer with gzip when the client asks for it twice: in
``Accept-Encoding`` and with ``gzip`` in its ``User-Agent``.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_SPREADSHEET_ID = "1FakeSheetKey_finsam-test"
DEFAULT_CLIENT_EMAIL = "finsam-bot@finsam-test.iam.gserviceaccount.com"
SHEETS_ROUTES = frozenset({"metadata", "batchGet", "append", "batchUpdate"})
JWT_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"

_SERIAL_EPOCH = date(1899, 12, 30)
_ROUTES = (
    ("metadata", "GET", re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+)$")),
    ("batchGet", "GET", re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+)/values:batchGet$")),
    (
        "append",
        "POST",
        re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+)/values/(?P<range>[^/]+):append$"),
    ),
    ("batchUpdate", "POST", re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+):batchUpdate$")),
    ("token", "POST", re.compile(r"^/token$")),
    (
        "allowedLocations",
        "GET",
        re.compile(r"^/v1/projects/-/serviceAccounts/(?P<email>[^/]+)/allowedLocations$"),
    ),
)
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@functools.cache
def throwaway_private_key_pem() -> str:
    """Return a 2048-bit RSA private key (PKCS#8 PEM) made for this test run, never stored."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()


def service_account_info(
    token_uri: str, client_email: str = DEFAULT_CLIENT_EMAIL
) -> dict[str, str]:
    """Return service-account info shaped like Google's JSON key file, with a throwaway key."""
    return {
        "type": "service_account",
        "project_id": "finsam-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": throwaway_private_key_pem(),
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }


def google_error(status: int, message: str, details: Sequence[Any] = ()) -> dict[str, Any]:
    """Return an error body shaped like the Sheets API's."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details:
        error["details"] = list(details)
    return {"error": error}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    route: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    client_address: str

    @property
    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


@dataclass
class ScriptedResponse:
    """A response given instead of the normal answer to the next matching request."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    #: Seconds to wait before answering (longer than the client's timeout: a timeout).
    delay: float = 0.0
    #: Routes it answers; the Sheets routes when None.
    routes: frozenset[str] = SHEETS_ROUTES


@dataclass
class _Tab:
    sheet_id: int
    title: str
    rows: list[list[Any]]


def _serial_number(value: date) -> float | int:
    if isinstance(value, datetime):
        delta = value - datetime(1899, 12, 30, tzinfo=value.tzinfo)
        return delta.days + delta.seconds / 86400
    return (value - _SERIAL_EPOCH).days


def _render(value: Any, value_render: str, date_render: str) -> Any:
    """Render one stored cell as the Sheets API would for these render options."""
    if isinstance(value, date):
        if value_render == "FORMATTED_VALUE" or date_render == "FORMATTED_STRING":
            return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        return _serial_number(value)
    if value_render == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return "" if value is None else str(value)
    return "" if value is None else value


def _trimmed(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Drop trailing empty cells of each row and trailing empty rows, as Google does."""
    result: list[list[Any]] = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] in ("", None):
            cells.pop()
        result.append(cells)
    while result and not result[-1]:
        result.pop()
    return result


def _tab_title_of(a1_range: str) -> str:
    """Return the tab title an A1 range names: `'Tab ''x'''!A1:B2` → `Tab 'x'`."""
    if a1_range.startswith("'"):
        match = re.match(r"^'((?:[^']|'')*)'(?:!.*)?$", a1_range)
        if match is None:
            return a1_range
        return match.group(1).replace("''", "'")
    return a1_range.split("!", 1)[0]


def _wants_gzip(handler: BaseHTTPRequestHandler) -> bool:
    """Whether the client asked for gzip the way Google requires: Accept-Encoding and User-Agent."""
    accepted = handler.headers.get("Accept-Encoding", "")
    return "gzip" in accepted.lower() and "gzip" in handler.headers.get("User-Agent", "")


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def google_json(value: Any, *, pretty: bool = False) -> bytes:
    """Return `value` as Google's APIs write JSON: UTF-8, and with prettyPrint=false on one line
    without a space (else indented by two)."""
    if pretty:
        return json.dumps(value, indent=2, ensure_ascii=False).encode()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSheetsApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected in the timeout tests


class FakeSheetsApi:
    """The Sheets v4 API, the OAuth token endpoint and the allowedLocations lookup, locally.

    Start it with ``with FakeSheetsApi(tabs) as api:`` (or ``start()``/``stop()``). ``url`` is the
    base to pass as ``api_url``; ``token_url`` the ``token_uri``; ``service_account_info()`` a
    ready key. ``requests`` records everything; ``count(route)`` counts. Faults:
    ``fail_next(...)`` scripts responses, ``deny_access`` answers 403, another spreadsheet key
    gets 404, ``token_error`` makes the token endpoint refuse, ``revoke_tokens()`` makes the
    issued tokens 401. Sheets routes need a bearer token the fake issued.
    """

    def __init__(
        self,
        tabs: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        *,
        spreadsheet_id: str = DEFAULT_SPREADSHEET_ID,
        client_email: str = DEFAULT_CLIENT_EMAIL,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.client_email = client_email
        self.requests: list[RecordedRequest] = []
        self.token_claims: list[dict[str, Any]] = []
        self.issued_tokens: set[str] = set()
        self.scripted: list[ScriptedResponse] = []
        #: Answer every Sheets request with 403 PERMISSION_DENIED.
        self.deny_access = False
        #: Demand a bearer token the fake issued on Sheets routes (401 without one).
        self.require_auth = True
        #: ``(status, body)`` the token endpoint answers with instead of a token.
        self.token_error: tuple[int, dict[str, Any]] | None = None
        #: What the allowedLocations lookup answers.
        self.allowed_locations: dict[str, Any] = {"locations": [], "encodedLocations": "0x0"}
        self._lock = threading.RLock()
        self._tabs: list[_Tab] = []
        self._next_sheet_id = 0
        self.set_tabs(tabs or {"Blad1": []})
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSheetsApi:
        """Start serving on 127.0.0.1 and an ephemeral port; return self."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        # A short poll interval: stop() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-sheets-api"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSheetsApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, to pass as ``api_url`` (GOOGLE_SHEETS_API_URL)."""
        if self._server is None:
            raise RuntimeError("the fake Sheets API is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint, to use as ``token_uri``."""
        return f"{self.url}/token"

    def service_account_info(self, client_email: str | None = None) -> dict[str, str]:
        """Return service-account info whose ``token_uri`` is this fake's token endpoint."""
        return service_account_info(self.token_url, client_email or self.client_email)

    # -- the spreadsheet ----------------------------------------------------------------------

    def set_tabs(self, tabs: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Replace the spreadsheet's tabs (title → rows; dates may be ``date`` objects)."""
        with self._lock:
            self._tabs = []
            for title, rows in tabs.items():
                self.add_tab(title, rows)

    def add_tab(self, title: str, rows: Sequence[Sequence[Any]] = ()) -> None:
        """Add a tab at the end, as a person would in Google Sheets."""
        with self._lock:
            self._tabs.append(_Tab(self._next_sheet_id, title, [list(row) for row in rows]))
            self._next_sheet_id += 1

    def rename_tab(self, old: str, new: str) -> None:
        """Rename a tab, keeping its sheetId and rows."""
        with self._lock:
            self._tab(old).title = new

    def remove_tab(self, title: str) -> None:
        """Delete a tab."""
        with self._lock:
            self._tabs.remove(self._tab(title))

    @property
    def tabs(self) -> dict[str, list[list[Any]]]:
        """A copy of the spreadsheet: tab title → rows, as stored."""
        with self._lock:
            return {tab.title: [list(row) for row in tab.rows] for tab in self._tabs}

    def _tab(self, title: str) -> _Tab:
        for tab in self._tabs:
            if tab.title == title:
                return tab
        raise KeyError(title)

    def _find_tab(self, title: str) -> _Tab | None:
        try:
            return self._tab(title)
        except KeyError:
            return None

    # -- faults and records -------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
        routes: Iterable[str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with `status` (a Google-style error body
        unless `body` is given), before any normal handling. `routes` defaults to the Sheets
        routes; ``routes=["token"]`` scripts the token endpoint."""
        response = ScriptedResponse(
            status,
            dict(headers or {}),
            body,
            delay,
            frozenset(routes) if routes is not None else SHEETS_ROUTES,
        )
        with self._lock:
            self.scripted.extend([response] * times)

    def revoke_tokens(self) -> None:
        """Forget every issued token, so the next Sheets request gets 401."""
        with self._lock:
            self.issued_tokens.clear()

    def count(self, route: str | None = None, method: str | None = None) -> int:
        """Return how many requests reached `route` (all when None)."""
        with self._lock:
            return sum(
                1
                for request in self.requests
                if (route is None or request.route == route)
                and (method is None or request.method == method)
            )

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Return the requests that reached `route`, oldest first."""
        with self._lock:
            return [request for request in self.requests if request.route == route]

    def wait_for(self, route: str, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until `count` requests reached `route` (google-auth calls some in a thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(route) >= count:
                return True
            time.sleep(0.01)
        return self.count(route) >= count

    # -- HTTP ---------------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        route, params = "unknown", {}
        for name, method, pattern in _ROUTES:
            match = pattern.match(split.path)
            if match and handler.command == method:
                route, params = name, {k: unquote(v) for k, v in match.groupdict().items()}
                break
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            route=route,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in handler.headers.items()},
            body=body,
            client_address=str(handler.client_address[0]),
        )
        with self._lock:
            self.requests.append(request)
            scripted = next((s for s in self.scripted if route in s.routes), None)
            if scripted is not None:
                self.scripted.remove(scripted)
        if scripted is not None:
            if scripted.delay:
                time.sleep(scripted.delay)
            default_body = google_error(scripted.status, f"Scripted HTTP {scripted.status}")
            self._reply(
                handler,
                scripted.status,
                scripted.body if scripted.body is not None else default_body,
                scripted.headers,
            )
            return
        with self._lock:
            status, answer = self._answer(route, params, request)
        # Google indents its JSON unless the request says prettyPrint=false.
        pretty = request.query.get("prettyPrint", ["true"])[0] != "false"
        self._reply(handler, status, answer, pretty=pretty)

    def _reply(
        self,
        handler: _Handler,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        *,
        pretty: bool = False,
    ) -> None:
        if not isinstance(body, bytes):
            body = google_json(body, pretty=pretty)
        data: bytes = body
        headers = dict(headers or {})
        if "Content-Encoding" not in headers and _wants_gzip(handler):
            data = self.gzipped(data)
            headers["Content-Encoding"] = "gzip"
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def gzipped(self, data: bytes) -> bytes:
        """Return `data` compressed as Google sends it (a subclass may keep it ready)."""
        return gzip.compress(data, compresslevel=6, mtime=0)

    def _answer(
        self, route: str, params: dict[str, str], request: RecordedRequest
    ) -> tuple[int, Any]:
        if route == "token":
            return self._token(request)
        if route == "allowedLocations":
            return 200, dict(self.allowed_locations)
        if route == "unknown":
            return 404, google_error(404, f"No route for {request.method} {request.path}")
        if self.require_auth:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self.issued_tokens:
                return 401, google_error(
                    401,
                    "Request is missing required authentication credential. Expected OAuth 2 "
                    "access token, login cookie or other valid authentication credential.",
                )
        if self.deny_access:
            return 403, google_error(403, "The caller does not have permission")
        if params.get("id") != self.spreadsheet_id:
            return 404, google_error(404, "Requested entity was not found.")
        if route == "metadata":
            return 200, self._metadata()
        if route == "batchGet":
            return self._batch_get(request.query)
        if route == "append":
            return self._append(params["range"], request)
        return self._batch_update(request.json)

    def _token(self, request: RecordedRequest) -> tuple[int, Any]:
        form = parse_qs(request.body.decode())
        if self.token_error is not None:
            return self.token_error
        if form.get("grant_type") != [JWT_GRANT_TYPE] or "assertion" not in form:
            return 400, {"error": "unsupported_grant_type", "error_description": "Bad grant"}
        try:
            payload = form["assertion"][0].split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT."}
        if not isinstance(claims, dict) or claims.get("iss") != self.client_email:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT issuer."}
        self.token_claims.append(claims)
        token = f"fake-access-token-{len(self.token_claims)}"
        self.issued_tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _metadata(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": "Finsam", "locale": "sv_SE", "timeZone": "Europe/Stockholm"},
            "sheets": [
                {
                    "properties": {
                        "sheetId": tab.sheet_id,
                        "title": tab.title,
                        "index": index,
                        "sheetType": "GRID",
                        "gridProperties": {
                            "rowCount": max(1000, len(tab.rows)),
                            "columnCount": max(26, *(len(row) for row in tab.rows), 0),
                        },
                    }
                }
                for index, tab in enumerate(self._tabs)
            ],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def _batch_get(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        value_render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        date_render = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
        value_ranges = []
        for a1_range in query.get("ranges", []):
            tab = self._find_tab(_tab_title_of(a1_range))
            if tab is None:
                return 400, google_error(400, f"Unable to parse range: {a1_range}")
            rows = _trimmed(
                [_render(value, value_render, date_render) for value in row] for row in tab.rows
            )
            width = max((len(row) for row in rows), default=0)
            quoted = "'" + tab.title.replace("'", "''") + "'"
            value_range: dict[str, Any] = {
                "range": f"{quoted}!A1:{_column_letters(max(width, 26))}{max(len(rows), 1000)}",
                "majorDimension": "ROWS",
            }
            if rows:
                value_range["values"] = rows
            value_ranges.append(value_range)
        return 200, {"spreadsheetId": self.spreadsheet_id, "valueRanges": value_ranges}

    def _append(self, a1_range: str, request: RecordedRequest) -> tuple[int, Any]:
        tab = self._find_tab(_tab_title_of(a1_range))
        if tab is None:
            return 400, google_error(400, f"Unable to parse range: {a1_range}")
        if "valueInputOption" not in request.query:
            return 400, google_error(400, "'valueInputOption' is required but not specified")
        values = [list(row) for row in request.json.get("values", [])]
        start = len(_trimmed(tab.rows))
        del tab.rows[start:]
        tab.rows.extend(values)
        width = max((len(row) for row in values), default=1)
        quoted = "'" + tab.title.replace("'", "''") + "'"
        updated = f"{quoted}!A{start + 1}:{_column_letters(width)}{start + len(values)}"
        return 200, {
            "spreadsheetId": self.spreadsheet_id,
            "updates": {
                "spreadsheetId": self.spreadsheet_id,
                "updatedRange": updated,
                "updatedRows": len(values),
                "updatedColumns": width,
                "updatedCells": sum(len(row) for row in values),
            },
        }

    def _batch_update(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        replies = []
        for index, change in enumerate(body.get("requests", [])):
            if "addSheet" not in change:
                return 400, google_error(400, f"Unsupported request in requests[{index}]")
            title = change["addSheet"].get("properties", {}).get("title", "")
            if any(tab.title.casefold() == title.casefold() for tab in self._tabs):
                return 400, google_error(
                    400,
                    f'Invalid requests[{index}].addSheet: A sheet with the name "{title}" already '
                    "exists. Please enter another name.",
                )
            self.add_tab(title)
            tab = self._tabs[-1]
            replies.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": tab.sheet_id,
                            "title": tab.title,
                            "index": len(self._tabs) - 1,
                            "sheetType": "GRID",
                            "gridProperties": {"rowCount": 1000, "columnCount": 26},
                        }
                    }
                }
            )
        return 200, {"spreadsheetId": self.spreadsheet_id, "replies": replies}
