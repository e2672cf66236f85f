# Trading Bitget: slim image, non-root user, one server process (waitress, see serve.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Every top-level module (app, config, runtime, serve and what they import) and the API description.
COPY *.py openapi.yaml ./
COPY bitget ./bitget
COPY trading ./trading
COPY static ./static

RUN useradd --create-home --uid 10001 trader && mkdir -p /data && chown trader /data
USER trader
VOLUME ["/data"]
EXPOSE 8080

# One process: it owns the journal, the per-symbol order of signals and the background executor.
# `python app.py` serves with waitress (serve.py): requests are read whole before a handler thread
# sees them, so slow or idle connections cannot hold the threads; silent ones close after 10 s.
# SIGTERM: 503 to new alerts, running signals finish within SHUTDOWN_GRACE (20 s), exit 0; run the
# container with a stop timeout above that (`docker run --stop-timeout 30`; docker's default is 10 s).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import serve; serve.healthcheck()"]
CMD ["python", "app.py"]
