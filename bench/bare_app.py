"""A bare Flask route answering what the webhook answers, doing nothing: the baseline for the ack.

``python -m bench.bare_app PORT`` serves it with the production server's own settings (serve.py);
gunicorn serves ``bench.bare_app:app``.
"""

from __future__ import annotations

import sys

from flask import Flask, jsonify

app = Flask("bare")


@app.post("/api/webhook")
def webhook():
    return jsonify({"status": "accepted", "signal_id": "s0"}), 200


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"}), 200


if __name__ == "__main__":
    import serve

    serve.serve(app, "127.0.0.1", int(sys.argv[1]), on_stop=lambda: None)
