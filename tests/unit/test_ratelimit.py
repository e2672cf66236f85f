"""Our side of Bitget's request limits: the token bucket on a clock the test moves, shared by threads."""

from __future__ import annotations

import threading

import pytest

from bitget.ratelimit import LIMITS, Limit, RateLimiter, SlidingWindow, shared_limiter


class FakeClock:
    """Time that moves only when somebody sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def _sends(limiter: RateLimiter, clock: FakeClock, path: str, count: int) -> list[float]:
    """When each of ``count`` back-to-back calls of ``path`` is let through."""
    times = []
    for _ in range(count):
        limiter.acquire(path)
        times.append(clock.now)
    return times


def _most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def _most_in_a_sliding_second(times: list[float]) -> int:
    """Bitget's count, as the simulator keeps it: requests in (t - 1, t] for each request's t."""
    return max(sum(1 for s in times if t - 1.0 < s <= t) for t in times)


def test_a_burst_is_paced_to_stay_within_the_documented_rate_in_every_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    times = _sends(limiter, clock, "/api/v2/mix/order/place-order", 100)
    assert _most_in_one_second(times) <= 10
    assert _most_in_a_sliding_second(times) <= 10
    assert times[-1] - times[0] == pytest.approx(90 / 9, rel=0.01)  # 10 at once, then 9/s: 90 % of 10/s


@pytest.mark.parametrize(("path", "limit"), [("/api/v2/mix/order/place-order", 10),
                                             ("/api/v2/mix/market/ticker", 20),
                                             ("/api/v2/mix/account/set-leverage", 5)])
def test_requests_reaching_bitget_out_of_step_still_stay_within_its_limit(path: str, limit: int) -> None:
    """Network jitter delays each request by its own amount: up to 1/(N-1) s, no second holds more than N."""
    import random

    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    rng = random.Random(7)
    slack = 1 / (limit - 1)
    for _ in range(20):
        sent = _sends(limiter, clock, path, 60)
        arrived = [t + rng.uniform(0, slack * 0.99) for t in sent]
        assert _most_in_a_sliding_second(arrived) <= limit
        arrived = [t + (slack * 0.99 if i % 2 else 0.0) for i, t in enumerate(sent)]  # every other one late
        assert _most_in_a_sliding_second(arrived) <= limit
        clock.now += 5  # idle: the bucket fills (one request's worth) before the next burst


def test_endpoints_are_limited_independently() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    assert [limiter.acquire("/api/v2/mix/order/place-order") for _ in range(10)] == [0] * 10
    assert limiter.acquire("/api/v2/mix/order/detail") == 0  # another window, still empty
    assert limiter.acquire("/api/v2/mix/order/place-order") == pytest.approx(10 / 9)
    assert limiter.acquire("/api/v2/mix/order/cancel-order") == 0


def test_a_close_and_the_open_after_it_wait_for_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    assert limiter.acquire("/api/v2/mix/order/place-order") == 0
    clock.now += 0.05  # the close's fill came back
    assert limiter.acquire("/api/v2/mix/order/place-order") == 0


def test_a_window_empties_while_idle_but_never_hands_out_more_than_its_count() -> None:
    clock = FakeClock()
    window = SlidingWindow(3, 1.5, clock=clock, sleep=clock.sleep)
    assert [window.reserve() for _ in range(4)] == [0, 0, 0, pytest.approx(1.5)]
    clock.now += 60
    waits = [window.reserve() for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and waits[3] == pytest.approx(1.5)


def test_a_429_holds_the_endpoint_for_every_caller() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.backoff("/api/v3/trade/place-order", 1.0)
    assert limiter.bucket("/api/v3/trade/place-order").reserve() == pytest.approx(1.0)
    assert limiter.acquire("/api/v3/trade/order-info") == 0


def test_threads_sharing_a_limiter_together_stay_within_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"/p": Limit(10)}, clock=clock, sleep=clock.sleep)
    reservations: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            at = clock.now + limiter.bucket("/p").reserve()  # when this call may go out
            with lock:
                reservations.append(at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reservations.sort()
    assert len(reservations) == 200
    assert _most_in_one_second(reservations) <= 10


def test_one_account_shares_one_limiter_and_another_account_has_its_own() -> None:
    a = shared_limiter("http://127.0.0.1:1", "key-a")
    assert shared_limiter("http://127.0.0.1:1", "key-a") is a
    assert shared_limiter("http://127.0.0.1:1", "key-b") is not a


def test_every_endpoint_the_clients_call_has_a_documented_limit() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "bitget"
    called = set()
    for source in [*root.glob("*.py"), *root.glob("v2/*.py"), *root.glob("v3/*.py")]:
        called |= set(re.findall(r'"(/api/v[23]/[A-Za-z0-9/_-]+)"', source.read_text()))
    assert called and called <= set(LIMITS), sorted(called - set(LIMITS))


def test_a_429_from_bitget_holds_the_endpoint_for_every_caller_during_the_backoff() -> None:
    import time

    from tests.support.fake_bitget import Reply, fail, order, serve
    from tests.unit.test_client_http import API_KEY, PLACE, FakeBitget, make_client

    with serve(FakeBitget()) as fake:
        client = make_client(fake, retry_wait_initial=0.6, retry_wait_max=0.6)
        client.position_mode()
        fake.script(PLACE, Reply(429, fail("429", "Too Many Requests", 429)[1]))
        placing = threading.Thread(target=client.place_order, args=(order(),))
        placing.start()
        deadline = time.monotonic() + 5
        while not fake.hits(PLACE) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        waited = shared_limiter(fake.url, API_KEY).acquire(PLACE)  # another thread of the same account
        placing.join(5)
    assert waited >= 0.3
    assert len(fake.hits(PLACE)) == 2 and len(fake.orders) == 1
