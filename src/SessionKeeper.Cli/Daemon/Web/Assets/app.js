// SessionKeeper's web view: renders the daemon's JSON as text nodes only (never innerHTML), so a
// host name or a line of output that holds markup is shown, not run. No framework, no network
// beyond this origin. Read-only: every request is a GET.
'use strict';

// The token came in the URL (?token=): the server answered with a cookie; drop it from the
// address bar and the history.
if (location.search) {
  history.replaceState(null, '', location.pathname + location.hash);
}

const main = document.getElementById('main');
const statusLine = document.getElementById('status');
let timer = null;
let source = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c === null || c === undefined ? '' : c instanceof Node ? c : String(c));
  return e;
}

function duration(s) {
  if (s === null || s === undefined) return '-';
  if (s < 60) return s.toFixed(1) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.floor(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function exit(job) {
  if (job.exit_code !== null && job.exit_code !== undefined) return job.exit_code;
  return job.signal ? 'signal ' + job.signal : '-';
}

function state(word) { return el('span', { class: 'state', 'data-state': word }, word); }

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map(h => el('th', {}, h)))), el('tbody', {}, ...rows));
}

async function get(path) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(response.status + ': ' + (await response.text()).trim());
  return response.json();
}

function counts(list) {
  return el('div', { class: 'counts', id: 'counts' },
    ...list.map(c => el('span', { class: 'count', 'data-state': c.state, 'data-count': c.count }, c.state + ': ' + c.count)));
}

function jobRow(j) {
  return el('tr', { 'data-job': j.id },
    el('td', {}, el('a', { href: '#/job/' + encodeURIComponent(j.id) }, j.id)),
    el('td', {}, j.host), el('td', {}, state(j.state)), el('td', { class: 'num' }, exit(j)),
    el('td', { class: 'num' }, duration(j.duration_seconds)), el('td', { class: 'cmd', title: j.command }, j.command));
}

async function overview() {
  const data = await get('/api/overview');
  main.replaceChildren(
    el('h1', {}, 'Batches'),
    data.batches.length === 0 ? el('p', { class: 'note' }, 'No batch in the journal.') :
      table(['batch', 'hosts', 'created', 'states'], data.batches.map(b => el('tr', { 'data-batch': b.id },
        el('td', {}, el('a', { href: '#/batch/' + encodeURIComponent(b.id) }, b.id)), el('td', { class: 'num' }, b.hosts),
        el('td', {}, new Date(b.created).toLocaleString()), el('td', {}, counts(b.counts))))),
    el('h1', {}, 'Jobs'),
    el('p', { class: 'note' }, data.jobs_total > data.jobs.length ? `The latest ${data.jobs.length} of ${data.jobs_total}.` : `${data.jobs_total} job(s).`),
    table(['job', 'host', 'state', 'exit', 'duration', 'command'], data.jobs.map(jobRow)));
}

async function batch(id) {
  const data = await get('/api/batches/' + encodeURIComponent(id));
  main.replaceChildren(
    el('h1', {}, 'Batch ', data.id, ' (' + data.hosts.length + ' hosts)'),
    counts(data.counts),
    el('div', { class: 'grid', id: 'grid' }, ...data.hosts.map(h => el('a', {
      class: 'cell', 'data-state': h.state, 'data-host': h.host, href: '#/job/' + encodeURIComponent(h.id),
      title: h.host + ': ' + h.state + (h.exit_code !== null ? ' (exit ' + h.exit_code + ')' : '') + ', ' + duration(h.duration_seconds),
    }, h.host))),
    el('h2', {}, 'Hosts'),
    table(['job', 'host', 'state', 'exit', 'duration', 'command'], data.hosts.map(jobRow)));
}

function details(j) {
  const rows = [['host', j.host], ['target', j.target], ['state', j.state], ['exit', exit(j)], ['duration', duration(j.duration_seconds)],
    ['attempt', j.attempt], ['batch', j.batch_id || '-'], ['created', new Date(j.created).toLocaleString()], ['command', j.command]];
  if (j.detail) rows.push(['detail', j.detail]);
  return el('dl', { id: 'job' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, v)]));
}

const TAIL_LIMIT = 256 * 1024;

async function job(id) {
  const j = await get('/api/jobs/' + encodeURIComponent(id));
  const tail = el('pre', { id: 'tail', 'data-ended': 'no' });
  main.replaceChildren(el('h1', {}, 'Job ', j.id), details(j), el('h2', {}, 'Output (stdout and stderr, live)'), tail);
  source = new EventSource('/api/jobs/' + encodeURIComponent(id) + '/tail');
  source.addEventListener('output', e => {
    const chunk = JSON.parse(e.data);
    const stick = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
    tail.append(chunk.stream === 'stderr' ? el('span', { class: 'stderr' }, chunk.text) : document.createTextNode(chunk.text));
    while (tail.textContent.length > TAIL_LIMIT && tail.firstChild) tail.firstChild.remove();
    if (stick) tail.scrollTop = tail.scrollHeight;
  });
  source.addEventListener('end', e => {
    tail.setAttribute('data-ended', 'yes');
    source.close();
    source = null;
    refresh(id);
  });
  return () => refresh(id);
}

async function refresh(id) {
  const j = await get('/api/jobs/' + encodeURIComponent(id));
  const old = document.getElementById('job');
  if (old) old.replaceWith(details(j));
}

async function route() {
  clearInterval(timer);
  timer = null;
  if (source) { source.close(); source = null; }
  const hash = location.hash.replace(/^#/, '');
  const parts = hash.split('/').map(decodeURIComponent);
  let update;
  if (parts[1] === 'batch' && parts[2]) update = () => batch(parts[2]);
  else if (parts[1] === 'job' && parts[2]) update = await job(parts[2]).catch(fail);
  else update = overview;
  if (parts[1] !== 'job') await update().catch(fail);
  if (update) {
    timer = setInterval(() => update().then(() => { statusLine.textContent = 'updated ' + new Date().toLocaleTimeString(); }).catch(fail), 1000);
  }
}

function fail(error) {
  statusLine.textContent = String(error.message || error);
}

window.addEventListener('hashchange', route);
route();
