"""Which Bitget account system an API key belongs to, and the matching exchange adapter.

A Bitget account is either *classic* (v2 API) or a *Unified Trading Account* (v3 API), never both,
and each API refuses the other's keys. The probe follows docs/bitget-api-v3-uta.md §1.1:

1. ``GET /api/v3/account/settings``: success → UTA (unless ``accountMode`` says the account is
   mid-switch: then stop, nothing can be assumed); code 40084 → classic.
2. Auth failures, rate limits and network errors are *unknown*, never "classic": guessing wrong
   sends every order to an API that refuses it. They are raised.
3. Any other refusal (a key without UTA-management read permission, 40014, above all) falls back
   to v2 ``GET /api/v2/mix/account/accounts``: success → classic; 40085 → UTA.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from bitget.common import text
from bitget.errors import (
    AccountModeError,
    AccountSwitchingError,
    AccountSystemMismatch,
    AuthenticationError,
    BitgetAPIError,
    BitgetError,
)
from bitget.options import ACCOUNT_MODES, ClientOptions
from bitget.stream_state import StreamState
from bitget.streaming import StreamingExchange
from bitget.transport import SignedTransport
from bitget.v2 import endpoints as v2
from bitget.v2.client import ClassicClient
from bitget.v2.stream import DEMO_WS_URL, LIVE_WS_URL, ClassicStreams
from bitget.v3 import endpoints as v3
from bitget.v3.client import TRANSITIONAL_ACCOUNT_MODES, UtaClient
from bitget.v3.stream import UtaStreams

log = logging.getLogger(__name__)

AccountSystem = Literal["classic", "uta"]
MISSING_PERMISSION = "40014"
_NAMES = {"classic": "a classic account (v2 API)", "uta": "a Unified Trading Account (v3 API)"}


class HasTransport(Protocol):
    @property
    def transport(self) -> SignedTransport: ...


@dataclass(frozen=True)
class Probe:
    """The answer of one detection: the system, how it was told, and the v3 settings if read."""

    system: AccountSystem
    evidence: str
    settings: dict[str, Any] | None = None


def probe_account_system(transport: SignedTransport, *, product_type: str = "USDT-FUTURES") -> Probe:
    """Tell classic from UTA with as few signed calls as possible (one, usually). See the module doc."""
    try:
        settings = transport.get(v3.ACCOUNT_SETTINGS)
    except AccountModeError as err:
        if err.code == v3.CLASSIC_KEY_ON_V3:
            return Probe("classic", "v3 account settings refused the key as classic (40084)")
        first: BitgetAPIError = err
    except AuthenticationError as err:
        if err.code != MISSING_PERMISSION:
            raise
        first = err
    except BitgetAPIError as err:
        if err.retryable:
            raise
        first = err
    else:
        return _uta_from_settings(settings)
    log.info("v3 account settings did not tell the account system (%s); asking the classic API", first)
    try:
        transport.get(v2.ACCOUNTS, {"productType": product_type})
    except AccountModeError as err:
        if err.code == v2.UTA_KEY_ON_V2:
            return Probe("uta", "classic accounts endpoint refused the key as unified (40085)")
        raise _undecided(first, err) from err
    except BitgetError as err:
        raise _undecided(first, err) from err
    return Probe("classic", f"classic accounts endpoint answered (v3 settings said: {first.code or first.msg})")


def _uta_from_settings(settings: Any) -> Probe:
    data = settings if isinstance(settings, dict) else None
    mode = text(data.get("accountMode")) if data else ""
    if mode in TRANSITIONAL_ACCOUNT_MODES:
        raise AccountSwitchingError(f"account is switching systems; try again later (Bitget accountMode: {mode})")
    if mode and mode not in ("unified", "hybrid"):
        log.warning("unexpected Bitget accountMode %r; treating the account as unified", mode)
    return Probe("uta", "v3 account settings answered", data)


def _undecided(first: BitgetError, second: BitgetError) -> BitgetError:
    """Neither probe answered: keep the second error's class (auth, rate limit…) and say both."""
    msg = f"could not tell the Bitget account system: v3 settings said {first}; v2 accounts said {second}"
    if isinstance(second, BitgetAPIError):
        return type(second)(msg, code=second.code, http_status=second.http_status)
    return type(second)(msg)


def detect_account_system(
    source: ClientOptions | SignedTransport | HasTransport,
    *,
    product_type: str | None = None,
) -> AccountSystem:
    """``"classic"`` or ``"uta"`` for a key; raises rather than guess.

    ``source`` is a ``SignedTransport``, a client (anything with ``.transport``) or the
    ``ClientOptions`` a client would take (a throwaway transport is then built from them, and the
    probe asks about their product type unless ``product_type`` is given).
    """
    if isinstance(source, ClientOptions):
        transport = source.signed_transport()
        try:
            return probe_account_system(transport, product_type=product_type or source.product_type).system
        finally:
            transport.close()
    transport = source if isinstance(source, SignedTransport) else source.transport
    return probe_account_system(transport, product_type=product_type or "USDT-FUTURES").system


