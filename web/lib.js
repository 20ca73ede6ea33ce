// lib.js: small helpers shared by the dashboard pages and the member portal: the API client
// (session cookie + X-CSRF-Token on writes, one JSON error shape), DOM building, number
// formatting, sortable tables, sparklines, uPlot charts and heat-map colours. No framework.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const CSRF_KEY = 'cxg.csrf';

export function setCsrf(token) {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

// api(path, {method, body}): JSON reply, or throws ApiError (status 0: network failure).
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    const t = sessionStorage.getItem(CSRF_KEY);
    if (t) headers['X-CSRF-Token'] = t;
  }
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', 'the server did not answer: ' + e.message, null);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    throw new ApiError(res.status, 'bad_reply', `${path}: reply is not JSON (status ${res.status})`, null);
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || 'error', err.message || `status ${res.status}`, err.field || null);
  }
  return data;
}

// Like api(), but a 404 (route not there yet) gives null instead of an error.
export async function apiOptional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

// h('div.card', {onclick: f, 'aria-label': 'x'}, child, ...): build an element.
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

// Format a number for display: digits 0 or 1; '—' for null.
export function fmt(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return digits === 1 ? nf1.format(v) : nf0.format(v);
}

export function money(v) {
  if (v === null || v === undefined) return '—';
  return '$' + nf0.format(v);
}

export function pct(v) {
  if (v === null || v === undefined) return '—';
  return nf1.format(v * 100) + '%';
}

// An error box with the API's message (and field when it names one).
export function errorBox(e) {
  const msg = e instanceof ApiError
    ? `${e.message}${e.field ? ` (field ${e.field})` : ''} [${e.status} ${e.code}]`
    : String(e && e.message ? e.message : e);
  return h('div.error', { role: 'alert' }, msg);
}

// "Not available yet": the route answered 404 because it is not built into this server.
export function notAvailable(what) {
  return h('p.notice', { role: 'status', dataset: { state: 'unavailable' } },
    `${what} are not available yet on this server (the API answered 404).`);
}

