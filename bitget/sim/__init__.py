"""A Bitget-compatible exchange simulator: USDT-M perpetual futures over real HTTP, for a classic
account (the v2 API) or a Unified Trading Account (the v3 API), on one matching engine.

It stands in for Bitget in paper mode, in the integration tests and in offline trials. It is an
independent check of the service's client: it shares no code with ``bitget.client`` /
``bitget.auth`` / ``trading.models`` / ``bitget.errors`` and verifies signatures from scratch.

Running it
==========

* Stand-alone: ``python -m bitget.sim --host 127.0.0.1 --port 9000`` (threaded werkzeug server;
  logs one line with the URL and the accepted API key, never the secret). Options:
  ``--balance N``, ``--position-mode one_way_mode|hedge_mode``, ``--account-mode classic|uta``,
  ``--market synthetic|live`` (default synthetic), ``--log-level``.
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
SIM_ACCOUNT_MODE    ``classic``         ``classic`` (v2 API) or ``uta`` (v3 API); also the
                                        mode ``/sim/reset`` returns to when given none
==================  ==================  ==================================================

The account starts as a *classic* account (``account_mode="classic"``, unless SIM_ACCOUNT_MODE
says ``uta``) with 10000 USDT, one-way position mode, crossed margin and leverage 10 on every
symbol, no orders, no positions, and a synthetic book per contract.

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
multiple of sizeMultiplier), 41103 (price off the tick), 45035 (presetStopLossPrice off the
tick), 43118 (clientOid
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
  counters; omitted values take the defaults above (``account_mode``: SIM_ACCOUNT_MODE).
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
  ``side``/``tradeSide`` use the engine's (v2) vocabulary whichever API placed the order;
  ``direction`` is the real trade direction (buy/sell) and ``api`` says ``v2`` or ``v3``.
* ``GET /sim/requests`` - requests per path and per "METHOD path", auth failures (total and by
  code), faults fired by kind, and per path how many carried the ``paptrading`` header
  (``paptrading_by_path``). Control paths are not counted.
* ``POST /sim/margin-mode`` ``{"symbol", "mode": "crossed"|"isolated"}`` (refused while busy).
* ``POST /sim/quirks`` / ``GET /sim/quirks`` - switch on Bitget's rarer replies: an order reply
  without ``orderId``, lookups that trail a new order, the duplicate-clientOid, final-order and
  position-mode codes, rejected and undocumented order states, restricted contracts, listing field
  overrides. Each switch, its codes and its effect: :mod:`bitget.sim.quirks`. ``/sim/reset`` clears
  them. With isolated margin in hedge mode, v2 ``set-leverage`` needs ``holdSide`` (or both
  ``longLeverage`` and ``shortLeverage``) and v3 needs ``posSide`` (40019 / 400172 otherwise).

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
* ``code`` - answer Bitget's envelope with the rule's ``code`` (``msg`` optional, HTTP ``status``
  default 400); with ``"process": true`` the request is carried out first (Bitget's 40010 "request
  timed out" and 40015 "system abnormal" can leave an order placed).
* ``lost_reply`` - process the request (the order is placed), then shut the connection's socket
  down and send no HTTP response: the client sees a connection error. Needs werkzeug's server
  (``environ["werkzeug.socket"]``); elsewhere it sleeps ``delay`` (default 10 s) and then answers.

Paper mode and market data
==========================

``start_embedded_sim(market="live")`` (and ``--market live``) copies Bitget's public
``merge-depth`` (15 levels, no keys) for every contract every ~2 s; each refresh re-matches resting
orders. Without internet it logs one warning and the synthetic market stays. Only the contracts
above can be traded. ``start_embedded_sim(random_walk=True)`` lets a synthetic market drift.

Unified Trading Account (v3)
============================

Start one with ``SIM_ACCOUNT_MODE=uta`` (or ``python -m bitget.sim --account-mode uta``), or at
any time with ``POST /sim/reset {"account_mode": "uta"}`` (``POST /sim/account-mode {"mode":
"uta"}`` switches without a reset). It is the same engine, account and books: a v3 order matches,
fills, pays fees, moves positions and obeys fill modes and faults exactly as a v2 order does, and
shows in ``/sim/state`` and ``/sim/orders`` (``"api": "v3"``). Only the paths, field names and
error codes differ. Source of the facts: Bitget's UTA API pages (``/api-doc/uta/...``) and the
project's ``docs/bitget-api-v3-uta.md``.

Which API answers: signed paths check the signature first, exactly as v2 (same headers, same
prehash, same 4000x codes, counted by ``/sim/requests``), then the account mode. A classic
account gets **40084** ("You are in Classic Account mode ...") on every signed v3 path; a unified
account gets **40085** on every signed v2 path. Both with HTTP **400**: Bitget sends these with a
non-2xx status whose exact value no source settles, and 400 is what every other refusal here
uses. Public paths (v2 and v3 market data, ``GET /api/v2/public/time``) answer in both modes; the
v2 time path is the shared server-time endpoint (the v3 time path is not simulated: sources
disagree on it).

Paths (``category`` must be exactly ``USDT-FUTURES``; anything else is 400172):

* ``GET /api/v3/market/instruments?category[&symbol]`` - a list: ``symbol``, ``baseCoin``,
  ``quoteCoin``, ``pricePrecision`` (= v2 pricePlace), ``priceMultiplier`` (the tick),
  ``quantityPrecision``, ``quantityMultiplier`` (the size step), ``minOrderQty``,
  ``minOrderAmount`` (USDT), ``maxOrderQty`` ``""`` (no limit), ``minLeverage``, ``maxLeverage``,
  ``status`` ``online``, ``type`` and ``symbolType`` ``perpetual``, fee rates, ...;
  ``quotePrecision`` is null as on Bitget's futures rows.
* ``GET /api/v3/market/tickers?category[&symbol]`` - always a list: ``lastPrice``,
  ``bid1Price``/``bid1Size``/``ask1Price``/``ask1Size``, ``markPrice``, ``indexPrice``, ...
* ``GET /api/v3/market/orderbook?category&symbol[&limit]`` - ``{"a": [[p, s], ...], "b": [...],
  "ts": "..."}``; levels are JSON numbers, best first; ``limit`` 1..200, default 5.
* ``GET /api/v3/account/settings`` - ``uid``, ``accountMode`` ``unified``, ``assetMode``
  ``multi_assets``, ``accountLevel`` ``basic``, ``holdMode``, ``stpMode`` ``none``,
  ``symbolConfigList`` (one row per contract: category, symbol, marginMode, leverage),
  ``coinConfigList`` ``[]`` (no spot-margin coins).
* ``GET /api/v3/account/assets`` - ``accountEquity`` = ``usdtEquity`` = ``effEquity`` = balance +
  unrealized PnL (USDT counts 1:1 as USD, no haircut), ``unrealisedPnl``, ``imr`` (position +
  order margin), ``mmr`` (0.4 % of position value), and ``assets: [{coin "USDT", equity,
  usdValue, balance, available, locked (order margin), debt, bonus}]`` (empty list at zero).
* ``GET /api/v3/position/current-position?category[&symbol][&posSide]`` - ``{"list": [...]}`` or
  ``{"list": null}`` when flat. Rows: ``posSide``, ``total``, ``available``, ``frozen`` (held by
  resting closes), ``avgPrice``, ``leverage``, ``marginMode``, ``holdMode``, ``markPrice``,
  ``unrealisedPnl``, ``curRealisedPnl``, ``positionBalance`` (margin), ``openFeeTotal`` /
  ``closeFeeTotal`` (negative: paid), ... One-way positions also carry ``posSide`` long/short.
* ``POST /api/v3/account/set-leverage`` ``{category, symbol, leverage, marginMode?, posSide?}``
  - ``"success"``. Above maxLeverage 25223; fractional or below minLeverage 400172. A
  ``marginMode`` different from the symbol's switches it (refused with 25107 while the symbol has
  a position or order). One leverage per symbol: ``posSide``/``longLeverage``/``shortLeverage``
  are accepted and do not split it.
* ``POST /api/v3/account/set-hold-mode`` ``{holdMode}`` - ``"success"``; account-wide; refused
  with 25010 while any position or resting order exists (as v2 refuses with 40920).
* ``POST /api/v3/trade/place-order`` ``{category, symbol, qty, side, orderType, price?,
  timeInForce?, posSide?, reduceOnly?, marginMode?, clientOid?, stopLoss?, takeProfit?, ...}`` -
  ``{"orderId", "clientOid"}``. Enums are lower-case and matched exactly (``"YES"`` or
  ``"Buy"`` is 400172). See the order rules below.
* ``POST /api/v3/trade/cancel-order`` ``{orderId | clientOid, category?, symbol?}`` (orderId
  wins) - ``{"orderId", "clientOid"}``. Unknown, filled or cancelled, or a ``symbol`` that is not
  the order's: 25204.
* ``GET /api/v3/trade/order-info?orderId|clientOid`` - one order; unknown 25204; neither given
  400172. No symbol or category needed.
* ``GET /api/v3/trade/unfilled-orders?[category][&symbol][&limit][&cursor][&startTime][&endTime]``
  and ``GET /api/v3/trade/history-orders?category[&...]`` (category required there) -
  ``{"list": [...], "cursor": ...}`` newest first; ``limit`` 1..100 (default 100); ``cursor`` is
  the last orderId of a page when more rows follow (pass it back for the next page) and null on
  the last page; an empty page is ``{"list": null, "cursor": null}``.
* ``POST /api/v3/trade/close-positions`` ``{category, symbol?, posSide?}`` - market-closes the
  chosen legs (``posSide`` filters in both modes) - ``{"list": [{orderId, clientOid, code
  "00000", msg "success"}, ...]}``; nothing to close 25227.

Order rules. ``side`` is the real trade direction; in hedge mode ``posSide`` names the position:
open long buy+long, open short sell+short, **close long sell+long**, close short buy+short (v2's
hedge close was buy+close for a long: the side flips). In one-way mode close long is sell +
``reduceOnly: "yes"`` and close short buy + ``reduceOnly: "yes"``; a plain opposite order nets
and may flip, as in v2. The engine receives the v2 form (``bitget.sim.v3_orders``). Checks, in
order, with the codes chosen:

=======  ======================================================================================
25236    (Bitget: "Incorrect position open type") a v2-only field ``holdSide``, ``oneWayMode`` or
         ``tradeSide`` is present; hedge mode without ``posSide``; ``posSide`` in one-way mode
         (refused rather than ignored: Bitget's docs say to leave it out, and a simulator that
         is stricter than the exchange cannot hide a client bug); hedge ``reduceOnly: "yes"``
         on a side/posSide pair that opens (on a closing pair it is accepted and shown).
400172   a parameter is missing or bad (also ``category``, lower-case enums, a ``clientOid``
         not matching ``^[.A-Za-z:/0-9_-]{1,32}$``, a ``marginMode`` other than the symbol's
         current one - switch it with set-leverage first), and a ``qty`` that is not a
         positive multiple of ``quantityMultiplier`` (Bitget's error-code page has no code
         for the quantity step outside its TP/SL block; 400172 is the v3 parameter error).
25244    price not a multiple of ``priceMultiplier`` ("Price should be a multiple of ...").
25603 /  ``stopLoss`` / ``takeProfit`` not > 0; 25607 / 25606 when off the price step.
25602
25612    ``stopLoss``/``takeProfit`` on a closing order ("Only opening orders are allowed to
         have preset take-profit and stop-loss").
25100    unknown symbol ("Trading pair ... does not exist").
25212    ``clientOid`` used by any order since the last reset ("Duplicate clientOid", from
         Bitget's UTA error-code page; v2's 43118 is never sent on v3).
25227    a close with nothing closable ("No position available to close"; the UTA WebSocket
         page's 22002 is not used on REST).
25207    ``qty`` below ``minOrderQty``; 25611 when ``qty`` x price is below ``minOrderAmount``
         (a market order is priced by walking the book).
25590 /  ``stopLoss`` not below (long) / above (short) the mark price. The check is against the
25592    mark price whatever ``slTriggerBy`` says, and order rows show ``slTriggerBy "mark"``.
25203    not enough available USDT for margin + taker fee ("Insufficient margin"; 25202,
         "Insufficient balance", is for spot-style debits and not used here).
=======  ======================================================================================

Cancel/lookup codes: 25204 ("Order does not exist") for both an unknown order and one that is
already filled or cancelled; 22001 appears only in Bitget's WebSocket table. Code mapping lives in
``bitget.sim.codes_v3``: the engine raises its v2 codes, the v3 routes translate them.

Order rows (order-info, unfilled-orders, history-orders): ``side`` is the real direction,
``posSide`` the position (one-way: the leg the order opens or closes), ``holdMode``,
``tradeSide`` from Bitget's enumeration (``open_long``/``close_long``/``open_short``/
``close_short`` in hedge mode, ``buy_single``/``sell_single`` one-way), ``reduceOnly``
upper-case ``YES``/``NO`` (as sent: a hedge close without the flag reads ``NO``), ``qty``,
``cumExecQty``, ``cumExecValue``, ``avgPrice`` (``"0"`` before a fill), ``price`` (``"0"`` for
market orders), ``orderStatus`` ``live``/``partially_filled``/``filled``/``cancelled`` (two l's),
``feeDetail`` ``[{"feeCoin": "USDT", "fee": "<paid, positive>"}]`` (``[{"feeCoin": null, "fee":
null}]`` before a fill), ``stopLoss``/``takeProfit`` (``""`` when unset; their trigger/type
fields null), ``cancelReason`` (``normal_cancel``, ``ioc_not_full_cancel``,
``fok_not_full_cancel``, ``post_only_fill_cancel``, else the simulator's own reason),
``createdTime``/``updatedTime``.

Simplifications: one-way reduce-only orders that together exceed the position are capped (Bitget
cancels the older ones instead); no ``/api/v3/trade/fills``, batch, modify or strategy-order
paths; ``stpMode`` and the TP/SL trigger fields are validated but have no effect.
"""

from bitget.sim.app import create_sim_app

__all__ = ["create_sim_app"]