def mismatch_message(setting: str, configured: str, detected: AccountSystem) -> str:
    """One line saying what is configured, what the key is, and what to set instead."""
    return (f"{setting}={configured} but this API key belongs to {_NAMES[detected]}; "
            f"set {setting}={detected} or auto")


def make_exchange(
    account_mode: str,
    options: ClientOptions,
    *,
    setting_name: str = "BITGET_ACCOUNT_MODE",
    trust_unverified: bool = True,
) -> tuple[ClassicClient | UtaClient, AccountSystem]:
    """The exchange adapter for the key in ``options`` and its account system.

    ``auto`` probes and picks; an undecidable probe is raised. A forced ``classic``/``uta`` is still
    verified with the same probe, so a key of the other system stops start-up with an
    ``AccountSystemMismatch`` naming ``setting_name``; if that probe cannot get an answer (network,
    rate limit, exchange down) the forced setting is trusted, with a warning, so an outage at
    start-up does not stop a correctly configured service; with ``trust_unverified=False`` that
    error is raised instead, for a caller that retries until the setting is confirmed. A mid-switch
    account always raises.
    """
    mode = str(account_mode).strip().lower()
    if mode not in ACCOUNT_MODES:
        raise ValueError(f"{setting_name}={account_mode!r}: must be one of {', '.join(ACCOUNT_MODES)}")
    client = _build("classic" if mode == "classic" else "uta", options)
    try:
        probe = probe_account_system(client.transport, product_type=options.product_type)
    except AccountSwitchingError:
        client.close()
        raise
    except BitgetError as err:
        if mode != "auto" and err.retryable and trust_unverified:
            log.warning("%s=%s: could not verify the account system (%s); trusting the setting",
                        setting_name, mode, err)
            return client, cast(AccountSystem, mode)
        client.close()
        raise
    if mode != "auto" and probe.system != mode:
        client.close()
        raise AccountSystemMismatch(mismatch_message(setting_name, mode, probe.system))
    if probe.system == "classic" and isinstance(client, UtaClient):
        client.close()
        client = _build("classic", options)
    if isinstance(client, UtaClient) and probe.settings is not None:
        try:
            client.remember_settings(probe.settings)  # saves the first settings read
        except BitgetAPIError as err:
            log.warning("could not read the account settings the probe returned: %s", err)
    log.info("Bitget account system: %s (%s)", probe.system, probe.evidence)
    return client, probe.system


def _build(system: AccountSystem, options: ClientOptions) -> ClassicClient | UtaClient:
    cls = UtaClient if system == "uta" else ClassicClient
    return cls(options)


def with_streams(
    adapter: ClassicClient | UtaClient, system: str, options: ClientOptions
) -> ClassicClient | UtaClient | StreamingExchange:
    """The adapter with Bitget's websocket streams in front when ``options.streams`` asks for them
    (not started yet: ``StreamingExchange.start``).

    A classic account gets the v2 streams (``bitget.v2.stream``), a unified one the v3 streams
    (``bitget.v3.stream``); both feed the same ``StreamingExchange``.
    """
    if not options.streams:
        return adapter
    holder: list[StreamingExchange] = []
    ws_url = options.ws_url or (DEMO_WS_URL if options.demo else LIVE_WS_URL)
    streams: ClassicStreams | UtaStreams
    if system == "uta" and isinstance(adapter, UtaClient):
        streams = UtaStreams(
            ws_url,
            options.credentials,
            StreamState(),
            category=adapter.category,
            margin_coin=adapter.margin_coin,
            position_mode=adapter.position_mode,
            now_ms=adapter.transport.now_ms,
            ping_interval=options.stream_ping_interval,
            on_private_up=lambda epoch: holder[0].on_private_up(epoch),
        )
    elif system == "classic" and isinstance(adapter, ClassicClient):
        streams = ClassicStreams(
            ws_url,
            options.credentials,
            StreamState(),
            product_type=adapter.product_type,
            margin_coin=adapter.margin_coin,
            position_mode=adapter.position_mode,
            now_ms=adapter.transport.now_ms,
            ping_interval=options.stream_ping_interval,
            on_private_up=lambda epoch: holder[0].on_private_up(epoch),
        )
    else:
        log.warning("STREAMS=on: %s does not match the %s adapter; trading over REST alone", system, adapter)
        return adapter
    exchange = StreamingExchange(adapter, streams, book_max_age=options.stream_max_age)
    holder.append(exchange)
    log.info("streams on: books, orders, positions and account over %s", ws_url)
    return exchange