// Sortable table. cols: [{key, label, num, render(row) -> node|string, value(row)}].
// Header cells hold real buttons (keyboard: Tab + Enter/Space); aria-sort tells the order.
export function sortableTable(cols, rows, opts = {}) {
  let sortKey = opts.sortKey || null;
  let dir = opts.dir || 1;
  const tbody = h('tbody');
  const ths = cols.map((c) => {
    const btn = h('button.sort', { type: 'button', dataset: { key: c.key } }, c.label);
    const th = h('th', { scope: 'col', class: c.num ? 'num' : null }, btn);
    btn.addEventListener('click', () => {
      if (sortKey === c.key) dir = -dir;
      else {
        sortKey = c.key;
        dir = c.num ? -1 : 1;
      }
      draw();
    });
    return th;
  });
  const table = h('table.data', { 'aria-label': opts.label || null },
    opts.caption ? h('caption', null, opts.caption) : null,
    h('thead', null, h('tr', null, ths)), tbody);
  let current = rows;
  const val = (c, r) => (c.value ? c.value(r) : r[c.key]);
  function draw() {
    ths.forEach((th, i) => {
      const k = cols[i].key;
      th.setAttribute('aria-sort', k === sortKey ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    let list = current;
    if (sortKey) {
      const c = cols.find((x) => x.key === sortKey);
      list = current.slice().sort((a, b) => {
        const x = val(c, a);
        const y = val(c, b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1; // nulls last either way
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * dir;
      });
    }
    const frag = document.createDocumentFragment();
    const limit = opts.limit || list.length;
    for (const r of list.slice(0, limit)) {
      const tr = document.createElement('tr');
      for (const c of cols) {
        const td = document.createElement('td');
        if (c.num) td.className = 'num';
        const v = c.render ? c.render(r) : r[c.key];
        if (v instanceof Node) td.appendChild(v);
        else td.textContent = v === null || v === undefined ? '—' : String(v);
        if (c.key) td.dataset.col = c.key;
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    clear(tbody).appendChild(frag);
    if (opts.onDraw) opts.onDraw(list.length, Math.min(limit, list.length));
  }
  table.setRows = (r) => {
    current = r;
    draw();
  };
  draw();
  return table;
}

const SVG = 'http://www.w3.org/2000/svg';

// A small inline SVG line of values (no inline styles: colours come from style.css).
export function sparkline(values, label) {
  const w = 96;
  const hgt = 24;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('width', w);
  svg.setAttribute('height', hgt);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label || `trend: ${values.join(', ')}`);
  if (!values.length) return svg;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? (w - 2) / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(1 + i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 4)).toFixed(1)}`);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.appendChild(line);
  return svg;
}

// Month "YYYY-MM" -> unix seconds at its first day (for uPlot's time axis).
export function monthTs(m) {
  return Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1) / 1000;
}

// A uPlot chart in a figure with a caption. series: [{label, values, band: [lo[], hi[]]}].
export async function chart(title, months, series, opts = {}) {
  const { default: uPlot } = await import('/vendor/uPlot.esm.js');
  const fig = h('figure.chart', { dataset: { chart: opts.id || title } }, h('figcaption', null, title));
  const xs = months.map(monthTs);
  const data = [xs];
  const ser = [{}];
  const colors = ['#2563eb', '#dc2626', '#059669', '#9333ea'];
  series.forEach((s, i) => {
    data.push(s.values);
    ser.push({ label: s.label, stroke: colors[i % colors.length], width: 2, points: { show: xs.length < 30 }, value: (u, v) => (v === null ? '—' : fmt(v, opts.digits || 0)) });
    if (s.band) {
      data.push(s.band[0], s.band[1]);
      ser.push({ label: `${s.label} 95% low`, stroke: '#93c5fd', width: 1, dash: [4, 4] });
      ser.push({ label: `${s.label} 95% high`, stroke: '#93c5fd', width: 1, dash: [4, 4] });
    }
  });
  // the figure is not in the document yet: size from the viewport and the grid's columns
  const avail = Math.min(document.documentElement.clientWidth || 1024, 1400) - 48;
  const cols = avail < 600 ? 1 : opts.cols || 1;
  const width = Math.max(240, Math.floor((avail - (cols - 1) * 16) / cols) - 20);
  const plot = new uPlot({
    width,
    height: opts.height || 220,
    series: ser,
    scales: { x: { time: true } },
    axes: [{}, { size: opts.axisSize || 60, values: (u, vals) => vals.map((v) => fmt(v, opts.digits || 0)) }],
    legend: { show: true },
  }, data, fig);
  fig.plot = plot;
  fig.dataset.points = String(xs.length);
  fig.dataset.last = series.length && series[0].values.length ? String(series[0].values[series[0].values.length - 1]) : '';
  // a plain table of the same numbers for screen readers and for checking
  const tbl = h('table.sr-only', null, h('caption', null, title),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'month'), series.map((s) => h('th', { scope: 'col' }, s.label)))),
    h('tbody', null, months.map((m, i) => h('tr', null, h('th', { scope: 'row' }, m), series.map((s) => h('td', null, s.values[i] === null ? '—' : fmt(s.values[i], opts.digits || 0)))))));
  fig.appendChild(tbl);
  return fig;
}

// Heat colour for a share 0..1 (white to deep green), set through the CSSOM (CSP-safe).
export function heat(el, share) {
  if (share === null || share === undefined) {
    el.classList.add('heat-none');
    return;
  }
  const s = Math.max(0, Math.min(1, share));
  const l = 96 - s * 60;
  el.style.backgroundColor = `hsl(152, 55%, ${l}%)`;
  if (l < 60) el.classList.add('heat-dark');
}

// Timestamp "2024-03-01T09:30:00Z" -> "2024-03-01 09:30".
export function when(ts) {
  return ts ? ts.replace('T', ' ').replace(/:\d\dZ$/, '') : '—';
}
