"""A local stand-in for the Slack Web API and for the response_urls of slash commands.

In the style of bolt-python's ``tests/mock_web_api_server``: a real HTTP server on 127.0.0.1 with
an ephemeral port, in a background thread, reached by the real slack_sdk ``WebClient`` (point it
here with ``base_url=api.api_url``, i.e. ``SLACK_API_URL``) and by bolt's ``respond()`` (give a
slash command ``response_url=api.response_url()``). It records every call and can be scripted to
fail::

    with FakeSlackApi() as api:
        client = WebClient(token=api.bot_token, base_url=api.api_url)
        api.fail_next("chat.postMessage", 429, headers={"Retry-After": "0"})
        client.chat_postMessage(channel="C0TEST", text="hej")  # retried by the retry handler
        assert len(api.calls("chat.postMessage")) == 2

Web API methods are answered at ``/api/<method>`` like Slack does: HTTP 200 with ``{"ok": ...}``,
``invalid_auth`` for a token other than `bot_token`, ``unknown_method`` for methods it does not
know. A response_url is ``/response/<name>`` and answers ``ok``. Files uploaded with
``files.getUploadURLExternal`` go to ``/upload/<file id>``.

Socket Mode too: ``apps.connections.open`` with `app_token` gives ``ws://…/socket``, a minimal
WebSocket endpoint (RFC 6455 text, ping/pong and close frames) that greets with ``hello``;
``socket_send(envelope)`` delivers a slash command or event envelope to the connected app and
``wait_for_socket_ack(envelope_id)`` waits for its acknowledgement.

The module also builds what Slack sends to the app: slash-command and event bodies, and the
signed headers (``signed_headers``) that bolt's real signature check verifies.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

BOT_TOKEN = "xoxb-0000000000-fake-finsam-test-token"
APP_TOKEN = "xapp-1-A0FINSAMAPP-0000-fake-finsam-test-app-token"
BOT_USER_ID = "U0FINSAMBOT"
BOT_ID = "B0FINSAMBOT"
TEAM_ID = "T0FINSAM"
#: Route names of requests that are not Web API methods.
RESPONSE_URL = "response_url"
UPLOAD = "upload"
SOCKET = "socket"
_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received.

    `route` is the Web API method (``chat.postMessage``), ``response_url``, ``upload`` or
    ``unknown``; `name` is the last path segment of a response_url or upload.
    """

    route: str
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    @property
    def params(self) -> dict[str, Any]:
        """The arguments: the JSON body, or the form fields (one value each) of a form body."""
        if not self.body:
            return {}
        if self.headers.get("content-type", "").startswith("application/json"):
            decoded = json.loads(self.body)
            return decoded if isinstance(decoded, dict) else {"_": decoded}
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class ScriptedResponse:
    """A response given instead of the normal answer to the next call of `route`."""

    route: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean


class _Server(ThreadingHTTPServer):
    #: The bot posts many answers at once; with the default backlog of 5 the kernel drops some
    #: connections and the client tries again a second later, a delay real Slack never shows.
    request_queue_size = 128
    daemon_threads = True
    fake: FakeSlackApi


