"""Who may knock: source allowlist, proxy-aware client address, and a brake on wrong tokens.

The brake counts failed token checks per client address in a sliding window; past the limit a wrong
token from that address gets 429 instead of 401, so guessing stays slow. The right token is never
braked: TradingView sends everyone's alerts from four shared addresses, and a stranger's stale alert
must not lock the owner's real alerts out.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# TradingView's published webhook source addresses (support article 43000529348).
TRADINGVIEW_ADDRESSES = ("52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7")
PRESETS = {"tradingview": TRADINGVIEW_ADDRESSES}
MAX_TRACKED_ADDRESSES = 10_000


class SourceRefused(Exception):
    """A request refused before its body is read. ``code`` is stable, ``status`` the HTTP status."""

    def __init__(self, code: str, error: str, status: int) -> None:
        super().__init__(error)
        self.code = code
        self.error = error
        self.status = status


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
        self,
        *,
        trusted: tuple[Network, ...] = (),
        proxies: tuple[Network, ...] = (),
        fail_limit: int = 10,
        fail_window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trusted = trusted
        self.proxies = proxies
        self.fail_limit = fail_limit
        self.fail_window = fail_window
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
        """Raise SourceRefused (403) when the address is not allowed."""
        if self.trusted and not _contains(self.trusted, address):
            raise SourceRefused("source-not-allowed", "requests from this address are not accepted", 403)

    def record_failure(self, address: str) -> None:
        """Count a failed token check; raise SourceRefused (429) when the address was already over the limit."""
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
                "too-many-failures", f"too many failed token checks from this address; retry in {wait} s", 429
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
