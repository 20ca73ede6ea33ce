// Segments and cohorts: a segments table by a chosen field (accounts or people), and the
// monthly signup cohorts' retention as a heat map. Data: GET /api/v1/segments?by=FIELD and
// GET /api/v1/cohorts?by=accounts|people|revenue.
import { api, h, fmt, money, sortableTable, heat } from '../lib.js';

const FIELDS = [
  ['plan', 'accounts', 'Plan'], ['owner', 'accounts', 'Owner'], ['band', 'accounts', 'Health band'],
  ['stage', 'accounts', 'Stage'], ['industry', 'accounts', 'Industry'], ['region', 'accounts', 'Region'],
  ['seniority', 'people', 'Seniority (people)'], ['role', 'people', 'Role (people)'],
];
const COHORTS = [['accounts', 'Accounts'], ['people', 'People'], ['revenue', 'Revenue (MRR)']];

export async function render(root, { query }) {
  let by = query.get('by') || 'plan';
  let field = FIELDS.find((f) => f[0] === by) || FIELDS[0];
  by = field[0];
  const cby = COHORTS.some((c) => c[0] === query.get('cohorts')) ? query.get('cohorts') : 'accounts';
  const [seg, co] = await Promise.all([
    api(`/api/v1/segments?by=${encodeURIComponent(by)}&entity=${field[1]}`),
    api(`/api/v1/cohorts?by=${cby}`),
  ]);
  const go = (b, c) => { location.hash = `#/segments?by=${encodeURIComponent(b)}&cohorts=${c}`; };
  const sel = h('select', { id: 'seg-by' }, FIELDS.map(([f, , label]) => h('option', { value: f, selected: f === by }, label)));
  sel.addEventListener('change', () => go(sel.value, cby));
  const csel = h('select', { id: 'co-by' }, COHORTS.map(([f, label]) => h('option', { value: f, selected: f === cby }, label)));
  csel.addEventListener('change', () => go(by, csel.value));
  const people = field[1] === 'people';
  const cols = [
    { key: 'name', label: field[2] },
    { key: 'count', label: people ? 'People' : 'Accounts', num: true, render: (g) => fmt(g.count) },
    { key: 'churned', label: people ? 'Left' : 'Churned', num: true, render: (g) => fmt(g.churned) },
    { key: 'churn_rate', label: 'Churn %', num: true, render: (g) => fmt(g.churn_rate, 1) },
    people ? null : { key: 'mrr', label: 'MRR', num: true, render: (g) => money(g.mrr) },
    people ? null : { key: 'health', label: 'Mean health', num: true, render: (g) => fmt(g.health, 1) },
    { key: 'engagement', label: 'Mean engagement', num: true, render: (g) => fmt(g.engagement, 1) },
    { key: 'nps', label: 'NPS', num: true, render: (g) => fmt(g.nps, 1) },
    { key: 'nps_answers', label: 'NPS answers', num: true, render: (g) => fmt(g.nps_answers) },
  ].filter(Boolean);
  root.append(
    h('h1', null, 'Segments and cohorts'),
    h('section', { 'aria-labelledby': 'sg-h' }, h('h2', { id: 'sg-h' }, `Segments by ${field[2].toLowerCase()}`),
      h('div.toolbar', null, h('label', { for: 'seg-by' }, 'Group by'), sel),
      h('div.scroll', null, sortableTable(cols, seg.segments, { sortKey: 'count', dir: -1, label: 'Segments', caption: `Total: ${fmt(seg.total.count)}, churn ${fmt(seg.total.churn_rate, 1)}%` }))),
  );
  // retention heat map: rows = signup month, columns = months since signup
  const n = co.cohorts.reduce((m, c) => Math.max(m, c.retention.length), 0);
  const head = h('tr', null, h('th', { scope: 'col' }, 'cohort'), h('th.num', { scope: 'col' }, cby === 'revenue' ? 'MRR' : 'size'),
    Array.from({ length: n }, (_, k) => h('th.num', { scope: 'col' }, `+${k}`)));
  const body = h('tbody');
  for (const c of co.cohorts) {
    const tr = h('tr', null, h('th', { scope: 'row' }, c.month), h('td.num', null, cby === 'revenue' ? money(c.size) : fmt(c.size)));
    for (let k = 0; k < n; k++) {
      const v = k < c.retention.length ? c.retention[k] : null;
      const td = h('td.cell', { dataset: { k } }, v === null || v === undefined ? '' : fmt(v * 100, 0));
      if (v !== null && v !== undefined) td.title = `${c.month} +${k} months: ${fmt(v * 100, 1)}% retained`;
      heat(td, v);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  root.append(h('section', { 'aria-labelledby': 'co-h' }, h('h2', { id: 'co-h' }, 'Retention by signup cohort (%)'),
    h('div.toolbar', null, h('label', { for: 'co-by' }, 'Cohorts of'), csel),
    h('div.scroll', null, h('table.heatmap', { 'aria-label': 'Cohort retention' }, h('thead', null, head), body))));
}
