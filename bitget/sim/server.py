"""Serving the simulator over HTTP with werkzeug's threaded server (needed for lost_reply).

Connections are kept alive between requests (HTTP/1.1), as Bitget's gateway keeps them: werkzeug's
handler alone closes every connection after one reply, so each call of a client paid a new TCP
connection and a new server thread (about 1 ms of the simulator's time per call here).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler


class _Body:
    """A request's body on a kept-alive connection: at most its Content-Length, then the end, so nothing
    read for this request (the app, or werkzeug's drain after the reply) takes the next request's bytes."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.left = length

    def read(self, size: int = -1) -> bytes:
        return self._take(self._stream.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._take(self._stream.readline, size)

    def _take(self, reader: Any, size: int | None) -> bytes:
        """``reader`` asked for at most what is left of the body (all of it for a size of None or < 0)."""
        if self.left <= 0:
            return b""
        data = reader(self.left if size is None or size < 0 else min(size, self.left))
        self.left -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            return 0
        count = self._stream.readinto(memoryview(buffer)[: self.left]) or 0
        self.left -= count
        return count

    def readable(self) -> bool:
        return True


class KeepAliveRequestHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive, as Bitget's gateway: a connection serves one request after another.

    werkzeug's handler answers every request with ``Connection: close`` (it cannot tell where a body
    ends before the next request starts). Here a request with a Content-Length body reads that much
    and no more, so the connection stays open unless the client asks to close it; a chunked body
    keeps werkzeug's own behaviour (one request, then close).
    """

    timeout = 30  # an idle kept-alive connection is closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this the body waits for the client's delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.server, SimServer):
            self.server.opened(self.connection)

    def finish(self) -> None:
        if isinstance(self.server, SimServer):
            self.server.closed(self.connection)
        super().finish()

    _keep_alive = False  # true only while a request that keeps its connection is answered

    def run_wsgi(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            chunked = True  # no length to trust: answer as werkzeug does, then close
            length = 0
        if self.close_connection or chunked:
            self.close_connection = True
            super().run_wsgi()
            return
        stream, body = self.rfile, _Body(self.rfile, length)
        self.rfile, self._keep_alive = body, True
        try:
            super().run_wsgi()
            while body.left > 0 and body.read(65536):  # what the app left unread is not the next request
                pass
        finally:
            self.rfile, self._keep_alive = stream, False

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug always says close; this connection stays open
        super().send_header(keyword, value)


class QuietRequestHandler(KeepAliveRequestHandler):
    """No access-log line per request (the embedded paper exchange would flood the service log)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


class SimServer(ThreadedWSGIServer):
    """werkzeug's threaded server that also closes the connections still open when it closes: a stopped
    simulator must not go on answering on a connection a client kept alive."""

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler]) -> None:
        super().__init__(host, port, app, handler=handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def opened(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            still_open, self._open = list(self._open), set()
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def make_sim_server(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False
) -> BaseWSGIServer:
    """A threaded werkzeug server keeping connections alive; port 0 picks a free port (``server.server_port``)."""
    return SimServer(host, port, app, QuietRequestHandler if quiet else KeepAliveRequestHandler)


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
