"""A Bitget-compatible exchange simulator: classic v2 USDT-M perpetual futures, over real HTTP.

It stands in for Bitget in paper mode, in the integration tests and in offline trials. It is an
independent check of the service's client: it shares no code with ``bitget.client`` /
``bitget.auth`` / ``bitget.models`` / ``bitget.errors`` and verifies signatures from scratch.

Running it
==========

* Stand-alone: ``python -m bitget.sim --host 127.0.0.1 --port 9000`` (threaded werkzeug server;
  logs one line with the URL and the accepted API key, never the secret). Options:
  ``--balance N``, ``--position-mode one_way_mode|hedge_mode``, ``--market synthetic|live``
  (default synthetic), ``--log-level``.
* As a WSGI app: ``create_sim_app(engine=None, credentials=None)`` returns a Flask app. Serve it
  with werkzeug's threaded server if you need the ``lost_reply`` fault (see Faults).
* In-process, for the service's paper mode: ``bitget.sim.paper.start_embedded_sim(market=
  "synthetic", host="127.0.0.1", port=0)`` returns an ``EmbeddedSim`` with ``base_url``,
  ``api_key``, ``secret_key``, ``passphrase``, ``engine`` and ``stop()``.

Environment (read by ``python -m bitget.sim``, ``start_embedded_sim`` and ``create_sim_app``
when no engine/credentials are passed):

==================  ==================  ==================================================
variable            default             meaning
==================  ==================  ==================================================
SIM_API_KEY         ``sim-api-key``     the one ACCESS-KEY accepted
SIM_SECRET_KEY      ``sim-secret-key``  its HMAC secret
SIM_PASSPHRASE      ``sim-passphrase``  its ACCESS-PASSPHRASE
SIM_START_BALANCE   ``10000``           starting USDT wallet balance (also for /sim/reset)
SIM_POSITION_MODE   ``one_way_mode``    starting position mode (or ``hedge_mode``)
SIM_LEVERAGE        ``10``              starting leverage of every symbol (capped at maxLever)
==================  ==================  ==================================================

The account starts as a *classic* account (``account_mode="classic"``) with 10000 USDT, one-way
position mode, crossed margin and leverage 10 on every symbol, no orders, no positions, and a
synthetic book per contract.

Contracts
=========

Bitget's own rules (``/api/v2/mix/market/contracts``). Tick = priceEndStep x 10^-pricePlace.
Every contract: minTradeUSDT 5, makerFeeRate 0.0002, takerFeeRate 0.0006, minLever 1.

========  ==========  ============  ===========  ==============  ===========  ========  =========
symbol    pricePlace  priceEndStep  volumePlace  sizeMultiplier  minTradeNum  maxLever  reference
========  ==========  ============  ===========  ==============  ===========  ========  =========
BTCUSDT   1           1             4            0.0001          0.0001       125       65000.0
ETHUSDT   2           1             2            0.01            0.01         100       3500.00
SOLUSDT   3           1             1            0.1             0.1          100       150.000
XRPUSDT   4           1             0            1               1            125       0.6000
DOGEUSDT  5           1             0            1               1            75        0.15000
========  ==========  ============  ===========  ==============  ===========  ========  =========

The synthetic book of a contract: 5 levels a side, one tick apart, best bid at the reference price
and best ask one tick above, each level worth about 250,000 USDT.

Authentication
==============

Private paths need ``ACCESS-KEY``, ``ACCESS-SIGN``, ``ACCESS-TIMESTAMP`` (epoch ms) and
``ACCESS-PASSPHRASE``; ``ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + path +
("?" + raw query string, if any) + raw body))``. The query string and body are the bytes received,
so what was signed must be exactly what was sent. ``paptrading: 1`` and ``locale`` are accepted
and ignored. Public market paths need no headers. Refusals (HTTP 400, checked in this order):

=====  ===============================================================
40001  ACCESS-KEY empty
40003  ACCESS-SIGN empty
40005  ACCESS-TIMESTAMP empty or not an integer
40011  ACCESS-PASSPHRASE empty
40008  timestamp more than 30 s away from the simulator's clock
40006  unknown ACCESS-KEY
40012  wrong passphrase
40009  signature mismatch
40085  (after auth) the account is in unified (v3) mode: v2 private paths are refused
=====  ===============================================================

Paths (Bitget v2)
=================

Public: ``GET /api/v2/public/time``, ``/api/v2/mix/market/contracts``, ``/ticker``,
``/tickers``, ``/merge-depth`` (``limit`` 1..1000 or ``max``, default 100; ``precision`` accepted,
levels are never merged). Signed: ``GET /api/v2/mix/account/account``, ``/accounts``;
``POST /api/v2/mix/account/set-leverage``, ``/set-position-mode``, ``/set-margin-mode``;
``GET /api/v2/mix/position/single-position``, ``/all-position``;
``POST /api/v2/mix/order/place-order``, ``/cancel-order``, ``/close-positions``;
``GET /api/v2/mix/order/detail``, ``/orders-pending``, ``/orders-history``.

Replies: ``{"code":"00000","msg":"success","requestTime":<int ms>,"data":...}``. Every number in
``data`` is a JSON string except the merge-depth ``[price, size]`` levels, which are JSON numbers
as in Bitget's example. Errors: same envelope, ``"data": null``, HTTP 400. Unknown path: 404 with
code ``40404``; wrong method: 405 with code ``405``; an unexpected failure: 500 with code
``50000`` (never a stack trace). ``orders-pending``/``orders-history`` return
``{"entrustedList": [...], "endId": <last orderId>}``, and ``{"entrustedList": null,
"endId": null}`` when empty; list items carry ``status`` where ``detail`` carries ``state``.

Parameters: a missing required one is 40019 ("Parameter X cannot be empty"); a bad value 40017
(unknown enum, a non-number, invalid JSON body, ``productType`` other than ``USDT-FUTURES``
(any case), ``marginCoin`` other than ``USDT``). Unknown symbol: 40102. Bodies may send numbers as
strings (as Bitget documents) or as JSON numbers; enums are case-insensitive.

Orders
======

Position modes (Bitget's table): in one-way mode ``side`` is the trade direction and
``reduceOnly=YES`` makes a close; a non-empty ``tradeSide`` is refused with 40774. In hedge mode
``side`` names the position: open long = buy+open, close long = buy+close (sells), open short =
sell+open, close short = sell+close (buys); a missing ``tradeSide`` is 40774 and ``reduceOnly`` is
ignored. In one-way mode a plain opposite order nets against the position and may flip it.

Checks, in order: 40774 (mode), 40808 (size not > 0, more decimals than volumePlace, or not a
multiple of sizeMultiplier), 41103 (price or presetStopLossPrice off the tick), 43118 (clientOid
used before by any order since the last reset), 22002 (a close with nothing closable: the leg's
size minus what resting closes reserve), 43006 (size < minTradeNum), 45110 (size x price <
minTradeUSDT; a market order is priced by walking the book), 40917 / 45122 (preset stop-loss not
below / above the mark price for a long / short), 40762 (available < notional / leverage + taker
fee on the opening part). A close larger than the closable size is capped to it (never flips,
never exceeds); a close of everything closable skips the two minimum checks.

Matching: a buy takes ask levels priced at or below its limit (a sell: bids at or above), at the
level's price, shrinking the level; the rest rests (``live``/``partially_filled``). A market order
always fills completely: past the end of the book the rest fills at the last level's price.
``force``: ``gtc`` (default), ``ioc`` (rest cancelled), ``fok`` (all or cancelled),
``post_only`` (cancelled if it would take). Resting orders meet the book again only when the book
is set (control call or live feed) or the fill mode changes. Immediate fills pay the taker fee,
later fills of a resting order the maker fee. Mark price = middle of the best bid and ask,
floored to the tick; last price = last fill (or the mark after a book change).

Fill modes (per symbol, control endpoint): ``normal``; ``partial`` with ``ratio`` (a new limit
order fills at most ratio x size, floored to the size step, at once; the rest waits for the next
book change or mode change); ``none`` (limit orders never match; market orders still fill).

Reported fields: one-way orders show ``posSide "net"`` and ``tradeSide "buy_single"`` /
``"sell_single"``; hedge orders show ``posSide long|short`` and ``tradeSide open|close``;
``reduceOnly`` is ``YES`` for any closing order. ``fee`` is negative (paid). A capped close shows
its capped ``size``. Without ``clientOid`` a numeric one is generated. ``presetStopLossPrice`` is
kept on the order; on the fill that opens or adds to a leg it becomes the leg's stop loss (shown
by ``/sim/state``; v2 position replies carry only Bitget's documented fields).

Cancel: a ``live``/``partially_filled`` order becomes ``canceled`` (the filled part stays);
unknown, filled or cancelled: 40768. Detail of an unknown order: 40109. A resting close whose
leg is gone is cancelled with it. ``close-positions`` market-closes the symbol's legs (hedge mode:
``holdSide`` picks one), cancelling resting closes on them first; nothing to close: 22002.

Money (a simplification, on purpose): the wallet ``balance`` moves only by fees and realized PnL;
a leg's margin is size x entry price / the symbol's leverage; a resting order that may open
freezes remaining x price / leverage (``locked``); ``available = balance - margins - frozen``,
unrealized PnL not counted (``accountEquity`` does include it). ``isolated`` margin mode can be
set but is computed like crossed.

Settings: ``set-leverage`` needs a whole number from minLever to maxLever (else 40017);
``set-position-mode`` is refused with 40920 while any position or resting order exists;
``set-margin-mode`` with 45117 while the symbol has one.

Control endpoints (no auth, JSON)
=================================

Answers ``{"ok": true, ...}``, or ``{"ok": false, "error": "..."}`` with HTTP 400. Numbers may be
JSON numbers or strings; numbers come back as strings.

* ``POST /sim/reset`` ``{"balance"?, "position_mode"?, "leverage"?, "account_mode"?: "classic"|"uta"}``
  - full reset: orders, positions, books (synthetic), fill modes (normal), faults and request
  counters; omitted values take the defaults above.
* ``POST /sim/book`` ``{"symbol", "bids": [[p, s], ...], "asks": [[p, s], ...]}`` or
  ``{"symbol", "price"?, "spread"?, "depth"?, "size"?}`` - set the book (explicit levels, or a
  synthetic book: ``depth`` levels a side (default 5) one tick apart, best bid at ``price``
  (default: reference price) minus half the ``spread`` (default one tick), ``size`` per level);
  then resting orders of the symbol re-match.
* ``POST /sim/position-mode`` ``{"mode": "one_way_mode"|"hedge_mode"}`` (refused while busy).
* ``POST /sim/account-mode`` ``{"mode": "classic"|"uta"}``.
* ``POST /sim/balance`` ``{"balance"}`` - set the wallet balance.
* ``POST /sim/leverage`` ``{"symbol", "leverage"}``.
* ``POST /sim/fill-mode`` ``{"symbol"? (omitted = all), "mode": "normal"|"partial"|"none",
  "ratio"? (partial, 0 < ratio <= 1, default 0.5)}`` - then resting orders re-match.
* ``POST /sim/position`` ``{"symbol", "side": "long"|"short", "size", "price"? (default mark),
  "stop_loss"?}`` - seed a leg directly (size 0 removes it; one-way mode drops the other leg).
* ``POST /sim/faults`` ``{"rules": [rule, ...], "seed"?, "append"?}`` - replace (or append to)
  the fault rules; ``seed`` makes ``probability`` deterministic. ``DELETE /sim/faults`` clears
  them, ``GET /sim/faults`` lists them with how often each fired.
* ``GET /sim/state`` - balance, available, frozen, position margin, unrealized PnL, equity,
  positions (with ``stop_loss``), open orders, leverage, fill modes, top of each book.
* ``GET /sim/orders`` - every order accepted since the last reset (orderId, clientOid, symbol,
  side, tradeSide, reduceOnly, orderType, price, size, filled, state, presetStopLossPrice, ...).
* ``GET /sim/requests`` - requests per path and per "METHOD path", auth failures (total and by
  code), faults fired by kind. Control paths are not counted.

Faults
======

A rule: ``{"path": "/api/v2/mix/order/place-order" (exact, or a prefix ending in "*"),
"method"?: "POST", "kind", "times"?: n (then removed), "probability"?: 0..1, "delay"?: seconds,
"status"?: 500|502|503 (error_5xx), "body"?: "html"|"json" (error_5xx)}``. The first matching
rule that fires applies; ``/sim/...`` paths are never faulted.

* ``latency`` - sleep ``delay`` (default 0.5 s), then process normally.
* ``error_5xx`` - HTTP ``status`` (default 503) without processing; the body is an HTML gateway
  page by default (Bitget's gateway sometimes answers non-JSON) or, with ``"body": "json"``, the
  envelope with code = the status.
* ``rate_limit`` - HTTP 429 ``{"code":"429","msg":"Too Many Requests","data":null}`` without
  processing.
* ``timeout`` - sleep ``delay`` (default 10 s) BEFORE processing, then process: the client has
  given up, but the request takes effect (an ambiguous failure). A delay over 30 s makes the
  signed timestamp expire (40008).
* ``lost_reply`` - process the request (the order is placed), then shut the connection's socket
  down and send no HTTP response: the client sees a connection error. Needs werkzeug's server
  (``environ["werkzeug.socket"]``); elsewhere it sleeps ``delay`` (default 10 s) and then answers.

Paper mode and market data
==========================

``start_embedded_sim(market="live")`` (and ``--market live``) copies Bitget's public
``merge-depth`` (15 levels, no keys) for every contract every ~2 s; each refresh re-matches resting
orders. Without internet it logs one warning and the synthetic market stays. Only the contracts
above can be traded. ``start_embedded_sim(random_walk=True)`` lets a synthetic market drift.

Bitget's unified account (v3) is not served yet: the engine is API-neutral and keeps
``account_mode`` (``classic``/``uta``) so v3 routes can be added beside the v2 ones.
"""

from bitget.sim.app import create_sim_app

__all__ = ["create_sim_app"]
