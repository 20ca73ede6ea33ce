// Accounts: every account with health, robustness, engagement, MRR and a monthly activity
// sparkline; sortable by keyboard, searchable. Data: GET /api/v1/scores?months=12.
import { api, h, fmt, money, sortableTable, sparkline } from '../lib.js';

export async function render(root, { query }) {
  const data = await api('/api/v1/scores?months=12');
  const rows = data.items;
  const q0 = query.get('q') || '';
  const count = h('p.sub', { id: 'acc-count', 'aria-live': 'polite' });
  const search = h('input', { id: 'acc-search', type: 'search', value: q0, placeholder: 'name, id, plan or owner' });
  const cols = [
    { key: 'name', label: 'Account', render: (r) => h('a', { href: `#/accounts/${encodeURIComponent(r.id)}` }, r.name || r.id), value: (r) => (r.name || r.id).toLowerCase() },
    { key: 'plan', label: 'Plan' },
    { key: 'owner', label: 'Owner' },
    { key: 'mrr', label: 'MRR', num: true, render: (r) => money(r.mrr) },
    { key: 'health', label: 'Health', num: true, render: (r) => fmt(r.health, 1) },
    { key: 'robustness', label: 'Robustness', num: true, render: (r) => fmt(r.robustness, 1) },
    { key: 'engagement', label: 'Engagement', num: true, render: (r) => fmt(r.engagement, 1) },
    { key: 'band', label: 'Band', render: (r) => h('span', { class: `band band-${r.band}` }, r.stage === 'churned' ? 'churned' : r.band) },
    { key: 'trend', label: `Activity ${data.months[0] || ''}–${data.months[data.months.length - 1] || ''}`, render: (r) => sparkline(r.trend, `interactions per month: ${r.trend.join(', ')}`), value: (r) => r.trend[r.trend.length - 1] },
  ];
  const match = (r, q) => !q || [r.id, r.name, r.plan, r.owner].some((s) => s && s.toLowerCase().includes(q));
  const table = sortableTable(cols, rows.filter((r) => match(r, q0.toLowerCase())), {
    sortKey: 'mrr', dir: -1, label: 'Accounts',
    onDraw: (n) => { count.textContent = `${n} of ${rows.length} accounts`; },
  });
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    table.setRows(rows.filter((r) => match(r, q)));
  });
  root.append(
    h('h1', null, 'Accounts'),
    h('div.toolbar', null, h('label', { for: 'acc-search' }, 'Search'), search, count),
    h('div.scroll', null, table),
  );
}
