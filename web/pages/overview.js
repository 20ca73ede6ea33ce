// Overview: MRR, active people and interactions per active person by month (uPlot), today's
// totals, open alerts and the segments eroding behind growth (from the alerts API when it
// exists). Data: GET /api/v1/overview and GET /api/v1/alerts?status=open.
import { api, apiOptional, h, fmt, money, chart, notAvailable, when } from '../lib.js';

function kpi(label, value, key) {
  return h('div.kpi', { dataset: { kpi: key } }, h('span.kpi-label', null, label), h('span.kpi-value', null, value));
}

export async function render(root) {
  const [ov, alerts] = await Promise.all([
    api('/api/v1/overview?months=24'),
    apiOptional('/api/v1/alerts?status=open&limit=500'),
  ]);
  const t = ov.totals;
  const months = ov.months.map((m) => m.month);
  root.append(
    h('h1', null, 'Overview'),
    h('p.sub', null, `As of ${when(ov.at)}`),
    h('div.kpis', null,
      kpi('MRR', money(t.mrr), 'mrr'),
      kpi('Active accounts', fmt(t.active_accounts), 'active_accounts'),
      kpi('Active people', fmt(t.active_people), 'active_people'),
      kpi('Engaged people', fmt(t.engaged_people), 'engaged_people'),
      kpi('Mean health', fmt(t.mean_health, 1), 'mean_health'),
      kpi('Mean engagement', fmt(t.mean_engagement, 1), 'mean_engagement'),
      kpi('Open alerts', alerts ? fmt(alertList(alerts).length) + (alerts.next_before ? '+' : '') : 'n/a', 'open_alerts')),
  );
  const charts = h('div.charts');
  root.append(charts);
  charts.append(
    await chart('MRR by month', months, [{ label: 'MRR', values: ov.months.map((m) => m.mrr) }], { id: 'mrr', cols: 3, axisSize: 80 }),
    await chart('Active people by month', months, [{ label: 'active people', values: ov.months.map((m) => m.active_people) }], { id: 'active_people', cols: 3 }),
    await chart('Engagement: interactions per active person', months,
      [{ label: 'interactions per active person', values: ov.months.map((m) => m.interactions_per_active) }], { id: 'engagement', digits: 1, cols: 3 }),
  );
  const sec = h('section', { 'aria-labelledby': 'ov-alerts' }, h('h2', { id: 'ov-alerts' }, 'Open alerts'));
  const ero = h('section', { 'aria-labelledby': 'ov-erosion' }, h('h2', { id: 'ov-erosion' }, 'Segments eroding behind growth'));
  root.append(h('div.cols', null, sec, ero));
  if (!alerts) {
    sec.append(notAvailable('Alerts'));
    ero.append(notAvailable('Erosion alerts'));
    return;
  }
  // most severe first, then the newest
  const rank = { critical: 0, high: 1, medium: 2, low: 3 };
  const list = alertList(alerts).slice().sort((a, b) => (rank[a.severity] ?? 4) - (rank[b.severity] ?? 4) || (a.first_seen < b.first_seen ? 1 : -1));
  sec.append(list.length ? h('ul.alerts', null, list.slice(0, 10).map(alertItem)) : h('p', null, 'No open alerts.'));
  const eroding = list.filter((a) => a.kind === 'erosion_behind_growth');
  ero.append(eroding.length ? h('ul.alerts', null, eroding.map(alertItem)) : h('p', null, 'No segment is eroding behind growth.'));
}

function alertList(a) {
  return Array.isArray(a) ? a : a.alerts || a.items || [];
}

function alertItem(a) {
  return h('li', { class: `sev-${a.severity}`, dataset: { id: a.id } },
    h('span', { class: `sev sev-${a.severity}` }, a.severity), ' ',
    h('strong', null, a.kind.replace(/_/g, ' ')), ' ',
    h('span.muted', null, `since ${when(a.first_seen)}`),
    h('div', null, a.account_id ? h('a', { href: `#/accounts/${encodeURIComponent(a.account_id)}` }, a.summary) : a.summary));
}
