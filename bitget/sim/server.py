"""Serving the simulator over HTTP with werkzeug's threaded server (needed for lost_reply)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """No access-log line per request (the embedded paper exchange would flood the service log)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


def make_sim_server(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False
) -> BaseWSGIServer:
    """A threaded werkzeug server; port 0 picks a free port (read ``server.server_port``)."""
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


STOP_POLL = 0.05  # seconds between checks for a stop request: a stopping simulator is gone at once


def serve_in_thread(server: BaseWSGIServer, name: str = "bitget-sim") -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL}, name=name, daemon=True)
    thread.start()
    return thread


def base_url(server: BaseWSGIServer) -> str:
    host = server.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.server_port}"
