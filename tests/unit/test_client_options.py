"""One options object configures either client: its settings reach the wire, its secrets never reach a repr."""

from __future__ import annotations

import pytest
import requests

from bitget.auth import Credentials
from bitget.options import ClientOptions
from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient

KEY, SECRET, PASSPHRASE = "bg_opt_key_8c1d", "opt-secret-4e9a7f", "opt-pass-77b2"


def options(**extra: object) -> ClientOptions:
    return ClientOptions("http://127.0.0.1:9", Credentials(KEY, SECRET, PASSPHRASE), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("client_class", [ClassicClient, UtaClient])
def test_no_secret_shows_in_the_options_or_the_client_built_from_them(client_class):
    opts = options(demo=True, margin_mode="isolated")
    client = client_class(opts)
    try:
        shown = " ".join(map(repr, (opts, client, client.options, client.transport))) + str(opts) + str(client)
    finally:
        client.close()
    for secret in (KEY, SECRET, PASSPHRASE):
        assert secret not in shown
    assert "isolated" in repr(opts) and "127.0.0.1:9" in repr(opts)  # the rest stays readable


@pytest.mark.parametrize("client_class", [ClassicClient, UtaClient])
def test_the_client_takes_its_settings_from_the_options(client_class):
    session = requests.Session()
    client = client_class(options(margin_mode="isolated", demo=True, read_timeout=1.5, session=session,
                                  margin_coin="usdt"))
    try:
        assert client.margin_mode == "isolated" and client.margin_coin == "USDT"
        assert client.transport.demo is True and client.base_url == "http://127.0.0.1:9"
        assert client.transport._session is session and client.transport._timeout[1] == 1.5
    finally:
        client.close()
        session.close()


def test_an_unknown_margin_mode_is_refused_before_any_client_exists():
    with pytest.raises(ValueError, match="margin_mode must be one of"):
        options(margin_mode="cross")


def test_with_session_changes_only_the_session():
    session = requests.Session()
    base = options(product_type="SUSDT-FUTURES", retry_attempts=7)
    shared = base.with_session(session)
    assert shared.session is session and base.session is None
    assert (shared.product_type, shared.retry_attempts, shared.credentials) == ("SUSDT-FUTURES", 7, base.credentials)
    session.close()
