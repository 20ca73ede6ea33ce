// Voice of the customer: NPS, CSAT or CES by month with 95% intervals, and the themes that set
// detractors apart from promoters with example comments. Data: GET /api/v1/voc/{metric}?monthly=true
// and GET /api/v1/voc/themes?metric=...
import { api, h, fmt, chart } from '../lib.js';

const METRICS = [['nps', 'NPS'], ['csat', 'CSAT'], ['ces', 'CES']];

export async function render(root, { query }) {
  const metric = METRICS.some((m) => m[0] === query.get('metric')) ? query.get('metric') : 'nps';
  const label = METRICS.find((m) => m[0] === metric)[1];
  const [rep, th] = await Promise.all([
    api(`/api/v1/voc/${metric}?monthly=true`),
    api(`/api/v1/voc/themes?metric=${metric}&limit=8`),
  ]);
  const all = rep.all.stat;
  const u = all.unweighted || {};
  const tabs = h('div.tabs', { role: 'group', 'aria-label': 'Metric' }, METRICS.map(([m, l]) =>
    h('a', { href: `#/voc?metric=${m}`, class: 'tab', 'aria-current': m === metric ? 'page' : null }, l)));
  const months = (rep.all.months || rep.months || []).filter((m) => m.stat && m.stat.unweighted);
  root.append(
    h('h1', null, 'Voice of the customer'),
    tabs,
    h('div.kpis', null,
      h('div.kpi', { dataset: { kpi: metric } }, h('span.kpi-label', null, label), h('span.kpi-value', null, fmt(u.value, 1))),
      h('div.kpi', null, h('span.kpi-label', null, '95% interval'), h('span.kpi-value', null, `${fmt(u.ci_low, 1)} – ${fmt(u.ci_high, 1)}`)),
      h('div.kpi', { dataset: { kpi: 'answers' } }, h('span.kpi-label', null, 'Answers'), h('span.kpi-value', null, fmt(all.n))),
      h('div.kpi', null, h('span.kpi-label', null, metric === 'ces' ? 'Low effort / high effort' : 'Positive / negative'), h('span.kpi-value', null, `${fmt(all.positive)} / ${fmt(all.negative)}`))),
  );
  if (months.length)
    root.append(await chart(`${label} by month with 95% interval`, months.map((m) => m.month),
      [{ label, values: months.map((m) => m.stat.unweighted.value), band: [months.map((m) => m.stat.unweighted.ci_low), months.map((m) => m.stat.unweighted.ci_high)] }],
      { id: metric, digits: 1, cols: 1 }));
  else root.append(h('p', null, `No ${label} answers by month.`));
  const themeList = (title, list, key) => h('section', { 'aria-labelledby': `th-${key}` }, h('h2', { id: `th-${key}` }, title),
    list.length ? h('ol.themes', null, list.map((t) => h('li', { dataset: { term: t.term } },
      h('strong', null, t.term), ` z = ${fmt(t.z, 1)} · ${t.comments_a} vs ${t.comments_b} comments`,
      (t.examples || []).slice(0, 2).map((e) => h('blockquote', null, `“${e.text}” — ${e.account}, ${e.kind.toUpperCase()} ${fmt(e.score)}, ${e.date}`))))) : h('p', null, 'No theme stands out.'));
  root.append(h('p.sub', null, `Themes: ${th.group_a.label} (${fmt(th.group_a.comments)} comments) against ${th.group_b.label} (${fmt(th.group_b.comments)}), weighted log-odds with an informative Dirichlet prior.`),
    h('div.cols', null, themeList(`What ${th.group_a.label} say`, th.themes_a || [], 'a'), themeList(`What ${th.group_b.label} say`, th.themes_b || [], 'b')));
}
