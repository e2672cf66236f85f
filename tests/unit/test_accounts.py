"""Account-system detection (classic vs UTA) and ``make_exchange``: the probe's logic, then over HTTP."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bitget import errors
from bitget.accounts import detect_account_system, make_exchange, mismatch_message, probe_account_system
from bitget.auth import Credentials
from bitget.options import ClientOptions
from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient
from tests.unit.test_client_v3_http import (
    API_KEY,
    FAST,
    PASSPHRASE,
    SECRET,
    SETTINGS,
    V2_ACCOUNTS,
    FakeBitgetV3,
    Reply,
    serve_fake,
)
from trading.models import PositionMode

V3_SETTINGS = "/api/v3/account/settings"
V2_ACCOUNTS_PATH = "/api/v2/mix/account/accounts"


class StubTransport:
    """Answers ``get`` from a script: a value is returned, an exception raised; records each path."""

    def __init__(self, **answers: Any) -> None:
        self.answers = {V3_SETTINGS: answers.get("settings"), V2_ACCOUNTS_PATH: answers.get("accounts")}
        self.paths: list[str] = []

    def get(self, path: str, params: dict[str, Any] | None = None, *, signed: bool = True) -> Any:
        self.paths.append(path)
        answer = self.answers[path]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def refused(code: str, cls: type[errors.BitgetAPIError] = errors.BitgetAPIError) -> errors.BitgetAPIError:
    return cls(f"Bitget says {code}", code=code, http_status=400)


UNIFIED = {"uid": "1", "accountMode": "unified", "holdMode": "one_way_mode", "symbolConfigList": []}


# ---------------------------------------------------------------- the probe


def test_settings_answering_means_uta_in_one_call():
    stub = StubTransport(settings=UNIFIED)
    probe = probe_account_system(stub)
    assert (probe.system, probe.settings) == ("uta", UNIFIED) and stub.paths == [V3_SETTINGS]


def test_code_40084_means_classic_in_one_call():
    stub = StubTransport(settings=refused("40084", errors.AccountModeError))
    assert probe_account_system(stub).system == "classic" and stub.paths == [V3_SETTINGS]


@pytest.mark.parametrize("mode", ["upgrading", "switching", "SWITCHING"])
def test_an_account_mid_switch_stops_with_a_clear_error(mode):
    stub = StubTransport(settings={**UNIFIED, "accountMode": mode})
    with pytest.raises(errors.AccountSwitchingError, match="account is switching systems; try again later"):
        probe_account_system(stub)


def test_hybrid_and_unknown_account_modes_are_still_unified(caplog):
    assert probe_account_system(StubTransport(settings={**UNIFIED, "accountMode": "hybrid"})).system == "uta"
    with caplog.at_level(logging.WARNING, logger="bitget"):
        assert probe_account_system(StubTransport(settings={"accountMode": "quantum"})).system == "uta"
    assert "quantum" in caplog.text


def test_missing_uta_permission_falls_back_to_the_classic_api_which_answers():
    stub = StubTransport(settings=refused("40014", errors.AuthenticationError), accounts=[{"marginCoin": "USDT"}])
    probe = probe_account_system(stub)
    assert probe.system == "classic" and stub.paths == [V3_SETTINGS, V2_ACCOUNTS_PATH]
    assert "classic accounts endpoint answered" in probe.evidence


def test_missing_uta_permission_then_40085_means_uta():
    stub = StubTransport(settings=refused("40014", errors.AuthenticationError),
                         accounts=refused("40085", errors.AccountModeError))
    assert probe_account_system(stub).system == "uta"


def test_an_unexpected_refusal_also_asks_the_classic_api():
    stub = StubTransport(settings=refused("40404"), accounts=refused("40085", errors.AccountModeError))
    assert probe_account_system(stub).system == "uta" and stub.paths == [V3_SETTINGS, V2_ACCOUNTS_PATH]


@pytest.mark.parametrize("code", ["40006", "40009", "40012", "40037", "40008"])
def test_auth_errors_raise_and_never_mean_classic(code):
    stub = StubTransport(settings=refused(code, errors.AuthenticationError), accounts=[{"marginCoin": "USDT"}])
    with pytest.raises(errors.AuthenticationError):
        probe_account_system(stub)
    assert stub.paths == [V3_SETTINGS]


@pytest.mark.parametrize(
    "failure",
    [errors.RateLimitError("slow down", code="1001"), errors.NetworkError("refused"),
     errors.ExchangeUnavailableError("HTTP 503", http_status=503)],
)
def test_rate_limits_outages_and_network_errors_raise_and_never_mean_classic(failure):
    stub = StubTransport(settings=failure, accounts=[{"marginCoin": "USDT"}])
    with pytest.raises(type(failure)):
        probe_account_system(stub)
    assert stub.paths == [V3_SETTINGS]


def test_when_neither_api_tells_the_error_says_both():
    stub = StubTransport(settings=refused("40014", errors.AuthenticationError),
                         accounts=refused("40012", errors.AuthenticationError))
    with pytest.raises(errors.AuthenticationError) as info:
        probe_account_system(stub)
    assert "v3 settings said" in str(info.value) and "v2 accounts said" in str(info.value)
    assert info.value.code == "40012"


def test_detect_accepts_a_transport_or_a_client():
    class Client:
        transport = StubTransport(settings=refused("40084", errors.AccountModeError))

    assert detect_account_system(Client()) == "classic"


# ---------------------------------------------------------------- mismatch messages


def test_mismatch_messages_are_one_clear_line():
    assert mismatch_message("BITGET_ACCOUNT_MODE", "classic", "uta") == (
        "BITGET_ACCOUNT_MODE=classic but this API key belongs to a Unified Trading Account (v3 API); "
        "set BITGET_ACCOUNT_MODE=uta or auto"
    )
    assert mismatch_message("BITGET_ACCOUNT_MODE", "uta", "classic") == (
        "BITGET_ACCOUNT_MODE=uta but this API key belongs to a classic account (v2 API); "
        "set BITGET_ACCOUNT_MODE=classic or auto"
    )


# ---------------------------------------------------------------- over HTTP against the fake


@pytest.fixture
def fake() -> Iterator[FakeBitgetV3]:
    with serve_fake() as app:
        yield app


def options(fake: FakeBitgetV3, *, secret: str = SECRET, passphrase: str = PASSPHRASE, **extra: Any) -> ClientOptions:
    return ClientOptions(fake.url, Credentials(API_KEY, secret, passphrase), **{**FAST, **extra})


def test_detect_over_http_from_client_keywords(fake):
    assert detect_account_system(options(fake)) == "uta"
    fake.system = "classic"
    assert detect_account_system(options(fake, margin_coin="USDT")) == "classic"
    assert not fake.bad_signatures


def test_detect_over_http_with_a_wrong_secret_raises_instead_of_guessing(fake):
    with pytest.raises(errors.AuthenticationError, match="signature was refused"):
        detect_account_system(options(fake, secret="nope"))


def test_auto_picks_the_uta_client_and_keeps_the_probed_settings(fake):
    fake.hold_mode = "hedge_mode"
    exchange, system = make_exchange("auto", options(fake))
    assert system == "uta" and isinstance(exchange, UtaClient)
    assert exchange.position_mode() is PositionMode.HEDGE
    assert len(fake.hits(SETTINGS)) == 1  # the probe's read served the hold mode too


def test_auto_picks_the_classic_client_for_a_classic_key(fake):
    fake.system = "classic"
    exchange, system = make_exchange("auto", options(fake))
    assert system == "classic" and isinstance(exchange, ClassicClient)


def test_auto_falls_back_to_v2_when_settings_lack_permission(fake):
    fake.system = "classic"
    fake.script(SETTINGS, Reply(400, {"code": "40014", "msg": "Incorrect permissions", "data": None}))
    exchange, system = make_exchange("auto", options(fake))
    assert system == "classic" and isinstance(exchange, ClassicClient)
    assert [c.path for c in fake.calls if c.path != "/api/v2/public/time"] == [SETTINGS, V2_ACCOUNTS]


def test_forced_classic_on_a_uta_key_stops_with_one_line(fake):
    with pytest.raises(errors.AccountSystemMismatch) as info:
        make_exchange("classic", options(fake))
    assert str(info.value) == (
        "BITGET_ACCOUNT_MODE=classic but this API key belongs to a Unified Trading Account (v3 API); "
        "set BITGET_ACCOUNT_MODE=uta or auto"
    )
    assert "\n" not in str(info.value) and isinstance(info.value, errors.AccountModeError)


def test_forced_uta_on_a_classic_key_stops_with_one_line(fake):
    fake.system = "classic"
    with pytest.raises(errors.AccountSystemMismatch, match=r"^BITGET_ACCOUNT_MODE=uta but this API key belongs "
                                                          r"to a classic account \(v2 API\); set "
                                                          r"BITGET_ACCOUNT_MODE=classic or auto$"):
        make_exchange("uta", options(fake))


def test_forced_mode_that_matches_is_verified_once(fake):
    exchange, system = make_exchange("UTA", options(fake))
    assert system == "uta" and isinstance(exchange, UtaClient) and len(fake.hits(SETTINGS)) == 1
    fake.system = "classic"
    exchange, system = make_exchange("classic", options(fake), setting_name="MODE")
    assert system == "classic" and isinstance(exchange, ClassicClient)


def test_a_mid_switch_account_stops_start_up_even_when_forced(fake):
    fake.account_mode = "upgrading"
    with pytest.raises(errors.AccountSwitchingError, match="switching systems"):
        make_exchange("uta", options(fake))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_exchange_trusts_a_forced_mode_but_not_auto(caplog):
    unreachable = ClientOptions(f"http://127.0.0.1:{closed_port()}", Credentials(API_KEY, SECRET, PASSPHRASE),
                                **{**FAST, "retry_attempts": 2})
    with caplog.at_level(logging.WARNING, logger="bitget"):
        exchange, system = make_exchange("classic", unreachable)
    assert system == "classic" and isinstance(exchange, ClassicClient)
    assert "could not verify the account system" in caplog.text
    with pytest.raises(errors.NetworkError):
        make_exchange("auto", unreachable)


def test_a_bad_key_stops_a_forced_mode_too(fake):
    with pytest.raises(errors.AuthenticationError):
        make_exchange("uta", options(fake, passphrase="wrong"))


def test_unknown_account_mode_setting_is_refused():
    with pytest.raises(ValueError, match="BITGET_ACCOUNT_MODE='v3': must be one of auto, classic, uta"):
        make_exchange("v3", ClientOptions("http://127.0.0.1:1", Credentials("k", "s", "p")))
