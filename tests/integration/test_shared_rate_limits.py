"""Two instances trading one account pace their exchange calls together through PostgreSQL.

Each "instance" here is a client with its own limiter (nothing shared in memory), calling one
endpoint of the simulator, which enforces the exchange's limit and answers 429 past it. With the
buckets kept in the journal's database the two together stay within the limit; paced alone, each
to the full rate, they exceed it (the control run), which is what the shared buckets are for.
"""

from __future__ import annotations

import threading
import time

import pytest

from bitget.auth import Credentials
from bitget.errors import RateLimitError
from bitget.ratelimit import LIMITS, RateLimiter, share_buckets
from bitget.transport import SignedTransport
from tests.support.service import SimControl
from trading.journal import Journal
from trading.shared_pacing import SharedBuckets

PATH = "/api/v2/public/time"  # 20 requests/s per address: both clients come from 127.0.0.1
CALLS = 20  # per client


def _burst(sim_url: str, clients: int = 2) -> float:
    """Each client calls PATH CALLS times as fast as its limiter lets it; returns the seconds taken."""
    errors: list[BaseException] = []
    start = threading.Barrier(clients)

    def client() -> None:
        limiter = RateLimiter(account="one-account")  # what shared_limiter gives each process for one key
        transport = SignedTransport(sim_url, Credentials("k", "s", "p"), limiter=limiter, retry_attempts=1)
        try:
            start.wait()
            for _ in range(CALLS):
                transport.get(PATH, signed=False)
        except BaseException as exc:  # a 429 surfaces here (no retries): the limit was exceeded
            errors.append(exc)
        finally:
            transport.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return time.monotonic() - began


@pytest.fixture
def control(sim_server: str):
    sim = SimControl(sim_server)
    sim._post("/sim/rate-limits", {"enforce": True})
    yield sim
    sim._post("/sim/rate-limits", {"enforce": False})
    share_buckets(None)


@pytest.mark.postgres
def test_two_clients_sharing_the_postgres_buckets_stay_within_the_limit_together(control, sim_server, postgres_url):
    Journal(postgres_url).close()  # opening migrates: the rate_buckets table
    buckets = SharedBuckets.open(postgres_url)
    try:
        share_buckets(buckets)
        seconds = _burst(sim_server)
    finally:
        share_buckets(None)
        buckets.close()
    limits = control._get("/sim/rate-limits")
    assert limits["refused"] == 0, limits
    assert limits["peak"][PATH] <= LIMITS[PATH].rate, limits
    rate, capacity = RateLimiter().figures(PATH)
    assert seconds >= (2 * CALLS - capacity) / rate * 0.9, "paced as one account, not two"


def test_two_clients_pacing_alone_exceed_the_limit_the_shared_buckets_keep(control, sim_server):
    share_buckets(None)
    with pytest.raises(RateLimitError):
        _burst(sim_server)
    assert control._get("/sim/rate-limits")["refused"] > 0
