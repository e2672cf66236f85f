"""The simulator's HTTP server keeps connections alive between requests, as Bitget's gateway does.

Each test talks raw HTTP/1.1 through ``http.client`` to a simulator on 127.0.0.1, so what is checked
is the connection itself: reused, never handed the rest of an earlier request, closed when asked,
and closed when the simulator stops.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from bitget.sim.paper import EmbeddedSim, start_embedded_sim

TIME = "/api/v2/public/time"


@pytest.fixture()
def embedded() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic")
    yield sim
    sim.stop()


def connect(sim: EmbeddedSim) -> http.client.HTTPConnection:
    host, port = sim.base_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=5)


def get(conn: http.client.HTTPConnection, path: str = TIME, **headers: str) -> http.client.HTTPResponse:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    return response


def test_one_connection_serves_one_request_after_another(embedded: EmbeddedSim) -> None:
    conn = connect(embedded)
    first = get(conn)
    socket_used = conn.sock
    second = get(conn)
    assert (first.status, second.status) == (200, 200)
    assert first.getheader("Connection") != "close" and not first.will_close
    assert conn.sock is socket_used and socket_used is not None  # the same connection answered both
    conn.close()


def test_a_body_the_route_leaves_unread_does_not_become_the_next_request(embedded: EmbeddedSim) -> None:
    conn = connect(embedded)
    # a body on a GET route: the route never reads it; it must not be parsed as the next request line
    smuggled = b"GET /sim/state HTTP/1.1\r\nHost: x\r\n\r\n"
    conn.request("POST", TIME, body=smuggled, headers={"Content-Type": "text/plain"})
    refused = conn.getresponse()
    refused.read()
    after = get(conn)
    assert refused.status == 405
    assert after.status == 200 and b"serverTime" in after.body  # the time, not a reply to the smuggled request
    conn.close()


def test_a_client_that_asks_to_close_has_its_connection_closed(embedded: EmbeddedSim) -> None:
    conn = connect(embedded)
    response = get(conn, Connection="close")
    assert response.status == 200
    assert response.getheader("Connection") == "close" and response.will_close


def test_a_chunked_body_is_answered_and_the_connection_then_closed(embedded: EmbeddedSim) -> None:
    conn = connect(embedded)
    conn.request("POST", "/sim/reset", body=iter([b"{}"]), headers={"Content-Type": "application/json"},
                 encode_chunked=True)
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    assert response.will_close  # werkzeug's own rule for a body without a length: one request, then close


def test_a_stopped_simulator_closes_the_connections_it_kept_open(embedded: EmbeddedSim) -> None:
    conn = connect(embedded)
    assert get(conn).status == 200
    embedded.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        get(conn)  # not answered: the exchange is gone, kept-alive connections too
    conn.close()
