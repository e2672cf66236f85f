"""Independent end-to-end scenarios run side by side: started together, each test waits for its own.

For scenarios that spend nearly all their time waiting (process start-ups, timeouts, retry back-offs,
delays inside the exchange) and share nothing (each has its own simulator, service, journal and
ports): a module fixture starts the selected ones at once with ``side_by_side``, and each test takes
its scenario's result (or the exception it raised) from its future and checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def selected(request: pytest.FixtureRequest, test_name: str, *params: str) -> list[Any]:
    """The values of ``params`` (one value, or a tuple for several) of the selected items of ``test_name``.

    In collection order, each once: a fixture starts only the scenarios whose tests will run.
    """
    values: list[Any] = []
    for item in request.session.items:
        if getattr(item, "originalname", "") != test_name:
            continue
        found = tuple(item.callspec.params[name] for name in params)
        value = found[0] if len(found) == 1 else found
        if value not in values:
            values.append(value)
    return values


@contextmanager
def side_by_side(jobs: Mapping[K, Callable[[], T]], name: str) -> Iterator[dict[K, Future[T]]]:
    """Run every job in a thread of its own; on exit wait for all of them, whatever happened."""
    pool = ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix=name)
    try:
        yield {key: pool.submit(job) for key, job in jobs.items()}
    finally:
        pool.shutdown(wait=True)