class _WebSocket:
    """The server side of one WebSocket connection: unmasked frames out, masked frames in."""

    def __init__(self, handler: _Handler) -> None:
        self.handler = handler
        self.open = True
        self._send_lock = threading.Lock()

    def send(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack(">BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack(">BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 127, length)
        with self._send_lock:
            try:
                self.handler.wfile.write(header + payload)
            except OSError:
                self.open = False

    def receive(self) -> tuple[int, bytes] | None:
        """Return the next frame's opcode and payload, or None when the connection ended."""
        try:
            start = self.handler.rfile.read(2)
            if len(start) < 2:
                return None
            opcode, length = start[0] & 0x0F, start[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.handler.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.handler.rfile.read(8))[0]
            mask = self.handler.rfile.read(4) if start[1] & 0x80 else b""
            data = self.handler.rfile.read(length)
        except (OSError, ValueError):
            return None
        if mask:
            data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
        return opcode, data

    def close(self) -> None:
        if self.open:
            self.open = False
            with contextlib.suppress(OSError):  # the app may have hung up first
                self.handler.connection.shutdown(socket.SHUT_RDWR)


class FakeSlackApi:
    """The Slack Web API and response_urls, locally.

    Start it with ``with FakeSlackApi() as api:`` (or ``start()``/``stop()``). ``api_url`` is the
    value for ``SLACK_API_URL``; ``response_url(name)`` a response_url to put in a slash command.
    ``calls(route)`` returns what arrived, ``wait_for(route, count)`` waits for it, and
    ``fail_next(route, status, ...)`` scripts an error (429 with ``Retry-After``, 500, ...).
    """

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        bot_user_id: str = BOT_USER_ID,
        app_token: str = APP_TOKEN,
    ) -> None:
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.app_token = app_token
        self.received: list[SlackCall] = []
        #: Messages the app sent over Socket Mode (its acks), decoded, oldest first.
        self.socket_received: list[dict[str, Any]] = []
        self._sockets: list[_WebSocket] = []
        self.scripted: list[ScriptedResponse] = []
        #: Channel → the messages posted there with chat.postMessage (what conversations.history
        #: returns), metadata included.
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        """Start serving on 127.0.0.1 and an ephemeral port; return self."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-slack-api"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close Socket Mode connections and free the port."""
        with self._lock:
            sockets, self._sockets = list(self._sockets), []
        for connection in sockets:
            connection.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's base URL, ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("the fake Slack API is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``SLACK_API_URL`` (ends in ``/api/`` as Slack's does)."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "command") -> str:
        """Return a response_url whose calls are recorded under route ``response_url``."""
        return f"{self.url}/response/{name}"

    # -- faults and records -------------------------------------------------------------------

    def fail_next(
        self,
        route: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `route` with `status` (and `body`, default an
        ``{"ok": false}`` error) instead of the normal answer."""
        response = ScriptedResponse(route, status, dict(headers or {}), body)
        with self._lock:
            self.scripted.extend([response] * times)

    def calls(self, route: str | None = None, name: str | None = None) -> list[SlackCall]:
        """Return the calls of `route` (all when None), optionally only those to `name`."""
        with self._lock:
            return [
                call
                for call in self.received
                if (route is None or call.route == route) and (name is None or call.name == name)
            ]

    def wait_for(
        self, route: str, count: int = 1, *, name: str | None = None, timeout: float = 5.0
    ) -> list[SlackCall]:
        """Wait until `count` calls of `route` (to `name`) arrived; return them (maybe fewer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(route, name)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        return self.calls(route, name)

    def clear(self) -> None:
        """Forget the recorded calls and scripted responses."""
        with self._lock:
            self.received.clear()
            self.scripted.clear()

    # -- HTTP ---------------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        if split.path == f"/{SOCKET}" and handler.headers.get("Upgrade", "").lower() == "websocket":
            self._serve_websocket(handler)
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = split.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "api":
            route, name = parts[1], ""
        elif len(parts) == 2 and parts[0] == "response":
            route, name = RESPONSE_URL, parts[1]
        elif len(parts) == 2 and parts[0] == "upload":
            route, name = UPLOAD, parts[1]
        else:
            route, name = "unknown", ""
        call = SlackCall(
            route=route,
            name=name,
            method=handler.command,
            path=split.path,
            headers={key.lower(): value for key, value in handler.headers.items()},
            body=body,
            received_at=time.monotonic(),
        )
        with self._lock:
            self.received.append(call)
            scripted = next((s for s in self.scripted if s.route == route), None)
            if scripted is not None:
                self.scripted.remove(scripted)
        if scripted is not None:
            default = {"ok": False, "error": "ratelimited" if scripted.status == 429 else "fatal"}
            self._reply(
                handler,
                scripted.status,
                scripted.body if scripted.body is not None else default,
                scripted.headers,
            )
            return
        status, answer = self._answer(call)
        self._reply(handler, status, answer)

    def _reply(
        self, handler: _Handler, status: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        if isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(body).encode()
            content_type = "application/json; charset=utf-8"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _answer(self, call: SlackCall) -> tuple[int, Any]:
        if call.route == RESPONSE_URL:
            return 200, "ok"
        if call.route == UPLOAD:
            return 200, f"OK - {len(call.body)}"
        if call.route == "unknown":
            return 404, "Not Found"
        token = call.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            token = str(call.params.get("token", ""))
        if call.route == "apps.connections.open":
            if token != self.app_token:
                return 200, {"ok": False, "error": "invalid_auth"}
            return 200, {"ok": True, "url": f"ws://127.0.0.1:{self.url.rsplit(':', 1)[1]}/{SOCKET}"}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        params = call.params
        method = call.route
        if method == "auth.test":
            return 200, {
                "ok": True,
                "url": "https://finsam-test.slack.com/",
                "team": "Finsam Test",
                "user": "finsam",
                "team_id": TEAM_ID,
                "user_id": self.bot_user_id,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "user": self.bot_user_id, "bot_id": BOT_ID, "ts": ts}
            message.update({k: params[k] for k in ("text", "blocks", "thread_ts") if k in params})
            metadata = params.get("metadata")
            if metadata:
                message["metadata"] = (
                    json.loads(metadata) if isinstance(metadata, str) else metadata
                )
            with self._lock:
                self.channels.setdefault(str(params.get("channel")), []).append(message)
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            include_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
            with self._lock:
                posted = list(self.channels.get(str(params.get("channel")), []))
            messages = [
                {k: v for k, v in m.items() if k != "metadata" or include_metadata}
                for m in reversed(posted)  # newest first, as Slack returns them
                if float(m["ts"]) >= oldest and "thread_ts" not in m
            ]
            return 200, {"ok": True, "messages": messages, "has_more": False}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": self._next_ts()}
        if method in ("chat.update", "chat.delete"):
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D0FINSAMDM"}}
        if method == "users.info":
            user = params.get("user", "")
            return 200, {"ok": True, "user": {"id": user, "tz": "Europe/Stockholm"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F0{next(self._ts):08d}"
            return 200, {
                "ok": True,
                "upload_url": f"{self.url}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = params.get("files")
            listed = json.loads(files) if isinstance(files, str) else files or []
            return 200, {"ok": True, "files": [{"id": f.get("id")} for f in listed]}
        return 200, {"ok": False, "error": "unknown_method"}

    # -- Socket Mode --------------------------------------------------------------------------

    def wait_for_socket(self, timeout: float = 10.0) -> bool:
        """Wait until an app is connected over Socket Mode; return whether one is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(connection.open for connection in self._sockets):
                    return True
            time.sleep(0.01)
        return False

    def socket_send(self, envelope: dict[str, Any]) -> None:
        """Send `envelope` (JSON) to every app connected over Socket Mode."""
        with self._lock:
            sockets = [connection for connection in self._sockets if connection.open]
        if not sockets:
            raise RuntimeError("no app is connected over Socket Mode")
        for connection in sockets:
            connection.send(_TEXT, json.dumps(envelope).encode())

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """Wait for the app's acknowledgement of `envelope_id`; return it, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.socket_received:
                    if message.get("envelope_id") == envelope_id:
                        return message
            time.sleep(0.01)
        return None

    def _serve_websocket(self, handler: _Handler) -> None:
        """Answer the WebSocket handshake, greet with ``hello`` and read frames until closed."""
        key = handler.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WEBSOCKET_GUID).encode()).digest())
        handler.wfile.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        connection = _WebSocket(handler)
        with self._lock:
            self._sockets.append(connection)
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake-slack-api", "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }
        connection.send(_TEXT, json.dumps(hello).encode())
        while connection.open:
            frame = connection.receive()
            if frame is None:
                break
            opcode, payload = frame
            if opcode == _PING:
                connection.send(_PONG, payload)
            elif opcode == _TEXT:
                with self._lock:
                    self.socket_received.append(json.loads(payload))
            elif opcode == _CLOSE:
                connection.send(_CLOSE, payload[:2])
                break
        connection.close()


# -- what Slack sends to the app ------------------------------------------------------------------

SIGNING_SECRET = "0123456789abcdef-finsam-test-signing-secret"
APP_ID = "A0FINSAMAPP"


def signature(body: bytes, timestamp: int | str, secret: str = SIGNING_SECRET) -> str:
    """Return Slack's ``X-Slack-Signature`` of `body`: ``v0=`` + HMAC-SHA256 of ``v0:{ts}:{body}``."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> dict[str, str]:
    """Return the headers Slack sends with `body`, signed with `secret` at `timestamp` (now)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(body, stamp, secret),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def slash_command_fields(
    text: str,
    response_url: str,
    *,
    user_id: str = "U0DEMO01",
    channel_id: str = "C0FINSAM",
    command: str = "/finsam",
) -> dict[str, str]:
    """Return a slash command's fields as Slack sends them (form body, or Socket Mode payload)."""
    return {
        "token": "legacy-verification-token-unused",
        "team_id": TEAM_ID,
        "team_domain": "finsam-test",
        "channel_id": channel_id,
        "channel_name": "finsam",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.1.trigger",
    }


def slash_command_body(text: str, response_url: str, **fields: str) -> bytes:
    """Return a slash command's form-encoded body as Slack posts it (see slash_command_fields)."""
    return urlencode(slash_command_fields(text, response_url, **fields)).encode()


def event_callback(
    event: dict[str, Any], event_id: str, *, bot_user_id: str = BOT_USER_ID
) -> dict[str, Any]:
    """Return an Events API ``event_callback`` wrapping `event`."""
    now = int(time.time())
    return {
        "token": "legacy-verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"event_ts": event.get("ts", f"{now}.000100"), **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def event_body(event: dict[str, Any], event_id: str, *, bot_user_id: str = BOT_USER_ID) -> bytes:
    """Return an ``event_callback`` body (JSON) as Slack posts it (see event_callback)."""
    return json.dumps(event_callback(event, event_id, bot_user_id=bot_user_id)).encode()


def socket_envelope(
    kind: str, payload: dict[str, Any], envelope_id: str, retry: int = 0
) -> dict[str, Any]:
    """Return a Socket Mode envelope: ``slash_commands`` (payload: the command's fields) or
    ``events_api`` (payload: the event_callback body), as Slack sends it over the WebSocket."""
    envelope: dict[str, Any] = {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": kind == "slash_commands",
        "payload": payload,
    }
    if kind == "events_api":
        envelope["retry_attempt"] = retry
        envelope["retry_reason"] = "timeout" if retry else ""
    return envelope
