"""Hostile bodies at POST /api/webhook: over 10,000 generated requests, none answered 5xx, none traded.

One real app, wired to the simulator over real HTTP, receives every generated request through
Flask's test client: arbitrary JSON values, signal-shaped objects with wrong types and values,
raw bytes (non-UTF-8 included), arbitrary content types, deep nesting and oversized bodies. Most
carry a wrong or missing token; some carry the right token with at least one invalid field, and
those must be refused too. Every reply must be a JSON 4xx with a string ``code`` and ``error``;
afterwards the simulator holds no order and the journal holds no signal.

The brake on failed tokens is raised (AUTH_FAIL_LIMIT) so that the generated requests reach the
body checks instead of being answered 429 after the tenth wrong token. Generated text never holds
lone UTF-16 surrogates; test_hostile_bodies.py sends those.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.live_server import BTC_BOOK, refusal, settle
from tests.support.service import TOKEN, Service, SimControl

pytestmark = pytest.mark.slow  # over 10,000 generated requests: outside the fast loop, run by CI

MAX_BODY = 16 * 1024
STATUSES: Counter[int] = Counter()
CODES: Counter[str] = Counter()
RUNS: Counter[str] = Counter()
RIGHT_TOKEN_SENT: Counter[str] = Counter()

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
EXAMPLES = {
    "arbitrary_json": 2000,
    "signal_shaped_wrong_token": 2500,
    "right_token_invalid_field": 1500,
    "raw_bytes": 2500,
    "content_types": 1500,
    "deep_nesting": 600,
    "oversized": 400,
}
MIN_TOTAL = 10_000


# -- the app under attack -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def target(sim_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, SimControl]]:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10")
    control.book("BTCUSDT", **BTC_BOOK)
    data_dir: Path = tmp_path_factory.mktemp("fuzz-journal")
    service = Service(sim_server, data_dir, AUTH_FAIL_LIMIT="100000", LOG_LEVEL="ERROR")
    yield service, control
    service.close()


def send(
    service: Service,
    strategy: str,
    data: bytes | str,
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    right_token: bool = False,
) -> int:
    """Post one body, assert the refusal contract, tally the outcome; returns the status."""
    kwargs: dict[str, Any] = {"data": data, "headers": headers or {}}
    if content_type is not None:
        kwargs["content_type"] = content_type
    reply = service.client.post("/api/webhook", **kwargs)
    RUNS[strategy] += 1
    STATUSES[reply.status_code] += 1
    if right_token:
        RIGHT_TOKEN_SENT[strategy] += 1
    assert reply.status_code < 500, (reply.status_code, reply.get_data()[:300], data[:300])
    # Nothing generated here is a valid, authorized signal, so nothing may be answered 200.
    body = refusal(reply)
    CODES[body["code"]] += 1
    return reply.status_code


# -- building blocks ------------------------------------------------------------------------------

FIELDS = ("action", "sentiment", "ticker", "price", "stop_loss_price", "id", "time")
NUMERIC_WORDS = [
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "1e-400",
    "0",
    "-0",
    "0.0",
    "-1",
    "0x10",
    "1_000",
    "1,000",
    "  ",
    "\u0661\u0662",
    "\u00b2",
    "1e12",
    "1000000000001",
    "9" * 400,
    "-" + "9" * 400,
    "1e99999999",
    "\u221e",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and ±Infinity serialize to bare NaN/Infinity tokens, which must be refused
    st.text(max_size=24),
)
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)
LONG_TEXTS = ["x" * 5000, "\u00e9" * 3000, "\U0001f4a5" * 2000, "BTCUSDT" * 700, "\u202e" * 500, "\x00" * 100]
hostile = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 10**13, 10**400, -(10**400), 2**63, -(2**63), 2**64]),
    st.floats(),
    st.sampled_from(NUMERIC_WORDS),
    st.text(max_size=20),
    st.text(min_size=65, max_size=300),
    st.sampled_from(LONG_TEXTS),
    st.text(alphabet=st.characters(min_codepoint=0x80), max_size=40),
    st.booleans(),
    st.none(),
    json_values,
)
wrong_tokens = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", "1234", TOKEN[:-1], TOKEN + " ", " " + TOKEN, TOKEN.upper(), TOKEN + "\x00", TOKEN * 2]),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.just(TOKEN), min_size=1, max_size=2),
    st.dictionaries(st.just("token"), st.just(TOKEN), min_size=1),
).filter(lambda t: t != TOKEN)
header_safe = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"))
valid_values = {
    "action": st.sampled_from(["buy", "sell", "BUY", " Sell "]),
    "sentiment": st.sampled_from(["long", "short", "flat", "LONG"]),
    "ticker": st.sampled_from(["BTCUSDT", "BITGET:BTCUSDT.P", "btcusdt", "ETHUSDT.P", "BTCUSDT_UMCBL"]),
    "price": st.sampled_from(["65000", 65000, 65000.5, "6.5e4"]),
    "stop_loss_price": st.sampled_from(["60000", 60000]),
    "id": st.text(min_size=1, max_size=20),
    "time": st.sampled_from(["2030-01-01T00:00:00Z", 1893456000]),
}

# Values that cannot pass each field's check, whatever the other fields say.
invalid_values: dict[str, st.SearchStrategy[Any]] = {
    "action": st.one_of(
        st.text(max_size=70).filter(lambda s: s.strip().lower() not in ("buy", "sell")),
        st.none(),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.lists(st.just("buy"), max_size=2),
        st.dictionaries(st.just("side"), st.just("buy")),
    ),
    "sentiment": st.one_of(
        st.text(max_size=70).filter(lambda s: s.strip().lower() not in ("long", "short", "flat")),
        st.none(),
        st.integers(),
        st.booleans(),
        st.lists(st.just("long"), max_size=2),
    ),
    "ticker": st.one_of(
        # No "USDT" can appear once separators are dropped, so no USDT-M symbol can come out.
        st.text(max_size=80).filter(lambda s: "USDT" not in s.upper().replace("/", "").replace("-", "")),
        st.sampled_from(
            ["NOPEUSDT", "BTCUSD", "USDT", "BTCUSDT_DMCBL", "BTCUSDT" * 10, "BINANCE:NOPEUSDT.P", "../BTCUSDT", ""]
        ),
        st.none(),
        st.integers(),
        st.booleans(),
        st.lists(st.just("BTCUSDT"), max_size=2),
    ),
    "price": st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=10**12 + 1),
        st.floats(max_value=0.0),
        st.floats(min_value=1.0000001e12),
        st.sampled_from(["0", "-1", "-0.0", "NaN", "Infinity", "-Infinity", "sNaN", "abc", " ", "1e13", "1,000"]),
        st.text(alphabet="abcdfghijklmopqrtuvwxyz!@#% ", min_size=1),
        st.booleans(),
        st.lists(st.just(1), max_size=2),
        st.dictionaries(st.just("v"), st.just(1)),
    ),
    "time": st.one_of(
        st.booleans(),
        st.integers(max_value=0),
        st.floats(max_value=0.0),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzTZ:-. ", min_size=1),
        st.sampled_from(["2024-13-45T00:00:00Z", "yesterday", "9" * 70, "1" * 65]),
        st.lists(st.just(1), min_size=1, max_size=2),
    ),
    "id": st.one_of(
        st.text(alphabet=st.characters(categories=("L", "N")), min_size=129, max_size=600),
        st.floats(),
        st.booleans(),
        st.lists(st.just("x"), min_size=1, max_size=2),
        st.dictionaries(st.just("k"), st.just("v"), min_size=1),
    ),
}


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


# Real field names with a mix of valid, hostile and missing values, plus unknown fields; never the right token.
signal_shaped = st.builds(
    _merge,
    st.fixed_dictionaries({}, optional={name: st.one_of(valid_values[name], hostile) for name in FIELDS}),
    st.dictionaries(st.text(max_size=12).filter(lambda k: k != "token"), hostile, max_size=3),
    st.just({}) | st.fixed_dictionaries({"token": wrong_tokens}),
)


@st.composite
def authorized_but_invalid(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """The right token (in the body or the header) with at least one field that cannot be valid."""
    action, sentiment = draw(st.sampled_from([("buy", "long"), ("sell", "short"), ("buy", "flat"), ("sell", "flat")]))
    body: dict[str, Any] = {"action": action, "sentiment": sentiment, "ticker": draw(valid_values["ticker"])}
    broken = draw(st.sampled_from(["action", "sentiment", "combo", "ticker", "price", "stop_loss", "time", "id"]))
    if broken == "combo":
        body["action"], body["sentiment"] = draw(st.sampled_from([("buy", "short"), ("sell", "long")]))
    elif broken == "stop_loss":
        case = draw(st.sampled_from(["long-above", "short-below", "flat", "bad-value"]))
        if case == "long-above":
            body.update(action="buy", sentiment="long", price="65000")
            body["stop_loss_price"] = str(draw(st.integers(min_value=65000, max_value=10**12)))
        elif case == "short-below":
            body.update(action="sell", sentiment="short", price="65000")
            body["stop_loss_price"] = str(draw(st.integers(min_value=1, max_value=65000)))
        elif case == "flat":
            body.update(action=draw(st.sampled_from(["buy", "sell"])), sentiment="flat")
            body["stop_loss_price"] = draw(st.sampled_from(["60000", 70000, "1"]))
        else:
            body["stop_loss_price"] = draw(invalid_values["price"])
    else:
        body[broken] = draw(invalid_values[broken])
    # Unknown fields are ignored by the service; they may be anything.
    body.update(
        draw(st.dictionaries(st.text(max_size=12).filter(lambda k: k not in (*FIELDS, "token")), hostile, max_size=2))
    )
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        body["token"] = TOKEN
    else:
        headers["X-Webhook-Token"] = TOKEN
    return body, headers


def dumps(value: Any) -> str:
    return json.dumps(value)  # allow_nan: bare NaN/Infinity reach the service and must be refused


# -- the properties ---------------------------------------------------------------------------------


@settings(FUZZ, max_examples=EXAMPLES["arbitrary_json"])
@given(value=json_values, content_type=st.sampled_from(["application/json", "text/plain", None]))
def test_arbitrary_json_values_are_refused(target, value: Any, content_type: str | None) -> None:
    """Any JSON value (scalars, arrays, objects without a valid token) is refused with a JSON 4xx."""
    send(target[0], "arbitrary_json", dumps(value), content_type=content_type)


@settings(FUZZ, max_examples=EXAMPLES["signal_shaped_wrong_token"])
@given(
    body=signal_shaped,
    content_type=st.sampled_from(["application/json", "text/plain", "application/vnd.tv+json"]),
    header_token=st.none() | header_safe.filter(lambda t: t != TOKEN),
)
def test_signal_shaped_bodies_without_the_right_token_are_refused(
    target, body: dict[str, Any], content_type: str, header_token: str | None
) -> None:
    """Real field names with wrong types, huge, negative, NaN-like, nested, long or unicode values: 4xx."""
    headers = {} if header_token is None else {"X-Webhook-Token": header_token}
    send(target[0], "signal_shaped_wrong_token", dumps(body), content_type=content_type, headers=headers)


@settings(FUZZ, max_examples=EXAMPLES["right_token_invalid_field"])
@given(case=authorized_but_invalid(), content_type=st.sampled_from(["application/json", "text/plain"]))
def test_the_right_token_with_an_invalid_field_is_refused(
    target, case: tuple[dict[str, Any], dict[str, str]], content_type: str
) -> None:
    """An authorized request with one impossible field is a 4xx and journals nothing."""
    body, headers = case
    send(
        target[0],
        "right_token_invalid_field",
        dumps(body),
        content_type=content_type,
        headers=headers,
        right_token=True,
    )


@settings(FUZZ, max_examples=EXAMPLES["raw_bytes"])
@given(
    raw=st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=512).map(lambda b: b'{"token": "' + TOKEN.encode() + b'", ' + b),
        st.binary(max_size=512).map(lambda b: b'{"token": "' + TOKEN.encode() + b'", "action": "buy", "t' + b),
        st.binary(min_size=1, max_size=64).map(lambda b: b"\xff\xfe" + b),
        st.text(max_size=200).map(lambda t: t.encode("utf-16")),
        st.text(max_size=200).map(lambda t: t.encode("latin-1", "replace")),
    ),
    content_type=st.sampled_from(
        [
            None,
            "application/json",
            "text/plain",
            "application/octet-stream",
            "text/plain; charset=latin-1",
            "application/json; charset=utf-16",
        ]
    ),
)
def test_raw_bytes_are_refused(target, raw: bytes, content_type: str | None) -> None:
    """Arbitrary bytes (non-UTF-8, UTF-16, truncated JSON after the right token) are refused with a JSON 4xx."""
    right = TOKEN.encode() in raw
    send(target[0], "raw_bytes", raw, content_type=content_type, right_token=right)


UNSUPPORTED_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "text/html",
    "text/csv",
    "image/png",
    "application/octet-stream",
    "application/javascript",
]


@settings(FUZZ, max_examples=EXAMPLES["content_types"])
@given(
    content_type=st.one_of(
        header_safe.filter(lambda t: "\n" not in t and "\r" not in t),
        st.sampled_from(UNSUPPORTED_TYPES),
    ),
    right=st.booleans(),
)
def test_arbitrary_content_types_are_refused(target, content_type: str, right: bool) -> None:
    """A valid-looking signal under any content type: wrong token → 4xx; right token under a non-JSON type → 415."""
    signal = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
    if right:
        # Only types the service documents as unsupported, so a valid signal must still be refused.
        content_type = UNSUPPORTED_TYPES[len(content_type) % len(UNSUPPORTED_TYPES)]
        status = send(
            target[0], "content_types", dumps({**signal, "token": TOKEN}), content_type=content_type, right_token=True
        )
        assert status == 415
    else:
        send(target[0], "content_types", dumps({**signal, "token": "wrong-" + TOKEN}), content_type=content_type)


@settings(FUZZ, max_examples=EXAMPLES["deep_nesting"])
@given(
    depth=st.integers(min_value=1, max_value=20_000),
    opener=st.sampled_from(["[", '{"a":', '[{"b":']),
    where=st.sampled_from(["bare", "wrong-token", "right-token-bad-action"]),
)
def test_deep_nesting_is_refused(target, depth: int, opener: str, where: str) -> None:
    """Deeply nested arrays and objects (beyond the parser's recursion limit too) answer a JSON 4xx."""
    closer = {"[": "]", '{"a":': "}", '[{"b":': "}]"}[opener]
    nest = opener * depth + "1" + closer * depth
    if where == "bare":
        body = nest
    elif where == "wrong-token":
        body = '{"token": "nope", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "x": ' + nest + "}"
    else:
        body = (
            '{"token": "' + TOKEN + '", "action": "hold", "sentiment": "long", "ticker": "BTCUSDT", "x": ' + nest + "}"
        )
    send(target[0], "deep_nesting", body, right_token=where.startswith("right"))


@settings(FUZZ, max_examples=EXAMPLES["oversized"])
@given(
    size=st.integers(min_value=MAX_BODY + 1, max_value=256 * 1024),
    right=st.booleans(),
    content_type=st.sampled_from(["application/json", "text/plain"]),
)
def test_oversized_bodies_are_413_even_for_a_valid_signal(target, size: int, right: bool, content_type: str) -> None:
    """A body over 16 KiB is 413 body-too-large, even a valid signal with the right token; nothing is placed."""
    signal = {"token": TOKEN if right else "nope", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}
    head = dumps({**signal, "pad": ""})
    body = head[:-2] + "x" * (size - len(head)) + '"}'
    assert len(body.encode()) == size > MAX_BODY
    assert send(target[0], "oversized", body, content_type=content_type, right_token=right) == 413


def test_nothing_reached_the_exchange_or_the_journal(target, capsys: pytest.CaptureFixture[str]) -> None:
    """After every generated request: zero orders on the simulator, zero signals journaled; print the tally."""
    service, control = target
    total = sum(RUNS.values())
    if total == 0:
        pytest.skip("run together with the generated-request tests of this module")
    settle(service)
    orders = control.orders()
    journal = service.runtime.journal.counts()
    server_errors = sum(n for status, n in STATUSES.items() if status >= 500)
    with capsys.disabled():
        print(
            f"\n[fuzz-webhook] examples={total} by_strategy={dict(RUNS)} "
            f"by_status={dict(sorted(STATUSES.items()))} 5xx={server_errors} "
            f"right_token_examples={sum(RIGHT_TOKEN_SENT.values())} journal={journal} orders={len(orders)}\n"
            f"[fuzz-webhook] codes={dict(CODES.most_common())}"
        )
    assert server_errors == 0
    assert orders == []
    assert journal == {}
    if set(RUNS) == set(EXAMPLES):
        assert total >= MIN_TOTAL
        assert sum(RIGHT_TOKEN_SENT.values()) >= EXAMPLES["right_token_invalid_field"]
