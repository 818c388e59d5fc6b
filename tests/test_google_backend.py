"""The Google backend against a local stand-in of the Sheets API, through the real gspread and
google-auth clients. No test touches the network: a guard fails any connection that is not to
127.0.0.1."""

from __future__ import annotations

import copy
import gzip
import math
import socket
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy
import pytest

from commands.figures import compute_figures, figures_json
from sheets.backends.base import ChunkedRows
from sheets.backends.google import (
    DEFAULT_API_URL,
    GoogleApiSession,
    GoogleSheetBackend,
    RetryPolicy,
)
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import read_dataset
from sheets.demo import BUNDLED_PATH
from sheets.errors import (
    SheetAccessDenied,
    SheetCredentialsError,
    SheetNotFound,
    SheetsError,
    SheetUnavailable,
)
from tests.data.make_handtyped_workbook import PATH as HANDTYPED_PATH
from tests.fakes.sheets_api import DEFAULT_CLIENT_EMAIL, FakeSheetsApi, google_error

SHEET: dict[str, list[list[Any]]] = {
    "Insatser": [
        ["Kod", "Namn", "Start", "Platser", "Budget (kr)"],
        ["IPS", "IPS Norr", date(2026, 1, 12), 20, "1 500,50"],
        ["STEG", "Steg till arbete", 46023, "1,5", "#REF!"],
    ],
    "Deltagare": [
        ["Deltagar-ID", "Insats", "Kön", "Inskriven", "Avslutad"],
        ["D-001", "IPS", "K", date(2026, 2, 2), None],
        ["D-002", "IPS", "M", "15/3/2026", ""],
    ],
    "Ekonomi": [],
}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail, and record, any attempt to resolve or connect to a host other than 127.0.0.1."""
    blocked: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOCAL_HOSTS:
            blocked.append(str(host))
            raise OSError(f"test tried to reach {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        if address[0] not in LOCAL_HOSTS:
            blocked.append(str(address[0]))
            raise OSError(f"test tried to reach {address[0]}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield blocked
    assert blocked == [], f"a test tried to reach {blocked}"


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi(SHEET) as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the backend asked for, instead of sleeping."""
    return []


def backend_for(
    api: FakeSheetsApi, sleeps: list[float], *, api_url: str | None = None, **options: Any
) -> GoogleSheetBackend:
    options.setdefault("retry", RetryPolicy(jitter=0.0))
    options.setdefault("key", api.spreadsheet_id)
    return GoogleSheetBackend.from_service_account_info(
        options.pop("info", None) or api.service_account_info(),
        options.pop("key"),
        api_url=api_url or api.url,
        sleep=sleeps.append,
        **options,
    )


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- reading ----------------------------------------------------------------------------------


def test_nothing_is_sent_until_the_first_read(api: FakeSheetsApi, sleeps: list[float]) -> None:
    backend = backend_for(api, sleeps)

    assert api.count() == 0
    assert backend.url == f"https://docs.google.com/spreadsheets/d/{api.spreadsheet_id}"


def test_one_values_request_per_read_and_metadata_once(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    backend = backend_for(api, sleeps)

    first = backend.read_tabs()
    second = backend.read_tabs()

    assert first == second
    assert list(first) == ["Insatser", "Deltagare", "Ekonomi"]
    assert api.count("batchGet") == 2
    assert api.count("metadata") == 1
    assert api.count("token") == 1
    assert sleeps == []


def test_values_come_back_raw(api: FakeSheetsApi, sleeps: list[float]) -> None:
    tabs = backend_for(api, sleeps).read_tabs()

    # A date cell is a serial number, digits typed as text stay text, "1,5" is not 15.
    assert tabs["Insatser"][1] == ["IPS", "IPS Norr", 46034, 20, "1 500,50"]
    assert tabs["Insatser"][2] == ["STEG", "Steg till arbete", 46023, "1,5", "#REF!"]
    query = api.requests_to("batchGet")[0].query
    assert query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]


