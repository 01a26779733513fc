/// The web console: one self-contained page (inline CSS and JS, no CDN, no build step, works offline).
///
/// It reads the token from `#token=…` once (then keeps it in sessionStorage), loads loads and alerts over
/// the API, and follows the live stream (`EventSource`, resuming from the last seq it saw).
enum ConsolePage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tally console</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
header h1{font-size:1.1em;margin:0}
#status{font-size:.85em;padding:.15em .6em;border-radius:1em;background:#666}
#status.live{background:#2e7d32}#status.down{background:#c62828}
main{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:1em;padding:1em}
section{background:#fff;border-radius:6px;padding:.8em;box-shadow:0 1px 2px #0002}
h2{font-size:1em;margin:.2em 0 .6em}
#alerts{list-style:none;margin:0;padding:0;max-height:75vh;overflow:auto}
.alert{border-left:6px solid #999;padding:.4em .6em;margin:.3em 0;background:#fafafa}
.alert.critical{border-color:#c62828;background:#fdecea}.alert.warning{border-color:#f9a825;background:#fff8e1}
.alert.info{border-color:#1565c0}.alert.resolved{opacity:.55}
.alert .meta{font-size:.8em;color:#555}.alert button{margin:.3em .3em 0 0}
.progress{height:.7em;background:#e0e0e0;border-radius:.35em;overflow:hidden}
.progress div{height:100%;background:#2e7d32}
.load{margin-bottom:1em}
#devices td{padding:.15em .6em .15em 0}.dev-connected{color:#2e7d32}.dev-disconnected{color:#c62828;font-weight:bold}.dev-unbound{color:#8d6e00}
svg text{font-size:10px}
#login{display:none;gap:.5em}
</style></head>
<body>
<header><h1>Tally console</h1><span id="status">connecting</span>
<label><input type="checkbox" id="sound"> sound</label>
<span id="who"></span>
<form id="login"><input id="token" type="password" placeholder="token" size="30"><button>Use token</button></form>
</header>
<main>
<section><h2>Alerts</h2><ul id="alerts"></ul></section>
<section><h2>Loads</h2><div id="loads"></div><h2>Pallet weights (kg): expected vs measured</h2><div id="chart"></div>
<h2>Devices</h2><table id="devices"><tbody></tbody></table></section>
</main>
<script>
"use strict";
const api = "/api/v1";
const m = location.hash.match(/token=([^&]+)/);
if (m) { sessionStorage.setItem("tallyToken", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
let token = sessionStorage.getItem("tallyToken") || "";
let role = "viewer", lastSeq = 0, source = null, audio = null, openedAt = 0;
const alerts = new Map();
const $ = id => document.getElementById(id);
function esc(s){return String(s==null?"":s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));}
async function call(method, path, body){
  const r = await fetch(api + path, {method, headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body)});
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.error || r.status);
  return j;
}
function beep(){
  if (!$("sound").checked) return;
  try { audio = audio || new AudioContext(); const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; g.gain.value = 0.1; o.connect(g); g.connect(audio.destination); o.start(); o.stop(audio.currentTime + 0.2);
  } catch (e) {}
}
function renderAlert(a){
  let li = document.querySelector('li[data-alert="' + a.id + '"]');
  const fresh = !li;
  if (fresh) { li = document.createElement("li"); li.dataset.alert = a.id; }
  li.className = "alert " + a.severity + " " + a.state;
  li.dataset.code = a.code; li.dataset.state = a.state; li.dataset.seq = a.seq;
  let h = '<b>#' + a.id + ' ' + esc(a.code) + '</b> <span class="state">' + esc(a.state) + '</span><div>' + esc(a.message) + '</div>' +
    '<div class="meta">' + esc(a.load || "") + ' ' + esc(a.station || "") + ' seq ' + a.seq + '</div>';
  if (role === "supervisor" && a.state !== "resolved") {
    if (a.state === "open") h += '<button data-ack="' + a.id + '">Acknowledge</button>';
    h += '<select data-reason="' + a.id + '"><option>rescanned</option><option>removed-from-load</option><option>moved</option>' +
      '<option>found</option><option>manifest-corrected</option><option>reweighed</option><option>sanitization-verified</option>' +
      '<option>false-alarm</option><option>accepted</option><option>other</option></select>' +
      '<input data-note="' + a.id + '" placeholder="note"><button data-resolve="' + a.id + '">Resolve</button>';
  }
  li.innerHTML = h;
  if (fresh) $("alerts").prepend(li);
}
function renderLoads(loads){
  $("loads").innerHTML = loads.map(l => '<div class="load" data-load="' + esc(l.id) + '"><b>' + esc(l.id) + '</b>' + (l.sealed ? ' (sealed)' : '') +
    ' <span class="counts">' + l.scanned + ' / ' + l.expected + ' assets, ' + l.palletsWeighed + ' / ' + l.pallets + ' pallets weighed, ' +
    l.openAlerts + ' open alerts</span><div class="progress"><div style="width:' + (l.expected ? 100 * l.scanned / l.expected : 0) + '%"></div></div></div>').join("");
}
function renderChart(details){
  const rows = [];
  for (const d of details) for (const p of d.pallets) rows.push(p);
  const max = Math.max(1, ...rows.map(p => Math.max(p.expectedWeight ? p.expectedWeight.kilograms : 0, p.measuredWeight ? p.measuredWeight.kilograms : 0)));
  const bh = 14, gap = 12, w = 420, lw = 130;
  let s = '<svg id="weights" width="' + (w + lw + 60) + '" height="' + (rows.length * (2 * bh + gap) + 10) + '" role="img">';
  rows.forEach((p, i) => {
    const y = i * (2 * bh + gap), e = p.expectedWeight ? p.expectedWeight.kilograms : 0, mw = p.measuredWeight ? p.measuredWeight.kilograms : 0;
    const colour = p.withinTolerance === false ? "#c62828" : "#2e7d32";
    s += '<text x="0" y="' + (y + bh) + '">' + esc(p.id.slice(-8)) + '</text>' +
      '<rect class="expected" x="' + lw + '" y="' + y + '" width="' + (w * e / max) + '" height="' + bh + '" fill="#90a4ae"></rect>' +
      '<text x="' + (lw + w * e / max + 4) + '" y="' + (y + bh - 3) + '">' + (e ? e : "?") + '</text>' +
      '<rect class="measured" data-pallet="' + esc(p.id) + '" x="' + lw + '" y="' + (y + bh) + '" width="' + (w * mw / max) + '" height="' + bh + '" fill="' + colour + '"></rect>' +
      '<text x="' + (lw + w * mw / max + 4) + '" y="' + (y + 2 * bh - 3) + '">' + (mw ? mw : "not weighed") + '</text>';
  });
  $("chart").innerHTML = s + '</svg>';
}
function renderDevices(list){
  $("devices").tBodies[0].innerHTML = list.length ? list.map(d => '<tr data-device="' + esc(d.identity) + '" data-state="' + esc(d.state) + '">' +
    '<td class="dev-' + esc(d.state) + '">' + (d.state === "connected" ? "&#9679; " : "&#9675; ") + esc(d.state) + '</td><td><b>' + esc(d.identity) +
    '</b></td><td>' + esc(d.kind) + '</td><td>' + esc(d.station || "-") + '</td><td>' +
    (d.kind === "scale" ? d.weights + ' weights' : d.scans + ' scans') + (d.errors ? ', ' + d.errors + ' errors' : '') +
    '</td><td class="meta">' + esc(d.detail || "") + '</td></tr>').join("") : '<tr><td>no devices</td></tr>';
}
async function refreshDevices(){ try { renderDevices((await call("GET", "/devices")).devices); } catch (e) {} }
let refreshing = null;
function refreshLoads(){
  if (refreshing) return;
  refreshing = setTimeout(async () => {
    refreshing = null;
    try { const l = await call("GET", "/loads"); renderLoads(l.loads);
      renderChart(await Promise.all(l.loads.map(x => call("GET", "/loads/" + encodeURIComponent(x.id)))));
    } catch (e) {}
  }, 150);
}
function connect(){
  if (source) source.close();
  source = new EventSource(api + "/stream?token=" + encodeURIComponent(token) + "&lastEventId=" + lastSeq);
  source.onopen = () => { openedAt = performance.now(); document.body.dataset.streamOpen = "1"; $("status").textContent = "live"; $("status").className = "live"; };
  source.onerror = () => { $("status").textContent = "reconnecting"; $("status").className = "down"; };
  source.addEventListener("custody", ev => {
    const msg = JSON.parse(ev.data);
    lastSeq = Math.max(lastSeq, msg.seq);
    for (const a of msg.alerts) { alerts.set(a.id, a); renderAlert(a); if (a.severity === "critical") beep();
      // How long after the stream opened the alert was shown (an upper bound on event-to-screen latency
      // when the event happens right after the page connects, as in the browser test).
      document.querySelector('li[data-alert="' + a.id + '"]').dataset.sinceOpen = Math.round(performance.now() - openedAt); }
    for (const a of msg.changedAlerts) { alerts.set(a.id, a); renderAlert(a); }
    refreshLoads();
    if (msg.type === "device-disconnected" || msg.type === "scan" || msg.type === "weight") refreshDevices();
  });
}
document.addEventListener("click", async ev => {
  const t = ev.target;
  try {
    if (t.dataset.ack) await call("POST", "/alerts/" + t.dataset.ack + "/acknowledge", {});
    if (t.dataset.resolve) { const id = t.dataset.resolve;
      await call("POST", "/alerts/" + id + "/resolve", {reason: document.querySelector('[data-reason="' + id + '"]').value,
        note: document.querySelector('[data-note="' + id + '"]').value || undefined}); }
  } catch (e) { alert(e.message); }
});
$("login").addEventListener("submit", ev => { ev.preventDefault(); token = $("token").value.trim();
  sessionStorage.setItem("tallyToken", token); start(); });
async function start(){
  if (!token) { $("login").style.display = "flex"; $("status").textContent = "no token"; return; }
  try {
    const me = await call("GET", "/me"); role = me.role; $("who").textContent = me.name + " (" + me.role + ")";
    $("login").style.display = "none";
    const h = await call("GET", "/health"); lastSeq = h.lastSeq;
    const a = await call("GET", "/alerts");
    $("alerts").innerHTML = ""; for (const x of a.alerts) renderAlert(x);
    refreshLoads();
    refreshDevices(); setInterval(refreshDevices, 3000);
    connect();
  } catch (e) { $("status").textContent = "error: " + e.message; $("status").className = "down"; $("login").style.display = "flex"; }
}
start();
</script>
</body></html>
"""#
}
