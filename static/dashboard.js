/* The dashboard: reads the service's JSON routes (same origin only) and draws them.
 * Money arrives as decimal strings and is shown as sent; numbers are parsed only to place chart points.
 * Every value from the service is written with textContent, never as HTML. */
"use strict";

(function () {
  const REFRESH_MS = 5000;
  const PAGE_SIZE = 50;
  const MODE_WORDS = {
    paper: "simulated exchange, no real orders",
    demo: "Bitget demo trading, no real money",
    live: "REAL ORDERS, real money",
  };
  const STEP_WORDS = { c: "close (limit)", o: "open (limit)", m: "close (market)", k: "open (market)", t: "trailing stop" };

  const $ = (id) => document.getElementById(id);
  const state = { token: null, cursor: null, filters: {}, timer: null, busy: false, switchOn: null, authNeeded: false, chart: null };

  // -- helpers ------------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function cell(label, value, cls) {
    return el("td", { "data-label": label, class: cls }, value === null || value === undefined ? "" : value);
  }

  function time(epoch) {
    if (epoch === null || epoch === undefined || epoch === "") return "";
    const d = new Date(Number(epoch) * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function signClass(amount) {
    if (amount === null || amount === undefined || amount === "") return null;
    const text = String(amount).trim();
    if (/^-/.test(text)) return "neg";
    return /[1-9]/.test(text) ? "pos" : null;
  }

  function money(amount) {
    if (amount === null || amount === undefined || amount === "") return "–";
    const text = String(amount);
    return signClass(text) === "pos" && !text.startsWith("+") ? `+${text}` : text;
  }

  function notice(text, isError) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("error", Boolean(isError));
  }

  // -- the service ------------------------------------------------------------------------------

  class AuthNeeded extends Error {
    constructor(reply) {
      super(reply.error || "admin token needed");
      this.reply = reply;
    }
  }

  async function api(path, options) {
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    const init = { credentials: "same-origin", cache: "no-store", headers, ...(options || {}) };
    if (init.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(init.body);
    }
    const reply = await fetch(path, init);
    let body = null;
    try {
      body = await reply.json();
    } catch (err) {
      body = { error: `unexpected reply (${reply.status})` };
    }
    if (reply.status === 401 || reply.status === 403) throw new AuthNeeded(body || {});
    if (!reply.ok && path !== "/healthz") {
      const error = new Error((body && body.error) || `HTTP ${reply.status}`);
      error.reply = body;
      throw error;
    }
    return body;
  }

  function loadToken() {
    state.token = sessionStorage.getItem("admin_token") || localStorage.getItem("admin_token");
  }

  function showAuth(reply) {
    state.authNeeded = true;
    $("auth").hidden = false;
    const code = reply && reply.code;
    let words = "This page reads the service's history with ADMIN_TOKEN: paste it below.";
    if (code === "admin-token-not-set") {
      words = "ADMIN_TOKEN is not set on the service. Set ADMIN_TOKEN (16+ characters, not the webhook token) " +
        "in its environment or .env and restart it; then paste the token below.";
    } else if (code === "invalid-admin-token") {
      words = "That token was refused. Paste ADMIN_TOKEN again.";
    } else if (code === "webhook-token-not-admin") {
      words = "That is the webhook token, which never opens the dashboard. Paste ADMIN_TOKEN.";
    } else if (reply && reply.error) {
      words = `${reply.error}.`;
    }
    $("auth-message").textContent = words;
  }

  // -- drawing ----------------------------------------------------------------------------------

  function drawHealth(health) {
    const mode = String(health.mode || "").toLowerCase();
    const banner = $("banner");
    banner.className = `banner mode-${MODE_WORDS[mode] ? mode : "unknown"}`;
    banner.dataset.mode = mode;
    $("mode-name").textContent = mode ? mode.toUpperCase() : "?";
    $("mode-words").textContent = MODE_WORDS[mode] || "";
    const pill = $("health");
    const exchange = health.exchange || {};
    const ok = health.status === "ok";
    pill.className = `pill ${ok ? "ok" : "bad"}`;
    pill.textContent = ok ? "exchange ok" : `exchange ${health.status || "unknown"}`;
    pill.title = exchange.last_error ? `last error: ${exchange.last_error}` : "exchange answers";
  }

  function drawAccount(account) {
    $("equity").textContent = account.equity ?? "–";
    $("available").textContent = account.available ?? "–";
    $("margin-coin").textContent = account.margin_coin || "";
  }

  function drawStats(stats) {
    const overall = (stats && stats.overall) || {};
    const realized = $("realized");
    realized.textContent = money(overall.realized_pnl);
    realized.className = `big ${signClass(overall.realized_pnl) || ""}`;
    $("trades-count").textContent = overall.trades ?? "–";
    const rate = overall.win_rate;
    $("win-rate").textContent = rate === null || rate === undefined || rate === "" ? "–" : `${(Number(rate) * 100).toFixed(0)}%`;
    $("fees").textContent = overall.fees ?? "–";
    const net = $("net-pnl");
    net.textContent = money(overall.net_pnl);
    net.className = signClass(overall.net_pnl) || "";
  }

  function drawSwitch(sw) {
    state.switchOn = Boolean(sw.enabled);
    const big = $("switch-state");
    big.textContent = sw.enabled ? "ON" : "OFF";
    big.className = `big ${sw.enabled ? "switch-on" : "switch-off"}`;
    const by = sw.changed_at ? ` · ${time(sw.changed_at)}${sw.changed_by ? ` by ${sw.changed_by}` : ""}` : "";
    $("switch-words").textContent = `${sw.describe || ""}${by}`;
    const button = $("switch-button");
    button.disabled = false;
    button.textContent = sw.enabled ? "Stop trading" : "Resume trading";
    button.className = sw.enabled ? "danger" : "safe";
  }

  function drawPositions(reply) {
    const body = $("positions").tBodies[0];
    const rows = (reply.positions || []).map((p) => {
      const close = el("button", { type: "button", class: "danger close-position", "data-symbol": p.symbol }, "Close");
      close.addEventListener("click", () => closePosition(p));
      const protection = [p.stop_loss ? `SL ${p.stop_loss}` : "", p.take_profit ? `TP ${p.take_profit}` : ""]
        .filter(Boolean).join(" · ");
      return el("tr", { "data-symbol": p.symbol },
        cell("Symbol", p.symbol, "mono"),
        cell("Side", p.side),
        cell("Size", p.size),
        cell("Entry", p.entry_price),
        cell("Mark", p.mark_price),
        cell("Unrealized PnL", money(p.unrealized_pnl), `upnl ${signClass(p.unrealized_pnl) || ""}`),
        cell("Leverage", p.leverage ? `${p.leverage}×` : ""),
        cell("Stop / target", protection),
        el("td", { "data-label": "" }, close));
    });
    body.replaceChildren(...rows);
    $("positions-empty").hidden = rows.length > 0;
  }

  function drawChart(reply) {
    const box = $("chart");
    const points = (reply.points || [])
      .map((p) => ({ at: Number(p.at), value: Number(p.realized_pnl_cum), text: p.realized_pnl_cum }))
      .filter((p) => Number.isFinite(p.at) && Number.isFinite(p.value));
    if (points.length === 0) {
      box.replaceChildren(el("p", { class: "empty" }, "No closed trade yet: the line starts with the first realized PnL."));
      return;
    }
    const ns = "http://www.w3.org/2000/svg";
    const svg = (tag, attrs, text) => {
      const node = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (text !== undefined) node.textContent = text;
      return node;
    };
    // Drawn at the box's own width, so labels keep their size on a phone and on a desktop.
    const W = Math.max(280, Math.round(box.clientWidth || 600)), H = 220, left = 56, right = 10, top = 12, bottom = 24;
    const series = points.length === 1 ? [{ ...points[0], at: points[0].at - 60, value: 0 }, points[0]] : points;
    const t0 = series[0].at, t1 = series[series.length - 1].at;
    let lo = Math.min(0, ...series.map((p) => p.value)), hi = Math.max(0, ...series.map((p) => p.value));
    if (hi === lo) { hi += 1; lo -= 1; }
    const x = (t) => left + ((t - t0) / Math.max(t1 - t0, 1)) * (W - left - right);
    const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (H - top - bottom);
    // A step line: realized PnL changes only when a trade closes.
    let path = `M${x(series[0].at).toFixed(1)},${y(series[0].value).toFixed(1)}`;
    for (let i = 1; i < series.length; i++) {
      path += ` H${x(series[i].at).toFixed(1)} V${y(series[i].value).toFixed(1)}`;
    }
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H });
    root.append(
      svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: H - bottom }),
      svg("line", { class: "axis", x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }),
      svg("line", { class: "zero", x1: left, x2: W - right, y1: y(0), y2: y(0) }),
      svg("path", { class: "line", d: path }),
      svg("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, String(Math.round(hi * 100) / 100)),
      svg("text", { x: left - 6, y: H - bottom, "text-anchor": "end" }, String(Math.round(lo * 100) / 100)),
      svg("text", { x: left, y: H - 6 }, time(t0)),
      svg("text", { x: W - right, y: H - 6, "text-anchor": "end" }, time(t1)),
    );
    for (const p of points) {
      const dot = svg("circle", { class: "dot", cx: x(p.at).toFixed(1), cy: y(p.value).toFixed(1), r: 3 });
      dot.append(svg("title", {}, `${time(p.at)}: ${p.text}`));
      root.append(dot);
    }
    const last = points[points.length - 1];
    box.replaceChildren(root, el("p", { class: "sub" }, `realized PnL less fees, added up: ${money(last.text)} after ${points.length} fill(s)`));
    state.chart = reply;
  }

  function signalRow(s) {
    const status = el("span", { class: `status status-${s.status}` }, s.status);
    const row = el("tr", { tabindex: "0", "data-id": s.signal_id, "data-status": s.status },
      cell("Time", time(s.received_at)),
      cell("Account", s.account || "", "col-account mono"),
      cell("Symbol", s.symbol || "–", "mono"),
      cell("Signal", [s.action, s.sentiment].filter(Boolean).join(" ") || (s.status === "refused" ? "refused request" : "")),
      el("td", { "data-label": "Status" }, status),
      cell("Side", s.side),
      cell("Size", s.side || /[1-9]/.test(s.filled_size || "") ? s.filled_size : ""),
      cell("Price", s.avg_price),
      cell("PnL", s.realized_pnl ? money(s.realized_pnl) : "", signClass(s.realized_pnl)),
      cell("Reason", [s.reason, s.note].filter(Boolean).join(" · ") + (s.source === "dashboard" ? " (dashboard)" : ""), "reason"));
    row.addEventListener("click", () => openDetail(s.signal_id));
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") openDetail(s.signal_id); });
    return row;
  }

  function drawSignals(reply, append) {
    const body = $("signals").tBodies[0];
    const signals = reply.signals || [];
    const rows = signals.map(signalRow);
    if (append) body.append(...rows); else body.replaceChildren(...rows);
    // The account column shows once a signal of a named account is listed (one account: nothing to tell).
    if (signals.some((s) => s.account && s.account !== "default")) $("signals").classList.add("accounts");
    state.cursor = reply.next_cursor || null;
    $("more").hidden = !state.cursor;
    $("signals-empty").hidden = body.rows.length > 0;
  }

  // -- the detail view --------------------------------------------------------------------------

  async function openDetail(id) {
    const dialog = $("detail");
    try {
      const s = await api(`/api/signals/${encodeURIComponent(id)}`);
      drawDetail(s);
      if (!dialog.open) dialog.showModal();
      if (location.hash !== `#signal=${id}`) history.replaceState(null, "", `#signal=${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof AuthNeeded) showAuth(err.reply); else notice(`Signal ${id}: ${err.message}`, true);
    }
  }

  function drawDetail(s) {
    $("detail-title").textContent = `Signal ${s.signal_id}`;
    const fields = [
      ["Status", s.status], ["Account", s.account], ["Symbol", s.symbol], ["Intent", s.intent],
      ["Received", time(s.received_at)],
      ["Reason", s.reason], ["Note", s.note], ["Code", s.code], ["HTTP status", s.http_status],
      ["Source", s.source], ["Repeats", s.repeats], ["Last seen", s.last_at ? time(s.last_at) : ""],
    ].filter(([, v]) => v !== null && v !== undefined && v !== "");
    $("detail-fields").replaceChildren(...fields.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
    const orders = (s.orders || []).map((o) => el("tr", {},
      cell("Step", STEP_WORDS[o.step] || o.step),
      cell("Side", `${o.reduce ? "close" : "open"} ${o.position_side}`),
      cell("Size", o.size),
      cell("Price", o.price || "market"),
      cell("Filled", o.avg_price ? `${o.filled} @ ${o.avg_price}` : o.filled),
      cell("State", o.state),
      cell("Fee", o.fee),
      cell("PnL", o.realized_pnl ? money(o.realized_pnl) : "", signClass(o.realized_pnl)),
      cell("clientOid", o.client_oid, "mono")));
    $("detail-orders").tBodies[0].replaceChildren(...orders);
    $("detail-orders").hidden = orders.length === 0;
    $("detail-no-orders").hidden = orders.length > 0;
    const steps = (s.timeline || []).map((t) => {
      const detail = describeDetail(t.detail);
      return el("li", {}, el("span", { class: "when" }, time(t.at)), `${t.event}${detail ? `: ${detail}` : ""}`);
    });
    $("detail-timeline").replaceChildren(...(steps.length ? steps : [el("li", { class: "empty" }, "no timeline recorded")]));
    const body = $("detail-body");
    body.hidden = !s.body;
    body.textContent = s.body ? `Request body as received (token removed):\n${s.body}` : "";
  }

  function describeDetail(detail) {
    if (detail === null || detail === undefined) return "";
    if (typeof detail !== "object") return String(detail);
    return Object.entries(detail)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`)
      .join(" · ");
  }

  function closeDetail() {
    const dialog = $("detail");
    if (dialog.open) dialog.close();
  }

  // -- controls (always confirmed first) ---------------------------------------------------------

  function confirmAction(title, text, okWords) {
    const dialog = $("confirm");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = okWords;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    });
  }

  async function toggleSwitch() {
    const turnOn = !state.switchOn;
    const ok = await confirmAction(
      turnOn ? "Resume trading?" : "Stop trading?",
      turnOn
        ? "Signals will be sent to the exchange again, starting with the next one."
        : "Nothing more will be sent to the exchange: new and queued signals are journaled as rejected. Open positions stay open.",
      turnOn ? "Resume trading" : "Stop trading");
    if (!ok) return;
    try {
      drawSwitch(await api("/api/control/trading", { method: "POST", body: { enabled: turnOn } }));
      notice(turnOn ? "Trading resumed." : "Trading stopped: nothing will be sent to the exchange.");
    } catch (err) {
      if (err instanceof AuthNeeded) showAuth(err.reply); else notice(`The switch was not changed: ${err.message}`, true);
    }
    refresh();
  }

  async function closePosition(p) {
    const ok = await confirmAction(
      `Close ${p.symbol}?`,
      `This sends a closing order for the ${p.side} position of ${p.size} ${p.symbol} ` +
        `(unrealized PnL ${money(p.unrealized_pnl)}). It is journaled as a signal from the dashboard.`,
      "Close position");
    if (!ok) return;
    try {
      const reply = await api(`/api/positions/${encodeURIComponent(p.symbol)}/close`, { method: "POST", body: { confirm: true } });
      const words = (reply.signals || []).map((s) => `${s.signal_id} ${s.status}${s.reason ? ` (${s.reason})` : ""}`).join(", ");
      notice(`Closing ${p.symbol}: signal ${words}.`);
    } catch (err) {
      if (err instanceof AuthNeeded) showAuth(err.reply); else notice(`${p.symbol} not closed: ${err.message}`, true);
    }
    refresh();
  }

  // -- refresh ----------------------------------------------------------------------------------

  function signalsQuery(cursor) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
    if (cursor) params.set("cursor", cursor);
    return `/api/signals?${params}`;
  }

  async function refresh() {
    if (state.busy) return;
    state.busy = true;
    try {
      drawHealth(await api("/healthz"));
      const parts = [
        ["/api/control/trading", drawSwitch],
        ["/api/positions", drawPositions],
        ["/api/account", drawAccount],
        ["/api/stats", drawStats],
        ["/api/equity", drawChart],
        [signalsQuery(null), (r) => drawSignals(r, false)],
      ];
      const results = await Promise.allSettled(parts.map(([path]) => api(path)));
      const problems = [];
      results.forEach((result, i) => {
        if (result.status === "fulfilled") parts[i][1](result.value);
        else if (result.reason instanceof AuthNeeded) problems.push(result.reason);
        else problems.push(new Error(`${parts[i][0].split("?")[0]}: ${result.reason.message}`));
      });
      const auth = problems.find((p) => p instanceof AuthNeeded);
      if (auth) showAuth(auth.reply);
      else { state.authNeeded = false; $("auth").hidden = true; }
      const other = problems.filter((p) => !(p instanceof AuthNeeded));
      if (other.length) notice(other.map((p) => p.message).join("; "), true);
      $("updated").textContent = `updated ${time(Date.now() / 1000).slice(11)}`;
    } catch (err) {
      if (err instanceof AuthNeeded) showAuth(err.reply);
      else notice(`The service does not answer: ${err.message}`, true);
    } finally {
      state.busy = false;
    }
  }

  function schedule() {
    clearInterval(state.timer);
    state.timer = $("auto-refresh").checked ? setInterval(refresh, REFRESH_MS) : null;
  }

  function readFilters() {
    state.filters = {
      symbol: $("f-symbol").value.trim().toUpperCase(),
      account: $("f-account").value.trim().toLowerCase(),
      status: $("f-status").value,
      q: $("f-q").value.trim(),
    };
  }

  function start() {
    loadToken();
    $("auth-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.token = $("auth-token").value.trim();
      sessionStorage.setItem("admin_token", state.token);
      if ($("auth-remember").checked) localStorage.setItem("admin_token", state.token);
      else localStorage.removeItem("admin_token");
      $("auth-token").value = "";
      refresh();
    });
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      readFilters();
      refresh();
    });
    $("filters").addEventListener("reset", () => {
      state.filters = {};
      setTimeout(refresh, 0);
    });
    $("more").addEventListener("click", async () => {
      try { drawSignals(await api(signalsQuery(state.cursor)), true); } catch (err) { notice(err.message, true); }
    });
    $("switch-button").addEventListener("click", toggleSwitch);
    $("auto-refresh").addEventListener("change", schedule);
    $("detail-close").addEventListener("click", closeDetail);
    let width = window.innerWidth;
    window.addEventListener("resize", () => {
      if (state.chart && Math.abs(window.innerWidth - width) > 20) { width = window.innerWidth; drawChart(state.chart); }
    });
    $("detail").addEventListener("close", () => {
      if (location.hash.startsWith("#signal=")) history.replaceState(null, "", location.pathname + location.search);
    });
    const linked = /^#signal=(.+)$/.exec(location.hash);
    refresh().then(() => { if (linked) openDetail(decodeURIComponent(linked[1])); });
    schedule();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
