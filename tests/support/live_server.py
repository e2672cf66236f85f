"""Shared helpers for the hostile-input and secret-leak tests: a live HTTP server and reply checks."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from tests.support.service import Service

BTC_BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}


class LiveServer:
    """The Flask app served over real HTTP on 127.0.0.1 (port chosen by the OS) in a daemon thread."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="security-live-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def refusal(reply: Any) -> dict[str, Any]:
    """Assert a refusal a client can act on: a 4xx with a JSON body carrying string ``code`` and ``error``."""
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.get_data()[:300])
    assert reply.is_json, reply.headers.get("Content-Type")
    body = reply.get_json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("error"), str) and body["error"], body
    return body


def settle(service: Service, timeout: float = 10.0) -> None:
    """Wait until the service has nothing queued or running, so 'nothing placed' is a final answer."""
    assert service.runtime.service.dispatcher.wait_idle(timeout), "dispatcher still busy"
    time.sleep(0.05)
