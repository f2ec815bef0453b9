// The admin page's HTML and script, served as they are (no build step).
export const ADMIN_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Metronome admin</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.paused{color:#a60}.active{color:#070}.failed,.missed{color:#b00}.completed,.ran{color:#070}.skipped{color:#777}
button{margin:0 .15rem .15rem 0}#message{min-height:1.2em;color:#06c}input{margin-right:.5rem}
</style></head>
<body>
<h1>Metronome — schedules</h1>
<form id="login">
  <label>API token <input id="token" type="password" size="30" autocomplete="off"></label>
  <label>Organisation <input id="org" size="16"></label>
  <button type="submit" id="load">Load</button>
</form>
<p id="message" role="status"></p>
<h2>Organisation schedules</h2>
<table id="schedules"><thead><tr><th>Name</th><th>Cron</th><th>Zone</th><th>Status</th><th>Next run</th><th>Last result</th><th>Actions</th></tr></thead><tbody></tbody></table>
<h2>Registered jobs</h2>
<div id="jobs">—</div>
<section id="details" hidden><h2 id="details-title">History</h2><p id="stats"></p>
<table id="history"><thead><tr><th>Slot (local)</th><th>Status</th><th>Detail</th></tr></thead><tbody></tbody></table></section>
<script src="/admin/app.js"></script>
</body></html>`;

export const ADMIN_JS = `'use strict';
const $ = (id) => document.getElementById(id);
const state = { token: localStorage.getItem('metronome.token') || '', org: localStorage.getItem('metronome.org') || '' };
$('token').value = state.token; $('org').value = state.org;

function say(text) { $('message').textContent = text; }
function esc(v) { return String(v ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';'); }

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: Object.assign({ authorization: 'Bearer ' + state.token }, body ? { 'content-type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const fields = data && data.fields ? ': ' + data.fields.map((f) => f.field + ' ' + f.message).join('; ') : '';
    const err = new Error(res.status + ' ' + ((data && data.error) || res.statusText) + fields); err.status = res.status; throw err;
  }
  return data;
}
const base = () => '/api/orgs/' + encodeURIComponent(state.org) + '/schedules';

async function loadSchedules() {
  const { schedules } = await api('GET', base());
  const rows = schedules.map((s) => {
    const next = s.nextRuns[0] ? s.nextRuns[0].local : (s.paused ? 'paused' : '—');
    const last = s.lastRun ? '<span class="' + esc(s.lastRun.status) + '">' + esc(s.lastRun.status) + '</span> ' + esc(s.lastRun.finishedAt) + (s.lastRun.error ? ' — ' + esc(s.lastRun.error) : '') : 'never ran';
    return '<tr data-id="' + esc(s.scheduleId) + '"><td>' + esc(s.name) + '</td><td><code>' + esc(s.cron) + '</code><br><small>' + esc(s.description) + '</small></td><td>' + esc(s.timeZone) + '</td>'
      + '<td class="status ' + (s.paused ? 'paused' : 'active') + '">' + (s.paused ? 'paused' : 'active') + '</td><td class="next">' + esc(next) + '</td><td class="last">' + last + '</td>'
      + '<td><button data-act="' + (s.paused ? 'unpause' : 'pause') + '">' + (s.paused ? 'Enable' : 'Disable') + '</button><button data-act="trigger">Trigger</button>'
      + '<button data-act="cron">Edit cron</button><button data-act="history">History</button></td></tr>';
  });
  document.querySelector('#schedules tbody').innerHTML = rows.join('') || '<tr><td colspan="7">no schedules</td></tr>';
}

async function loadJobs() {
  try {
    const data = await api('GET', '/api/jobs');
    const jobs = Array.isArray(data) ? data : (data.jobs || []);
    $('jobs').innerHTML = jobs.length ? '<table><tr><th>Job</th><th>Cron</th><th>Enabled</th></tr>' + jobs.map((j) => '<tr><td>' + esc(j.name) + '</td><td>' + esc(j.cronExpression || j.cron) + '</td><td>' + esc(j.enabled) + '</td></tr>').join('') + '</table>' : 'no registered jobs';
  } catch (e) {
    $('jobs').textContent = e.status === 404 ? 'the job registry is not available on this server' : 'jobs: ' + e.message;
  }
}

async function showHistory(id) {
  const to = new Date(); const from = new Date(to.getTime() - 24 * 3600 * 1000);
  const h = await api('GET', base() + '/' + id + '/history?from=' + from.toISOString() + '&to=' + to.toISOString());
  $('details').hidden = false;
  $('details-title').textContent = 'History of ' + id + ' (last 24 h, ' + h.timeZone + ')';
  $('stats').textContent = 'runs ' + h.stats.runs + ', succeeded ' + h.stats.succeeded + ', failed ' + h.stats.failed + ', average ' + (h.stats.averageDurationMs ?? '—') + ' ms; slots: ran ' + h.counts.ran + ', skipped ' + h.counts.skipped + ', missed ' + h.counts.missed + '; manual runs ' + h.manualRuns.length;
  document.querySelector('#history tbody').innerHTML = h.slots.map((s) => '<tr><td>' + esc(s.local) + '</td><td class="' + esc(s.status) + '">' + esc(s.status) + '</td><td>' + esc(s.reason || s.result || '') + '</td></tr>').join('') || '<tr><td colspan="3">no slot in the window</td></tr>';
}

document.querySelector('#schedules').addEventListener('click', async (event) => {
  const button = event.target.closest('button'); if (!button) return;
  const id = button.closest('tr').dataset.id; const act = button.dataset.act;
  try {
    if (act === 'pause' || act === 'unpause') { await api('POST', base() + '/' + id + '/' + act); say((act === 'pause' ? 'disabled ' : 'enabled ') + id); }
    else if (act === 'trigger') { const r = await api('POST', base() + '/' + id + '/trigger'); say('triggered: ' + r.workflowId); setTimeout(() => loadSchedules().catch((e) => say(e.message)), 1500); }
    else if (act === 'cron') { const cron = prompt('New cron for ' + id); if (!cron) return; await api('PATCH', base() + '/' + id, { cron }); say('cron updated'); }
    else if (act === 'history') { await showHistory(id); return; }
    await loadSchedules();
  } catch (e) { say(e.message); }
});

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('token').value.trim(); state.org = $('org').value.trim();
  localStorage.setItem('metronome.token', state.token); localStorage.setItem('metronome.org', state.org);
  $('details').hidden = true; say('loading…');
  try { await loadSchedules(); say('loaded'); } catch (e) {
    document.querySelector('#schedules tbody').innerHTML = '';
    say(e.message);
  }
  await loadJobs();
});
if (state.token && state.org) $('login').requestSubmit();
`;
