"""A self-contained HTML page with the replay's price and equity curves as inline SVG.

No JavaScript, no external files, no plotting library: the page opens in any browser, offline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

WIDTH, HEIGHT, PAD = 960, 260, 48
MARK_COLORS = {"buy": "#1a7f37", "sell": "#cf222e", "exit": "#6e7781"}


@dataclass(frozen=True)
class Marker:
    """An alert drawn on the price panel: bar index, price, action and a hover text."""

    bar: int
    price: float
    action: str
    label: str


def _panel(
    title: str, times: Sequence[int], values: Sequence[float], color: str, markers: Sequence[Marker] = ()
) -> str:
    """One SVG chart: a line over the bars, horizontal grid with labels, optional markers."""
    if not values:
        return f"<h2>{html.escape(title)}</h2><p>no data</p>"
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    marked = list(values) + [m.price for m in markers]
    low, high = min(marked), max(marked)
    per_unit = inner_h / ((high - low) or 1.0)
    step = inner_w / max(len(values) - 1, 1)

    def x(i: int) -> float:
        return PAD + i * step

    def y(v: float) -> float:
        return PAD + inner_h - (v - low) * per_unit

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">',
             f"<title>{html.escape(title)}</title>"]
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{PAD - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v:,.2f}</text>')
    for i in (0, len(times) - 1):
        stamp = datetime.fromtimestamp(times[i] / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
        anchor = "start" if i == 0 else "end"
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - PAD + 16}" font-size="10" text-anchor="{anchor}">{stamp}</text>'
        )
    parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>')
    for m in markers:
        fill = MARK_COLORS.get(m.action, "#6e7781")
        parts.append(
            f'<circle cx="{x(m.bar):.1f}" cy="{y(m.price):.1f}" r="4" fill="{fill}">'
            f"<title>{html.escape(m.label)}</title></circle>"
        )
    parts.append("</svg>")
    return f"<h2>{html.escape(title)}</h2>" + "".join(parts)


def write_html(
    path: str | Path,
    title: str,
    times: Sequence[int],
    closes: Sequence[float],
    equity: Sequence[float],
    markers: Sequence[Marker],
    summary: Sequence[tuple[str, str]],
) -> Path:
    """Write the page: a summary table, the price with every alert, and the equity curve."""
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary)
    body = (
        f"<h1>{html.escape(title)}</h1><table>{rows}</table>"
        + _panel("Price and alerts (green buy, red sell, grey exit)", times, closes, "#0969da", markers)
        + _panel("Equity: realized PnL - fees + open position at each close (USDT)", times, equity, "#8250df")
    )
    page = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:24px}th{text-align:left;padding-right:16px}"
        "td{font-variant-numeric:tabular-nums}</style></head><body>"
        f"{body}</body></html>\n"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
