// Account detail: scores with components and reasons, stakeholders with seniority and
// engagement, recent interactions and feedback. Data: GET /api/v1/accounts/{id}/scores and
// /timeline; fit (objectives, under- and over-reach) and tasks load when their section opens.
import { api, apiOptional, h, fmt, money, when, sortableTable, errorBox, notAvailable, clear } from '../lib.js';

export async function render(root, { params }) {
  const id = params[0];
  const enc = encodeURIComponent(id);
  const [sc, tl] = await Promise.all([
    api(`/api/v1/accounts/${enc}/scores`),
    api(`/api/v1/accounts/${enc}/timeline?limit=30`),
  ]);
  root.append(
    h('p.crumbs', null, h('a', { href: '#/accounts' }, 'Accounts'), ' / ', id),
    h('h1', null, sc.name || sc.id),
    h('p.sub', null, `${sc.plan || 'no plan'} · ${money(sc.mrr)} MRR · ${sc.stage} · scorecard ${sc.scorecard} · as of ${sc.at}`),
    h('div.kpis', null,
      h('div.kpi', { dataset: { kpi: 'health' } }, h('span.kpi-label', null, 'Health'), h('span.kpi-value', null, fmt(sc.health, 1))),
      h('div.kpi', { dataset: { kpi: 'robustness' } }, h('span.kpi-label', null, 'Robustness'), h('span.kpi-value', null, fmt(sc.robustness, 1))),
      h('div.kpi', { dataset: { kpi: 'engagement' } }, h('span.kpi-label', null, 'Engagement'), h('span.kpi-value', null, fmt(sc.engagement, 1))),
      h('div.kpi', null, h('span.kpi-label', null, 'Engaged people'), h('span.kpi-value', null, `${sc.engaged} / ${sc.people}`)),
      h('div.kpi', null, h('span.kpi-label', null, 'Band'), h('span', { class: `kpi-value band band-${sc.band}` }, sc.band))),
  );
  const names = new Map((sc.stakeholders || []).map((p) => [p.id, p.name || p.id]));
  const who = (id) => names.get(id) || id;
  const comps = Object.entries(sc.components || {});
  root.append(h('div.cols', null,
    h('section', { 'aria-labelledby': 'ad-comp' }, h('h2', { id: 'ad-comp' }, 'Score components'),
      h('table.data.components', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'component'), h('th.num', { scope: 'col' }, 'score'), h('th', { scope: 'col' }, ''))),
        h('tbody', null, comps.map(([k, v]) => {
          const bar = h('span.bar');
          if (v !== null) bar.style.width = `${Math.max(0, Math.min(100, v))}%`;
          return h('tr', null, h('th', { scope: 'row' }, k.replace('_', ' ')), h('td.num', { dataset: { col: k } }, fmt(v, 1)), h('td', null, h('span.barbox', null, bar)));
        })))),
    h('section', { 'aria-labelledby': 'ad-why' }, h('h2', { id: 'ad-why' }, 'Reasons'),
      (sc.reasons || []).length ? h('ul.reasons', null, sc.reasons.map((r) => h('li', { class: r.impact < 0 ? 'neg' : 'pos' },
        h('span.impact', null, `${r.impact > 0 ? '+' : ''}${fmt(r.impact, 1)} ${r.score}`), ' ', r.text))) : h('p', null, 'No reasons recorded.'))));
  root.append(h('section', { 'aria-labelledby': 'ad-people' }, h('h2', { id: 'ad-people' }, 'Stakeholders'),
    h('div.scroll', null, sortableTable([
      { key: 'name', label: 'Name', render: (p) => p.name || p.id },
      { key: 'role', label: 'Role' },
      { key: 'seniority', label: 'Seniority', value: (p) => ['individual', 'manager', 'director', 'executive'].indexOf(p.seniority) },
      { key: 'engagement', label: 'Engagement', num: true, render: (p) => fmt(p.engagement, 1) },
      { key: 'channels', label: 'Channels', num: true },
      { key: 'days_since_active', label: 'Days since active', num: true, render: (p) => fmt(p.days_since_active, 0) },
    ], sc.stakeholders || [], { sortKey: 'seniority', dir: -1, label: 'Stakeholders' }))));
  const inter = h('section', { 'aria-labelledby': 'ad-tl' }, h('h2', { id: 'ad-tl' }, 'Recent interactions'),
    tl.interactions.length ? h('ol.timeline', null, tl.interactions.map((i) => h('li', { class: `out-${i.outcome}` },
      h('time', null, when(i.ts)), ' ', h('strong', null, i.type || i.channel), ` via ${i.channel}`,
      i.person ? ` by ${who(i.person)}` : '', i.outcome && i.outcome !== 'none' ? ` · ${i.outcome}` : '',
      i.duration_ms !== null ? ` · ${fmt(i.duration_ms)} ms` : ''))) : h('p', null, 'No interactions.'));
  const fb = h('section', { 'aria-labelledby': 'ad-fb' }, h('h2', { id: 'ad-fb' }, 'Recent feedback'),
    tl.feedback.length ? h('ol.timeline', null, tl.feedback.map((f) => h('li', null,
      h('time', null, when(f.ts)), ' ', h('strong', null, `${f.kind.toUpperCase()} ${fmt(f.score, 0)}`),
      f.person ? ` from ${who(f.person)}` : '', f.comment ? h('blockquote', null, f.comment) : null))) : h('p', null, 'No feedback.'));
  root.append(h('div.cols', null, inter, fb));
  root.append(lazySection('Fit: objectives, under- and over-reach', 'fit', async (box) => {
    const fit = await api(`/api/v1/accounts/${enc}/fit`);
    box.append(h('p', null, `Coverage ${fmt(fit.coverage * 100, 0)}% · ${fit.objectives_under_reached} objectives under-reached · plan capabilities used ${fit.plan_capabilities_used} of ${fit.plan_capabilities} · paid and unused ${money(fit.over_reach_mrr)} MRR`));
    box.append(h('h3', null, 'Objectives'), fit.objectives.length ? h('ul', null, fit.objectives.map((o) => h('li', { class: o.under_reach ? 'neg' : null },
      `${o.title} — coverage ${fmt(o.coverage * 100, 0)}%${o.product_gap ? ' (product gap)' : o.plan_gap ? ' (plan gap)' : ''}`))) : h('p', null, 'No open objectives.'));
    box.append(h('h3', null, 'Paid for and unused'), fit.over_reach.length ? h('ul', null, fit.over_reach.map((c) => h('li', null, `${c.name}: ${money(c.price_share)} of the plan price`))) : h('p', null, 'None.'));
  }));
  root.append(lazySection('Tasks', 'tasks', async (box) => {
    const t = await apiOptional(`/api/v1/tasks?account_id=${enc}`);
    if (!t) {
      box.append(notAvailable('Tasks'));
      return;
    }
    const items = t.tasks || t.items || [];
    box.append(items.length ? h('ul', null, items.map((x) => h('li', null, `${x.title} · ${x.status.replace('_', ' ')} · owner ${x.owner || 'none'} · due ${when(x.due_at)}${x.action ? ` · ${x.action}` : ''}`))) : h('p', null, 'No tasks for this account.'));
  }));
}

// A <details> section whose data loads the first time it is opened.
function lazySection(title, key, load) {
  const box = h('div.lazy');
  const d = h('details', { dataset: { section: key } }, h('summary', null, title), box);
  let loaded = false;
  d.addEventListener('toggle', async () => {
    if (!d.open || loaded) return;
    loaded = true;
    box.append(h('p.muted', null, 'Loading…'));
    try {
      const tmp = h('div');
      await load(tmp);
      clear(box).append(...tmp.childNodes);
    } catch (e) {
      clear(box).append(errorBox(e));
    }
    d.dataset.loaded = '1';
  });
  return d;
}
