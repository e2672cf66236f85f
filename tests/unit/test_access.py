"""ADMIN_TOKEN rules: who may read the history and use the controls, and which settings start-up refuses."""

from __future__ import annotations

import pytest

from config import ConfigError, Settings
from trading.access import AccessDenied, AccessPolicy, AccessSettings, bearer_token

WEBHOOK = "webhook-token-0123456789"
ADMIN = "admin-token-0123456789ab"


def denied(policy: AccessPolicy, **request: object) -> tuple[int, str] | None:
    base = {"bearer": None, "webhook_header": None, "address": "127.0.0.1", "forwarded": False}
    try:
        policy.check(**{**base, **request})  # type: ignore[arg-type]
    except AccessDenied as exc:
        return exc.status, exc.code
    return None


def test_paper_without_admin_token_opens_reads_to_the_machine_itself_only() -> None:
    policy = AccessPolicy(AccessSettings(loopback_open=True), WEBHOOK)
    assert denied(policy) is None and denied(policy, address="::1") is None
    assert denied(policy, address="10.0.0.7") == (401, "admin-token-not-set")
    assert denied(policy, forwarded=True) == (401, "admin-token-not-set")  # a local proxy is not the machine
    assert denied(policy, webhook_header=WEBHOOK) == (403, "webhook-token-not-admin")
    assert "127.0.0.1" in policy.startup_note


def test_demo_and_live_without_admin_token_refuse_even_the_machine_itself() -> None:
    policy = AccessPolicy(AccessSettings(loopback_open=False), WEBHOOK)
    assert denied(policy) == (401, "admin-token-not-set")
    assert "401" in policy.startup_note


def test_with_admin_token_only_that_token_opens_from_anywhere() -> None:
    policy = AccessPolicy(AccessSettings(admin_token=ADMIN, loopback_open=True), WEBHOOK)
    assert denied(policy) == (401, "admin-token-required")  # loopback is no longer enough
    assert denied(policy, bearer=ADMIN, address="203.0.113.9") is None
    assert denied(policy, bearer=ADMIN + "x") == (401, "invalid-admin-token")
    assert denied(policy, bearer=WEBHOOK) == (403, "webhook-token-not-admin")


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer ", None), (None, None)],
)
def test_bearer_header_is_read_in_any_case(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


KEYS = {"BITGET_API_KEY": "k", "BITGET_SECRET_KEY": "s", "BITGET_PASSPHRASE": "p", "WEBHOOK_EXPECTED_TOKEN": WEBHOOK}


@pytest.mark.parametrize(
    ("admin", "message"),
    [("short-token", "at least 16"), (WEBHOOK, "must differ from WEBHOOK_EXPECTED_TOKEN")],
)
def test_start_up_refuses_a_short_admin_token_or_the_webhook_token(admin: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        Settings.from_env({**KEYS, "ADMIN_TOKEN": admin}, dotenv=False)
    assert admin not in str(raised.value)


def test_the_admin_token_is_a_secret_never_shown() -> None:
    settings = Settings.from_env({**KEYS, "ADMIN_TOKEN": ADMIN}, dotenv=False)
    assert ADMIN in settings.secrets()
    assert ADMIN not in repr(settings)
    assert settings.access.loopback_open is False
    assert Settings.from_env({"BITGET_MODE": "paper"}, dotenv=False).access.loopback_open is True
