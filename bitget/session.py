"""The HTTP session every Bitget call goes through: no resend of its own, and little work per request.

``requests`` does much per request that a signed Bitget call never uses: it reads the proxy
variables, the CA-bundle variables and ``~/.netrc`` again, merges session cookies, auth and hooks,
and re-validates a URL the transport built itself. On a small machine that is about 0.3 ms of CPU per
request, and an open signal's critical path makes four. This session reads the environment once per
host and passes what it found with each request (a proxy, a CA bundle or a netrc entry set when the
service starts applies exactly as before), and sends the transport's plain calls (headers and a
body, no redirects) straight to the connection adapter; anything else takes the usual way.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

# What the transport passes; a call with anything else goes through ``requests.Session.request`` as usual.
_PLAIN = frozenset({"headers", "data", "timeout", "allow_redirects"})


class BitgetSession(requests.Session):
    """``requests.Session`` that never resends on its own, reads the environment once per host, and
    sends plain calls without the session machinery they do not use."""

    def __init__(self) -> None:
        super().__init__()
        adapter = HTTPAdapter(max_retries=0)  # an order POST is resent only after a lookup
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self.trust_env = False  # read below, once per host, instead of by requests on every call
        self._environment: dict[str, dict[str, Any]] = {}
        self._environment_lock = threading.Lock()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        environment = self.environment(url)
        if not args and self._plain(kwargs, environment) and isinstance(method, str) and isinstance(url, str):
            return self._send_plain(method.upper(), url, kwargs, environment)
        for name, value in environment.items():
            if kwargs.get(name) is None:
                kwargs[name] = value
        return super().request(method, url, *args, **kwargs)

    def environment(self, url: str | bytes) -> dict[str, Any]:
        """What the environment says for ``url``'s host: ``proxies``, ``verify`` and ``auth`` as requests reads them."""
        text = url.decode("ascii", "replace") if isinstance(url, bytes) else url
        parts = urlsplit(text)
        host = f"{parts.scheme}://{parts.netloc}".lower()
        found = self._environment.get(host)
        if found is None:
            reader = requests.Session()  # trusts the environment: asked once, for this host
            try:
                merged = reader.merge_environment_settings(text, {}, None, None, None)
            finally:
                reader.close()
            found = {"proxies": merged["proxies"] or None, "verify": merged["verify"], "auth": get_netrc_auth(text)}
            found = {name: value for name, value in found.items() if value is not None}
            with self._environment_lock:
                self._environment[host] = found
        return found

    def _plain(self, kwargs: dict[str, Any], environment: dict[str, Any]) -> bool:
        """A call the adapter can take as it is: headers, a body in bytes, a timeout, no redirects;
        nothing the session would add (proxies, auth, cookies, hooks, other defaults)."""
        data = kwargs.get("data")
        return (
            kwargs.keys() <= _PLAIN
            and kwargs.get("allow_redirects", True) is False
            and (data is None or isinstance(data, bytes))
            and "proxies" not in environment
            and "auth" not in environment
            and not self.proxies
            and self.auth is None
            and not self.cookies
            and self.cert is None
            and self.stream is False
            and not any(self.hooks.values())
        )

    def _send_plain(
        self, method: str, url: str, kwargs: dict[str, Any], environment: dict[str, Any]
    ) -> requests.Response:
        """What ``Session.request`` would send for a plain call (the session's default headers under the
        call's own, Content-Length as requests sets it), handed to the connection adapter directly."""
        body: bytes | None = kwargs.get("data")
        headers = CaseInsensitiveDict(self.headers)
        for name, value in (kwargs.get("headers") or {}).items():
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif method not in ("GET", "HEAD"):
            headers["Content-Length"] = "0"
        prepared = PreparedRequest()
        prepared.method, prepared.url, prepared.headers, prepared.body = method, url, headers, body
        prepared.hooks = default_hooks()
        verify = environment.get("verify", self.verify)
        response = self.get_adapter(url).send(prepared, stream=False, timeout=kwargs.get("timeout"), verify=verify,
                                              cert=None, proxies={})
        _ = response.content  # read now, as requests does without ``stream``
        return response
