# Trading Bitget: slim image, non-root user, gunicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py config.py openapi.yaml ./
COPY bitget ./bitget
COPY trading ./trading

RUN useradd --create-home --uid 10001 trader && mkdir -p /data && chown trader /data
USER trader
VOLUME ["/data"]
EXPOSE 8080

# One worker, several threads: one process must own the journal, the per-symbol order of signals
# and the background executor (a second worker would execute signals twice or out of order).
# Threads serve concurrent webhooks; the graceful timeout lets running signals finish on SIGTERM.
CMD ["gunicorn", "--workers", "1", "--threads", "8", "--bind", "0.0.0.0:8080", \
     "--graceful-timeout", "30", "--timeout", "60", "--access-logfile", "-", "app:create_app()"]
