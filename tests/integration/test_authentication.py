"""A request signed with the wrong secret is refused by the simulator and surfaces as a clear error."""

from __future__ import annotations

import pytest

from bitget.auth import Credentials
from bitget.errors import AuthenticationError
from bitget.options import ClientOptions
from bitget.v2.client import ClassicClient
from runtime import StartupError
from tests.support.service import SIM_KEYS


def test_wrong_secret_is_refused_with_bitgets_signature_code_and_not_retried(sim):
    client = ClassicClient(ClientOptions(
        sim.base_url, Credentials(SIM_KEYS["BITGET_API_KEY"], "not-the-secret", SIM_KEYS["BITGET_PASSPHRASE"]),
        retry_wait_initial=0.01, retry_wait_max=0.01,
    ))
    with pytest.raises(AuthenticationError) as err:
        client.balance()
    assert err.value.code == "40009"
    assert err.value.retryable is False
    assert "not-the-secret" not in str(err.value)
    counters = sim.requests()
    assert counters["auth_failures_by_code"] == {"40009": 1}


def test_a_service_with_the_wrong_secret_refuses_to_start_with_one_line(sim, make_service):
    with pytest.raises(StartupError) as err:
        make_service(BITGET_SECRET_KEY="not-the-secret")
    line = str(err.value)
    assert "40009" in line and "secret" in line and "\n" not in line
    assert "not-the-secret" not in line
    assert sim.orders() == []
