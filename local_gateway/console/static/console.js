// The console page: a WebSocket client for the stage, the live connections and the
// functions' log lines. Plain browser APIs only (WebSocket, fetch, EventSource); every
// value from the network is put on the page as text, never as HTML.
"use strict";

const MAX_FRAMES = 2000;
const MAX_LOG_LINES = 5000;
const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);

let socket = null;
let refreshTimer = null;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function keepBottom(scroller, append) {
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 24;
  append();
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

function trim(container, max) {
  while (container.childElementCount > max) container.firstElementChild.remove();
}

// One row of the frame list: "out" (sent), "in" (received) or "event" (open, close, error).
function addFrame(direction, text) {
  const body = $("frames").tBodies[0];
  const now = new Date();
  const row = document.createElement("tr");
  row.dataset.direction = direction;
  const time = cell(now.toISOString().slice(11, 23));
  time.title = now.toISOString();
  const arrow = { out: "\u2192 out", in: "\u2190 in", event: "\u2022" }[direction];
  row.append(time, cell(arrow, "direction"), cell(text, "data"));
  keepBottom(body.closest(".scroll"), () => body.append(row));
  trim(body, MAX_FRAMES);
}

function setStatus(state, text) {
  const status = $("status");
  status.dataset.state = state;
  status.textContent = text;
  const open = state === "open";
  $("send").disabled = !open;
  $("disconnect").disabled = !(open || state === "connecting");
  $("reconnect").disabled = state === "connecting";
  $("connect").disabled = open || state === "connecting";
}

// The URL the client connects to: the stage URL plus the query string, if any.
function targetUrl() {
  const url = new URL($("url").value.trim());
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new Error("the stage URL must start with ws:// or wss://");
  }
  const query = $("query").value.trim().replace(/^\?/, "");
  if (query) url.search = query;
  return url.toString();
}

function connect() {
  let url;
  try {
    url = targetUrl();
  } catch (error) {
    addFrame("event", `not connected: ${error.message}`);
    return;
  }
  let ws;
  try {
    ws = new WebSocket(url); // a URL outside the page's policy may throw here
  } catch (error) {
    addFrame("event", `not connected: ${error.message}`);
    return;
  }
  socket = ws;
  setStatus("connecting", "connecting…");
  addFrame("event", `connecting to ${url}`);
  ws.onopen = () => {
    if (socket !== ws) return;
    setStatus("open", `connected to ${url}`);
    addFrame("event", "open");
    refreshConnections();
  };
  ws.onmessage = (message) => {
    const data = typeof message.data === "string" ? message.data : "(binary message)";
    addFrame("in", data);
  };
  ws.onerror = () => addFrame("event", "error (the browser gives no details; see the close below)");
  ws.onclose = (close) => {
    const reason = close.reason ? ` ${close.reason}` : "";
    addFrame("event", `close ${close.code}${reason}${close.wasClean ? "" : " (not clean)"}`);
    if (socket === ws) {
      socket = null;
      setStatus("closed", `closed (${close.code})`);
    }
    refreshConnections();
  };
}

function disconnect() {
  if (socket) socket.close(1000, "Closed from the console");
}

function reconnect() {
  if (socket) {
    const old = socket;
    socket = null;
    old.close(1000, "Reconnecting");
  }
  connect();
}

function send() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const text = $("message").value;
  socket.send(text);
  addFrame("out", text);
}

// An ISO 8601 time from @connections as its time of day (UTC); the whole of it on hover.
function timeCell(iso) {
  const td = cell(iso ? iso.slice(11, 23) : "", "time");
  if (iso) td.title = iso;
  return td;
}

// The table item's attributes other than its key, one per line: "(no item)" when the
// connection is not in the table (its $connect stores nothing, or is still running).
function itemText(row) {
  if (!row.item) return "(no item)";
  return Object.entries(row.item)
    .filter(([name]) => name !== "connectionId")
    .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
    .join("\n");
}

