"""The webhook's checks without its journal: what an ack that stores nothing reaches (a reference).

The ack rows compare the webhook with a bare route. Between the two lie the checks (body, JSON,
token, the alert's fields) and the durable journal write. This route does the first half with the
service's own code (app.py's body rules, trading.signals' parser) and replies without storing
anything, so a figure between bare and webhook says how much of the gap the journal is. It skips
what needs the running service: the address guard, the accounts' own rules, and the ticker's
look-up in the listed contracts (taken here by its shape, as the service does when the list
cannot be read).
Never a way to run the service: an alert acknowledged here is lost.

``python -m bench.validating_app PORT`` serves it with the production server's own settings
(serve.py); gunicorn serves ``bench.validating_app:app``. The token is WEBHOOK_EXPECTED_TOKEN.
"""

from __future__ import annotations

import hmac
import os
import sys

from flask import Flask, jsonify, request

from app import REFUSAL_STATUS, _decode_body
from trading.service import Unauthorized
from trading.signals import SignalRejected, parse_signal

app = Flask("validating")
TOKEN = os.environ.get("WEBHOOK_EXPECTED_TOKEN", "").encode()


@app.post("/api/webhook")
def webhook():
    try:
        payload = _decode_body(request.get_data(cache=False))
        token = payload.get("token")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), TOKEN):
            raise Unauthorized()
        signal = parse_signal(payload)
    except SignalRejected as exc:  # the webhook's codes and statuses
        return jsonify({"code": exc.code, "error": exc.error}), REFUSAL_STATUS.get(exc.code, 422)
    return jsonify({"status": "accepted", "signal_id": signal.alert_id or "s0"}), 200


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"}), 200


if __name__ == "__main__":
    import serve

    serve.serve(app, "127.0.0.1", int(sys.argv[1]), on_stop=lambda: None)