def test_every_sheets_request_asks_for_json_without_indentation(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    # Google indents its answers unless asked not to: a line and spaces for every cell.
    backend = backend_for(api, sleeps)
    backend.read_tabs()
    backend.append_rows("Historik", ["Vecka"], [["2026-W10"]])

    sheets_requests = [r for r in api.requests if r.route != "token"]
    assert {r.route for r in sheets_requests} >= {"metadata", "batchGet"}
    assert all(r.query.get("prettyPrint") == ["false"] for r in sheets_requests)


def test_the_values_come_gzipped_and_are_read_whole(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    api.set_tabs(
        {
            "Deltagare": [
                ["Deltagar-ID", "Kommun"],
                *[[f"B{n:06d}", "Västerås"] for n in range(5000)],
            ]
        }
    )
    tabs = backend_for(api, sleeps).read_tabs()

    assert tabs["Deltagare"][1] == ["B000000", "Västerås"]
    assert len(tabs["Deltagare"]) == 5001
    [request] = api.requests_to("batchGet")
    # Google compresses only for a client that asks in both headers.
    assert "gzip" in request.headers["accept-encoding"]
    assert "gzip" in request.headers["user-agent"]
    assert sleeps == []


def _flipped_checksum(body: bytes) -> bytes:
    """`body` gzipped, with one bit of the CRC-32 in its trailer flipped."""
    compressed = bytearray(gzip.compress(body))
    compressed[-8] ^= 1
    return bytes(compressed)


@pytest.mark.parametrize(
    "broken",
    [
        gzip.compress(b'{"valueRanges": []}')[:-12],  # the connection broke off
        _flipped_checksum(b'{"valueRanges": []}'),  # a bit changed on the way
        b"",  # nothing came
    ],
    ids=["cut-short", "bad-checksum", "empty"],
)
def test_a_broken_answer_is_read_again_and_one_that_is_not_json_is_unavailable(
    api: FakeSheetsApi, sleeps: list[float], broken: bytes
) -> None:
    backend = backend_for(api, sleeps)
    api.fail_next(200, body=broken, headers={"Content-Encoding": "gzip"}, routes=["batchGet"])
    assert backend.read_tabs()["Insatser"][1][0] == "IPS"
    assert api.count("batchGet") == 2 and sleeps == [1.0]

    api.fail_next(200, body=b"<html>Service Unavailable</html>", routes=["batchGet"])
    with pytest.raises(SheetUnavailable, match="could not be read"):
        backend.read_tabs()


@pytest.mark.parametrize("split", [10, 30, 70], ids=["short-first", "middle", "long-first"])
def test_a_body_in_two_gzip_members_is_read_whole(
    api: FakeSheetsApi, sleeps: list[float], split: int
) -> None:
    # The gzip trailer gives the length of the last member only: a longer first one is read too.
    body = b'{"valueRanges": [{"range": "Insatser!A1:B2", "values": [["Kod"], ["IPS"]]}]}'
    members = gzip.compress(body[:split]) + gzip.compress(body[split:])
    api.fail_next(200, body=members, headers={"Content-Encoding": "gzip"}, routes=["batchGet"])

    assert backend_for(api, sleeps).read_tabs()["Insatser"] == [["Kod"], ["IPS"]]
    assert api.count("batchGet") == 1


def test_numbers_beyond_64_bits_and_a_float_read_as_python_reads_them(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    body = b'{"valueRanges": [{"range": "Insatser!A1:C1", "values": [[2e308, 123456789012345678901234567890, 1e-400]]}]}'
    api.fail_next(200, body=body, routes=["batchGet"])
    [[big_float, big_int, tiny]] = backend_for(api, sleeps).read_tabs()["Insatser"]
    assert (big_float, big_int, tiny) == (float("inf"), 123456789012345678901234567890, 0.0)


@pytest.mark.parametrize("workbook", [HANDTYPED_PATH, BUNDLED_PATH], ids=["handtyped", "demo"])
def test_an_answer_decoded_as_it_is_read_loads_as_one_decoded_whole(
    sleeps: list[float], workbook: Any
) -> None:
    # Title rows, headers over two rows, Swedish dates, errors: cut into pieces of 256 bytes.
    with FakeSheetsApi(WorkbookBackend(workbook).read_tabs()) as api:
        whole = backend_for(api, sleeps, piece_bytes=10**9)
        pieces = backend_for(api, sleeps, piece_bytes=256)
        assert all(isinstance(rows, ChunkedRows) for rows in pieces.read_tabs().values())

        as_one, as_read = read_dataset(whole), read_dataset(pieces)

    assert as_read.problems == as_one.problems and as_read.problems
    as_of = date(2026, 4, 15)
    assert figures_json(compute_figures(as_read, as_of)) == figures_json(
        compute_figures(as_one, as_of)
    )


def test_a_column_mixing_true_and_1_decoded_as_it_is_read_loads_as_one_decoded_whole(
    sleeps: list[float],
) -> None:
    # TRUE and 1 are one key in a dict: the loader reads such a column again, told apart by type.
    rows = [[f"D-{n:03d}", "IPS", "K", [True, 1, 1987][n % 3], 46055] for n in range(300)]
    tabs = {
        **SHEET,
        "Deltagare": [["Deltagar-ID", "Insats", "Kön", "Födelseår", "Inskriven"], *rows],
    }
    with FakeSheetsApi(tabs) as api:
        as_one = read_dataset(backend_for(api, sleeps, piece_bytes=10**9))
        as_read = read_dataset(backend_for(api, sleeps, piece_bytes=512))

    assert as_read.problems == as_one.problems
    assert sum("Födelseår" in p.message.sv for p in as_read.problems) == 200


def test_texts_new_late_in_a_sheet_kept_in_time_order_load_as_one_decoded_whole(
    sleeps: list[float],
) -> None:
    # The loader tells the texts of each column of few values as it reads (`ChunkedRows.expect`).
    # New ones come late here: an insats that starts later, a typo, a year typed as text, a
    # comment in a column of its own, far to the right: each must be read, and reported, where
    # it is.
    def row(n: int) -> list[Any]:
        insats = "IPS" if n < 1200 else ["IPS", "STEG"][n % 2]
        gender = ["K", "kvinna", "M", "man"][n % 4] if n != 2500 else "kvinnna"
        born = 1980 + n % 30 if n % 97 else f"{1980 + n % 30}"
        comment = [None] * 6 + ["ring tillbaka"] if n % 500 == 499 else []
        return [f"D-{n:04d}", insats, gender, born, 46055 + n % 50, *comment]

    tabs = {
        **SHEET,
        "Deltagare": [
            ["Deltagar-ID", "Insats", "Kön", "Födelseår", "Inskriven"],
            *map(row, range(3000)),
        ],
    }
    with FakeSheetsApi(tabs) as api:
        as_one = read_dataset(backend_for(api, sleeps, piece_bytes=10**9))
        as_read = read_dataset(backend_for(api, sleeps, piece_bytes=512))

    assert as_read.problems == as_one.problems
    assert [p.cell for p in as_read.problems if p.tab == "Deltagare"] == ["C2502"]
    as_of = date(2026, 4, 15)
    assert figures_json(compute_figures(as_read, as_of)) == figures_json(
        compute_figures(as_one, as_of)
    )


def test_an_answer_decoded_as_it_is_read_that_is_no_json_is_unavailable(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    backend = backend_for(api, sleeps, piece_bytes=8)
    api.fail_next(200, body=b"<html>Service Unavailable</html>", routes=["batchGet"])
    with pytest.raises(SheetUnavailable, match="could not be read"):
        backend.read_tabs()

    # Broken further on, where only reading the rows finds it: the read fails the same way.
    body = b'{"valueRanges":[{"values":[["Kod"],["IPS"]]},{"values":[["Deltagar-ID"],[oops]]}]}'
    api.fail_next(200, body=body, routes=["batchGet"])
    with pytest.raises(SheetUnavailable, match="could not be read"):
        read_dataset(backend)


def test_tab_titles_are_quoted_in_ranges(sleeps: list[float]) -> None:
    tabs = {"Deltagare 2026": [["a"]], "Kalles 'test'": [["b"]], "A1": [["c"]]}
    with FakeSheetsApi(tabs) as api:
        assert backend_for(api, sleeps).read_tabs() == {
            "Deltagare 2026": [["a"]],
            "Kalles 'test'": [["b"]],
            "A1": [["c"]],
        }
        assert api.requests_to("batchGet")[0].query["ranges"] == [
            "'Deltagare 2026'",
            "'Kalles ''test'''",
            "'A1'",
        ]


def test_empty_tab_and_trailing_blanks(api: FakeSheetsApi, sleeps: list[float]) -> None:
    tabs = backend_for(api, sleeps).read_tabs()

    assert tabs["Ekonomi"] == []
    # Google leaves out trailing empty cells; an empty cell inside a row is "".
    assert tabs["Deltagare"][1] == ["D-001", "IPS", "K", 46055]
    assert tabs["Deltagare"][2] == ["D-002", "IPS", "M", "15/3/2026"]


def test_renamed_tab_between_reads_refetches_metadata(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    backend = backend_for(api, sleeps)
    backend.read_tabs()

    api.rename_tab("Deltagare", "Deltagare 2026")
    tabs = backend.read_tabs()

    assert "Deltagare 2026" in tabs
    assert "Deltagare" not in tabs
    assert api.count("metadata") == 2
    assert api.count("batchGet") == 3  # the one that failed on the old title, and the retry


def test_added_tab_shows_up_once_metadata_is_old(api: FakeSheetsApi, sleeps: list[float]) -> None:
    now = [0.0]
    backend = backend_for(api, sleeps, metadata_max_age=300.0, clock=lambda: now[0])
    backend.read_tabs()

    api.add_tab("Personal", [["Slack-ID", "Namn", "Roll"]])
    now[0] = 100.0
    assert "Personal" not in backend.read_tabs()
    now[0] = 301.0
    assert backend.read_tabs()["Personal"] == [["Slack-ID", "Namn", "Roll"]]
    assert api.count("metadata") == 2


# -- retries ----------------------------------------------------------------------------------


def test_429_is_retried_honouring_retry_after(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(429, headers={"Retry-After": "2"}, routes=["batchGet"])
    api.fail_next(429, headers={"Retry-After": "1"}, routes=["batchGet"])

    tabs = backend_for(api, sleeps).read_tabs()

    assert tabs["Ekonomi"] == []
    assert sleeps == [2.0, 1.0]
    assert api.count("batchGet") == 3


def test_500_then_success(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(500, routes=["batchGet"])

    assert "Insatser" in backend_for(api, sleeps).read_tabs()
    assert sleeps == [1.0]


def test_waits_grow_with_jitter(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(503, times=2, routes=["batchGet"])

    backend_for(api, sleeps, retry=RetryPolicy(jitter=0.1), random_fraction=lambda: 1.0).read_tabs()

    assert sleeps == pytest.approx([1.1, 2.2])


def test_gives_up_after_the_bound(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(503, times=10, routes=["batchGet"])

    with pytest.raises(SheetUnavailable) as caught:
        backend_for(api, sleeps).read_tabs()

    assert api.count("batchGet") == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert "HTTP 503" in caught.value.message("en")
    assert "försök igen" in caught.value.message("sv")


def test_retry_after_beyond_the_budget_gives_up_at_once(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    api.fail_next(429, headers={"Retry-After": "3600"}, routes=["batchGet"])

    with pytest.raises(SheetUnavailable, match="429"):
        backend_for(api, sleeps).read_tabs()
    assert sleeps == []


def test_expired_token_is_renewed_once(api: FakeSheetsApi, sleeps: list[float]) -> None:
    backend = backend_for(api, sleeps)
    backend.read_tabs()

    api.revoke_tokens()
    backend.read_tabs()

    assert api.count("token") == 2
    assert sleeps == []


# -- errors -----------------------------------------------------------------------------------


def test_403_names_the_service_account(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.deny_access = True

    with pytest.raises(SheetAccessDenied) as caught:
        backend_for(api, sleeps).read_tabs()

    assert DEFAULT_CLIENT_EMAIL in caught.value.message("en")
    assert "Share the sheet" in caught.value.message("en")
    assert DEFAULT_CLIENT_EMAIL in caught.value.message("sv")
    assert "Dela arket" in caught.value.message("sv")
    assert sleeps == []


def test_403_for_a_disabled_api_says_to_enable_it(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(
        403,
        body=google_error(
            403,
            "Google Sheets API has not been used in project 123 before or it is disabled.",
            [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}],
        ),
    )

    with pytest.raises(SheetAccessDenied, match="not enabled"):
        backend_for(api, sleeps).read_tabs()


def test_404_is_sheet_not_found(api: FakeSheetsApi, sleeps: list[float]) -> None:
    with pytest.raises(SheetNotFound) as caught:
        backend_for(api, sleeps, key="no-such-sheet").read_tabs()

    assert "no-such-sheet" in caught.value.message("en")
    assert "GOOGLE_SHEET_ID" in caught.value.message("sv")


def test_rejected_key_is_a_credentials_error(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.token_error = (
        400,
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )

    with pytest.raises(SheetCredentialsError) as caught:
        backend_for(api, sleeps).read_tabs()

    assert "invalid_grant" in caught.value.message("en")
    assert "GOOGLE_SERVICE_ACCOUNT_JSON" in caught.value.message("sv")
    assert api.count("metadata") == 0


@pytest.mark.parametrize(
    "change",
    [
        {"client_email": None},
        {"private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"},
    ],
)
def test_malformed_key_is_a_credentials_error(
    api: FakeSheetsApi, sleeps: list[float], change: dict[str, str | None]
) -> None:
    info = {**api.service_account_info(), **change}
    info = {name: value for name, value in info.items() if value is not None}

    with pytest.raises(SheetCredentialsError) as caught:
        backend_for(api, sleeps, info=info)

    assert "BEGIN PRIVATE KEY" not in str(caught.value)
    assert api.count() == 0


def test_json_that_is_not_json_is_a_credentials_error() -> None:
    with pytest.raises(SheetCredentialsError, match="GOOGLE_SERVICE_ACCOUNT_JSON"):
        GoogleSheetBackend.from_service_account_json("{not json", "key")


def test_connection_refused_is_unavailable(api: FakeSheetsApi, sleeps: list[float]) -> None:
    backend = backend_for(api, sleeps, api_url=closed_port_url())

    with pytest.raises(SheetUnavailable, match="no connection"):
        backend.read_tabs()
    assert sleeps == [1.0, 2.0, 4.0]


def test_unreachable_token_endpoint_is_unavailable(api: FakeSheetsApi, sleeps: list[float]) -> None:
    info = {**api.service_account_info(), "token_uri": closed_port_url() + "/token"}

    with pytest.raises(SheetUnavailable, match="sign-in"):
        backend_for(api, sleeps, info=info).read_tabs()
    assert len(sleeps) == 3


def test_no_answer_in_time_is_unavailable(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(200, delay=1.0, times=2, routes=["metadata"])
    backend = backend_for(api, sleeps, timeout=0.1, retry=RetryPolicy(max_attempts=2, jitter=0))

    with pytest.raises(SheetUnavailable, match="in time"):
        backend.read_tabs()
    assert api.count("metadata") == 2


def test_unexpected_4xx_is_a_sheets_error(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.fail_next(400, body=google_error(400, "Invalid value at 'ranges'"), routes=["batchGet"])

    with pytest.raises(SheetsError, match="Invalid value"):
        backend_for(api, sleeps).read_tabs()


# -- appending --------------------------------------------------------------------------------

HEADER = ["Vecka", "Datum", "Insats", "Aktiva", "Nya", "Avslutade", "Till arbete/studier"]


def test_append_creates_historik_with_its_header(api: FakeSheetsApi, sleeps: list[float]) -> None:
    backend = backend_for(api, sleeps)
    backend.read_tabs()
    before = api.count()

    backend.append_rows(
        "Historik",
        HEADER,
        [["2026-W12", date(2026, 3, 16), "IPS", 14, 2, 1, 1], ["2026-W12", date(2026, 3, 16), "*"]],
    )

    assert api.tabs["Historik"] == [
        HEADER,
        ["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1],
        ["2026-W12", "2026-03-16", "*"],
    ]
    assert [request.route for request in api.requests[before:]] == ["batchUpdate", "append"]
    append = api.requests_to("append")[0]
    assert append.query["valueInputOption"] == ["RAW"]
    assert append.query["insertDataOption"] == ["INSERT_ROWS"]


def test_append_to_an_existing_tab_is_one_request(api: FakeSheetsApi, sleeps: list[float]) -> None:
    api.add_tab("Historik", [HEADER, ["2026-W11", "2026-03-09", "IPS", 13, 1, 0, 0]])
    backend = backend_for(api, sleeps)
    backend.read_tabs()
    before = api.count()

    backend.append_rows("Historik", HEADER, [["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1]])
    backend.append_rows("Historik", HEADER, [["2026-W12", datetime(2026, 3, 16, 8, 0, 5), "*"]])

    assert [request.route for request in api.requests[before:]] == ["append", "append"]
    assert api.tabs["Historik"][1:] == [
        ["2026-W11", "2026-03-09", "IPS", 13, 1, 0, 0],
        ["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1],
        ["2026-W12", "2026-03-16 08:00:05", "*"],
    ]


def test_append_writes_numbers_from_pandas_as_numbers(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    backend = backend_for(api, sleeps)

    backend.append_rows(
        "Historik",
        HEADER,
        [["2026-W12", "2026-03-16", "IPS", numpy.int64(14), Decimal("2"), 1.5, math.nan]],
    )

    assert api.tabs["Historik"][1] == ["2026-W12", "2026-03-16", "IPS", 14, 2.0, 1.5, None]
    assert api.requests_to("append")[0].json["values"][1][3:] == [14, 2.0, 1.5, None]


def test_append_to_a_tab_the_last_read_found_empty_writes_the_header(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    api.add_tab("Historik")
    backend = backend_for(api, sleeps)
    backend.read_tabs()

    backend.append_rows("Historik", HEADER, [["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1]])

    assert api.tabs["Historik"][0] == HEADER
    assert api.count("batchUpdate") == 0


def test_append_by_a_backend_that_has_read_nothing_asks_whether_the_tab_is_empty(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    # The bot's: its reads are made in a worker process, by a backend of its own.
    api.add_tab("Historik")
    row = ["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1]
    backend_for(api, sleeps).append_rows("Historik", HEADER, [row])
    backend_for(api, sleeps).append_rows("Historik", HEADER, [row])

    assert api.tabs["Historik"] == [HEADER, row, row]
    assert api.count("batchGet") == 2 and api.count("append") == 2


def test_append_to_a_tab_a_read_decoded_as_it_was_read_found_empty_writes_the_header(
    api: FakeSheetsApi, sleeps: list[float]
) -> None:
    api.add_tab("Historik")
    backend = backend_for(api, sleeps, piece_bytes=16)
    read_dataset(backend)

    backend.append_rows("Historik", HEADER, [["2026-W12", "2026-03-16", "IPS", 14, 2, 1, 1]])

    assert api.tabs["Historik"][0] == HEADER


def test_append_is_not_repeated_after_a_500(api: FakeSheetsApi, sleeps: list[float]) -> None:
    # Google may have written the rows before failing: writing them again could double a week.
    backend = backend_for(api, sleeps)
    api.fail_next(500, routes=["append"])

    with pytest.raises(SheetUnavailable):
        backend.append_rows("Historik", HEADER, [["2026-W12"]])
    assert api.count("append") == 1
    assert sleeps == []


def test_append_is_retried_after_a_429(api: FakeSheetsApi, sleeps: list[float]) -> None:
    backend = backend_for(api, sleeps)
    api.fail_next(429, headers={"Retry-After": "1"}, routes=["append"])

    backend.append_rows("Historik", HEADER, [["2026-W12"]])

    assert api.tabs["Historik"] == [HEADER, ["2026-W12"]]
    assert sleeps == [1.0]


# -- GOOGLE_SHEETS_API_URL --------------------------------------------------------------------


#: Set, google-auth looks up a service account's allowed locations in a background thread after
#: the first token (some versions did so unasked); unset, newer versions do not.
REGIONAL_LOOKUP = "GOOGLE_SDK_EXPERIMENTAL_PYTHON_REGIONAL_ACCESS_BOUNDARY_LOOKUP_ENABLED"


@pytest.mark.parametrize("lookup", ["true", None], ids=["location-lookup", "no-location-lookup"])
def test_with_api_url_no_request_leaves_localhost(
    api: FakeSheetsApi,
    sleeps: list[float],
    no_network: list[str],
    monkeypatch: pytest.MonkeyPatch,
    lookup: str | None,
) -> None:
    if lookup is None:
        monkeypatch.delenv(REGIONAL_LOOKUP, raising=False)
    else:
        monkeypatch.setenv(REGIONAL_LOOKUP, lookup)
    backend = backend_for(api, sleeps)
    backend.read_tabs()
    backend.append_rows("Historik", HEADER, [["2026-W12"]])

    if lookup is not None:
        # google-auth's own lookup must reach the stand-in, not iamcredentials.googleapis.com.
        assert api.wait_for("allowedLocations")
    for request in api.requests_to("allowedLocations"):
        assert request.path == (
            f"/v1/projects/-/serviceAccounts/{DEFAULT_CLIENT_EMAIL}/allowedLocations"
        )
    assert api.count("batchGet") == 1
    assert {request.client_address for request in api.requests} == {"127.0.0.1"}
    assert no_network == []


def test_session_rewrites_googleapis_hosts_only() -> None:
    session = GoogleApiSession("http://127.0.0.1:8080/")

    assert (
        session.rewrite_url("https://iamcredentials.googleapis.com/v1/projects/-/x?a=1")
        == "http://127.0.0.1:8080/v1/projects/-/x?a=1"
    )
    assert session.rewrite_url("https://sheets.googleapis.com/v4/spreadsheets/k") == (
        "http://127.0.0.1:8080/v4/spreadsheets/k"
    )
    assert session.rewrite_url("https://example.org/token") == "https://example.org/token"
    assert session.rewrite_url("https://googleapis.com.evil.example/x") == (
        "https://googleapis.com.evil.example/x"
    )
    # google-auth deep-copies the session for its background lookup.
    assert copy.deepcopy(session).rewrite_url("https://oauth2.googleapis.com/token") == (
        "http://127.0.0.1:8080/token"
    )


def test_default_api_url_rewrites_nothing() -> None:
    session = GoogleApiSession(DEFAULT_API_URL + "/")
    url = "https://iamcredentials.googleapis.com/v1/projects/-/x"

    assert session.rewrite_url(url) == url