function connectionRow(row) {
  const tr = document.createElement("tr");
  tr.dataset.connectionId = row.connectionId;
  const described = row.management.body || {};
  const identity = described.identity || {};
  tr.append(
    cell(row.connectionId, "id"),
    cell(row.management.status === 200 ? "200" : `${row.management.status} (${row.state})`),
    timeCell(described.connectedAt),
    timeCell(described.lastActiveAt),
    cell(identity.sourceIp || ""),
    cell(identity.userAgent || "", "agent"),
    cell(itemText(row), "item"),
  );
  const actions = document.createElement("td");
  actions.className = "actions";
  const logs = document.createElement("button");
  logs.type = "button";
  logs.textContent = "Logs";
  logs.className = "logs";
  logs.onclick = () => {
    $("log-filter").value = row.connectionId;
    filterLogs();
  };
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.className = "close";
  close.disabled = row.management.status !== 200;
  close.onclick = () => deleteConnection(row.connectionId);
  actions.append(logs, close);
  tr.append(actions);
  return tr;
}

async function refreshConnections() {
  try {
    const response = await fetch("/_console/connections", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { connections } = await response.json();
    $("connections").tBodies[0].replaceChildren(...connections.map(connectionRow));
    $("connections-status").textContent =
      `${connections.length} at ${new Date().toISOString().slice(11, 19)}`;
  } catch (error) {
    $("connections-status").textContent = `could not list: ${error.message}`;
  }
}

async function deleteConnection(connectionId) {
  const response = await fetch(`/_console/connections/${encodeURIComponent(connectionId)}`, {
    method: "DELETE",
  });
  $("connections-status").textContent =
    response.status === 204 ? `closed ${connectionId}` : `${connectionId}: HTTP ${response.status}`;
  refreshConnections();
}

function autoRefresh() {
  clearInterval(refreshTimer);
  refreshTimer = $("auto-refresh").checked ? setInterval(refreshConnections, REFRESH_MS) : null;
}

// A log line as the gateway prints it: "[routeKey connectionId] text", where the text is
// often one of the handlers' JSON lines with a `level`.
// A JSON line is shown as "timestamp level [tag] message" and then its other fields.
function logLine(line) {
  const div = document.createElement("div");
  div.className = "line";
  div.title = line;
  div.textContent = line;
  const tagged = /^\[(\S+)(?: (\S+))?\] (.*)$/.exec(line);
  if (!tagged) return div;
  div.dataset.route = tagged[1];
  if (tagged[2]) div.dataset.connectionId = tagged[2];
  let fields;
  try {
    fields = JSON.parse(tagged[3]);
  } catch {
    return div; // Not a JSON line: print(), a traceback, a runtime message.
  }
  if (!fields || typeof fields !== "object" || typeof fields.level !== "string") return div;
  div.dataset.level = fields.level;
  const { timestamp = "", level, message = "", ...rest } = fields;
  const head = document.createElement("span");
  head.className = "head";
  head.textContent = `${timestamp} ${level} [${tagged[1]}${tagged[2] ? " " + tagged[2] : ""}] ${message}`;
  const extra = document.createElement("span");
  extra.className = "extra";
  extra.textContent = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
  div.replaceChildren(head, extra);
  return div;
}

function matches(div, filter) {
  return !filter || div.textContent.toLowerCase().includes(filter);
}

function filterLogs() {
  const filter = $("log-filter").value.trim().toLowerCase();
  for (const div of $("logs").children) div.hidden = !matches(div, filter);
}

function followLogs() {
  const source = new EventSource("/_console/logs");
  source.addEventListener("reset", () => $("logs").replaceChildren());
  source.onopen = () => ($("logs-status").textContent = "live");
  source.onerror = () => ($("logs-status").textContent = "reconnecting…");
  source.onmessage = (message) => {
    const div = logLine(JSON.parse(message.data));
    div.hidden = !matches(div, $("log-filter").value.trim().toLowerCase());
    const logs = $("logs");
    keepBottom(logs, () => logs.append(div));
    trim(logs, MAX_LOG_LINES);
  };
}

async function init() {
  $("connect").onclick = connect;
  $("disconnect").onclick = disconnect;
  $("reconnect").onclick = reconnect;
  $("send").onclick = send;
  $("message").onkeydown = (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  };
  $("clear-frames").onclick = () => $("frames").tBodies[0].replaceChildren();
  $("clear-logs").onclick = () => $("logs").replaceChildren();
  $("log-filter").oninput = filterLogs;
  $("refresh").onclick = refreshConnections;
  $("auto-refresh").onchange = autoRefresh;
  const config = await (await fetch("/_console/config", { cache: "no-store" })).json();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  $("url").value = `${scheme}//${location.host}/${config.stage}`;
  $("table-name").textContent = config.connectionsTable;
  setStatus("closed", "not connected");
  document.body.dataset.ready = "true";
  followLogs();
  refreshConnections();
  autoRefresh();
}

init();
