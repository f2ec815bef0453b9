// The admin page's HTML and script, served as they are (no build step).
export const ADMIN_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Metronome admin</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.paused{color:#a60}.active{color:#070}.failed,.missed{color:#b00}.completed,.ran{color:#070}.skipped{color:#777}
button{margin:0 .15rem .15rem 0}#message{min-height:1.2em;color:#06c}#message.error{color:#b00;font-weight:600}input{margin-right:.5rem}.enabled{color:#070}.disabled{color:#a60}td.next{white-space:nowrap}
</style></head>
<body>
<h1>Metronome — schedules and jobs</h1>
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
<section id="job-details" hidden><h2 id="job-details-title">Job</h2><p id="job-stats"></p>
<div id="job-history-box"><table id="job-history"><thead><tr><th>Started</th><th>Trigger</th><th>Status</th><th>Duration</th><th>Items (ok / failed)</th><th>Error</th></tr></thead><tbody></tbody></table>
<p><button id="job-prev">‹ Newer</button><span id="job-page"></span> <button id="job-next">Older ›</button></p></div></section>
<section id="details" hidden><h2 id="details-title">History</h2><p id="stats"></p>
<table id="history"><thead><tr><th>Slot (local)</th><th>Status</th><th>Detail</th></tr></thead><tbody></tbody></table></section>
<script src="/admin/app.js"></script>
</body></html>`;

export const ADMIN_JS = `'use strict';
const $ = (id) => document.getElementById(id);
const state = { token: localStorage.getItem('metronome.token') || '', org: localStorage.getItem('metronome.org') || '' };
$('token').value = state.token; $('org').value = state.org;

function say(text, error) { $('message').textContent = text; $('message').className = error ? 'error' : ''; }
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

// Registered jobs: every action names the job's organisation (orgId), which an admin token must give.
const jobs = new Map();
const jobPath = (j, tail, query) => '/api/jobs/' + encodeURIComponent(j.name) + (tail || '') + '?orgId=' + encodeURIComponent(j.orgId) + (query || '');
const jobKey = (j) => j.orgId + '/' + j.name;

function jobRow(j) {
  const status = j.schedule === 'missing' ? 'missing schedule' : (j.enabled ? 'enabled' : 'disabled');
  const next = j.nextRunAtLocal || (j.enabled ? '—' : 'disabled');
  const r = j.lastRun;
  const last = r ? '<span class="' + esc(r.status) + '">' + esc(r.status) + '</span> ' + esc(r.finishedAt) + ' (' + esc(r.triggeredBy || '?') + ')<br><small>items ' + esc(r.itemsProcessed) + ': ' + esc(r.itemsSucceeded) + ' ok, ' + esc(r.itemsFailed) + ' failed</small>' + (r.error ? '<br>' + esc(r.error) : '') : 'never ran';
  return '<tr data-job="' + esc(jobKey(j)) + '"><td>' + esc(j.name) + (j.displayName ? '<br><small>' + esc(j.displayName) + '</small>' : '') + '<br><small>' + esc(j.orgId) + '</small></td>'
    + '<td><code>' + esc(j.cronExpression || '?') + '</code><br><small>' + esc(j.cronDescription || '') + (j.timezone ? ' (' + esc(j.timezone) + ')' : '') + '</small></td>'
    + '<td class="status ' + esc(j.enabled ? 'enabled' : 'disabled') + '">' + esc(status) + '</td><td class="next">' + esc(next) + '</td><td class="last">' + last + '</td>'
    + '<td><button data-act="' + (j.enabled ? 'disable' : 'enable') + '">' + (j.enabled ? 'Disable' : 'Enable') + '</button><button data-act="trigger">Trigger</button>'
    + '<button data-act="cron">Edit cron</button><button data-act="history">History</button><button data-act="stats">Stats</button></td></tr>';
}

async function loadJobs() {
  try {
    const data = await api('GET', '/api/jobs' + (state.org ? '?orgId=' + encodeURIComponent(state.org) : ''));
    jobs.clear(); for (const j of data.jobs) jobs.set(jobKey(j), j);
    $('jobs').innerHTML = data.jobs.length ? '<table id="jobs-table"><thead><tr><th>Job</th><th>Cron</th><th>Status</th><th>Next run</th><th>Last result</th><th>Actions</th></tr></thead><tbody>' + data.jobs.map(jobRow).join('') + '</tbody></table>' : 'no registered jobs';
  } catch (e) {
    $('jobs').textContent = e.status === 404 ? 'the job registry is not available on this server' : 'jobs: ' + e.message;
  }
}

const jobView = { job: null, page: 1 };
async function showJobHistory(j, page) {
  const h = await api('GET', jobPath(j, '/history', '&limit=10&page=' + page));
  Object.assign(jobView, { job: j, page: h.page });
  $('job-details').hidden = false; $('job-history-box').hidden = false; $('job-stats').textContent = '';
  $('job-details-title').textContent = 'History of job ' + j.name + ' (' + h.total + ' runs, newest first)';
  document.querySelector('#job-history tbody').innerHTML = h.items.map((r) => '<tr><td>' + esc(r.startedAt) + '</td><td>' + esc(r.triggeredBy || '') + (r.triggeredByUser ? ' by ' + esc(r.triggeredByUser) : '') + '</td><td class="' + esc(r.status) + '">' + esc(r.status) + '</td><td>' + esc(r.durationMs) + ' ms</td><td>' + esc(r.itemsProcessed) + ' (' + esc(r.itemsSucceeded) + ' / ' + esc(r.itemsFailed) + ')</td><td>' + esc(r.error || '') + '</td></tr>').join('') || '<tr><td colspan="6">no runs yet</td></tr>';
  $('job-page').textContent = 'page ' + h.page + ' of ' + Math.max(h.pages, 1);
  $('job-prev').disabled = h.page <= 1; $('job-next').disabled = h.page >= h.pages;
}

async function showJobStats(j) {
  const s = await api('GET', jobPath(j, '/stats'));
  $('job-details').hidden = false; $('job-history-box').hidden = true;
  $('job-details-title').textContent = 'Stats of job ' + j.name;
  const rate = s.successRate === null ? '—' : Math.round(s.successRate * 100) + '%';
  $('job-stats').textContent = 'runs ' + s.totalRuns + ', succeeded ' + s.successfulRuns + ', failed ' + s.failedRuns + ', success rate ' + rate
    + '; duration average ' + (s.avgDurationMs ?? '—') + ' ms, max ' + (s.maxDurationMs ?? '—') + ' ms; items ' + s.itemsProcessed + ' (' + s.itemsSucceeded + ' ok, ' + s.itemsFailed + ' failed)'
    + (s.lastRunAt ? '; last run ' + s.lastRunAt + ' ' + s.lastStatus + (s.lastError ? ': ' + s.lastError : '') : '');
}

/** Reloads the jobs a few times after a trigger, until the run has reported. */
function refreshJobs(key, before) {
  let left = 8;
  const tick = async () => {
    await loadJobs();
    const j = jobs.get(key);
    if (--left > 0 && j && (!j.lastRun || j.lastRun.startedAt === before)) setTimeout(tick, 1500);
  };
  setTimeout(tick, 1000);
}

$('jobs').addEventListener('click', async (event) => {
  const button = event.target.closest('button'); if (!button) return;
  const key = button.closest('tr').dataset.job; const j = jobs.get(key); const act = button.dataset.act;
  if (!j) return;
  try {
    if (act === 'enable' || act === 'disable') { await api('POST', jobPath(j, '/' + act)); say(act + 'd job ' + j.name); }
    else if (act === 'trigger') { const r = await api('POST', jobPath(j, '/trigger'), {}); say('triggered job ' + j.name + ': ' + r.workflowId); refreshJobs(key, j.lastRun && j.lastRun.startedAt); return; }
    else if (act === 'cron') {
      const cron = prompt('New cron for job ' + j.name, j.cronExpression || ''); if (!cron) return;
      await api('PUT', jobPath(j, '/cron'), { cronExpression: cron }); say('cron of job ' + j.name + ' updated');
    }
    else if (act === 'history') { await showJobHistory(j, 1); return; }
    else if (act === 'stats') { await showJobStats(j); return; }
    await loadJobs();
  } catch (e) { say(e.message, true); }
});
$('job-prev').addEventListener('click', () => { showJobHistory(jobView.job, jobView.page - 1).catch((e) => say(e.message, true)); });
$('job-next').addEventListener('click', () => { showJobHistory(jobView.job, jobView.page + 1).catch((e) => say(e.message, true)); });

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
  } catch (e) { say(e.message, true); }
});

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('token').value.trim(); state.org = $('org').value.trim();
  localStorage.setItem('metronome.token', state.token); localStorage.setItem('metronome.org', state.org);
  $('details').hidden = true; $('job-details').hidden = true; say('loading…');
  try {
    if (state.org) await loadSchedules();
    else document.querySelector('#schedules tbody').innerHTML = '<tr><td colspan="7">name an organisation to see its schedules</td></tr>';
    say('loaded');
  } catch (e) {
    document.querySelector('#schedules tbody').innerHTML = '';
    say(e.message, true);
  }
  await loadJobs();
});
if (state.token) $('login').requestSubmit();
`;
