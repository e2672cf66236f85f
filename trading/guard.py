"""Who may knock: source allowlist, proxy-aware client address, and a brake on wrong tokens.

The brake counts failed token checks per client address in a sliding window; past the limit a wrong
token from that address is refused as ``too-many-failures`` instead of ``invalid-token``, so guessing
stays slow. The right token is never
braked: TradingView sends everyone's alerts from four shared addresses, and a stranger's stale alert
must not lock the owner's real alerts out.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# TradingView's published webhook source addresses (support article 43000529348).
TRADINGVIEW_ADDRESSES = ("52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7")
PRESETS = {"tradingview": TRADINGVIEW_ADDRESSES}
MAX_TRACKED_ADDRESSES = 10_000


class SourceRefused(Exception):
    """A request refused for who sent it, whatever it says. ``code`` is stable, ``error`` readable."""

    def __init__(self, code: str, error: str) -> None:
        super().__init__(error)
        self.code = code
        self.error = error


@dataclass(frozen=True)
class GuardSettings:
    """TRUSTED_IPS, TRUST_PROXY, AUTH_FAIL_LIMIT and AUTH_FAIL_WINDOW: the one home of their defaults."""

    trusted_ips: tuple[Network, ...] = ()  # empty: every address may knock
    trust_proxy: tuple[Network, ...] = ()  # proxies whose X-Forwarded-For is believed
    auth_fail_limit: int = 10
    auth_fail_window: float = 60.0


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses, CIDRs and presets (``tradingview``); raises ValueError naming the bad item."""
    networks: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        for value in PRESETS.get(item.lower(), (item,)):
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or CIDR") from None
    return tuple(networks)


def _contains(networks: Iterable[Network], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


class AccessGuard:
    """Resolves the client address and decides whether it may be served."""

    def __init__(
        self, settings: GuardSettings | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        settings = settings or GuardSettings()
        self.trusted = settings.trusted_ips
        self.proxies = settings.trust_proxy
        self.fail_limit = settings.auth_fail_limit
        self.fail_window = settings.auth_fail_window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def client_address(self, remote_addr: str, forwarded_for: str | None) -> str:
        """The peer address, or the last untrusted hop of X-Forwarded-For when the peer is a named proxy."""
        if not forwarded_for or not self.proxies or not _contains(self.proxies, remote_addr):
            return remote_addr
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _contains(self.proxies, hop):
                return hop
        return hops[0] if hops else remote_addr

    def admit(self, address: str) -> None:
        """Raise SourceRefused (``source-not-allowed``) when the address is not allowed."""
        if self.trusted and not _contains(self.trusted, address):
            raise SourceRefused("source-not-allowed", "requests from this address are not accepted")

    def record_failure(self, address: str) -> None:
        """Count a failed token check; raise SourceRefused (``too-many-failures``) once over the limit."""
        with self._lock:
            recent = self._recent(address)
            if recent is None:
                recent = self._failures[address] = deque()
                while len(self._failures) > MAX_TRACKED_ADDRESSES:
                    self._failures.popitem(last=False)
            over = len(recent) >= self.fail_limit
            if over:
                wait = int(recent[0] + self.fail_window - self._clock()) + 1
            else:
                recent.append(self._clock())
            self._failures.move_to_end(address)
        if over:
            raise SourceRefused(
                "too-many-failures", f"too many failed token checks from this address; retry in {wait} s"
            )

    def _recent(self, address: str) -> deque[float] | None:
        recent = self._failures.get(address)
        if recent is None:
            return None
        cutoff = self._clock() - self.fail_window
        while recent and recent[0] < cutoff:
            recent.popleft()
        if not recent:
            del self._failures[address]
            return None
        return recent
