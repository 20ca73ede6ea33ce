// Gardens: the list of gardens (#/gardens) and one garden (#/gardens/ID): members (customers
// with their invitation status, internal people with their role), the ideas board by state
// with a "move" control per idea (the API decides who may; its 403/409/422 is shown in the
// card), impact against matched non-members with 95% intervals, and the ledger leaderboard.
// Data: GET /api/v1/gardens; for one garden GET /api/v1/gardens/{id}, /ideas and
// /api/v1/ledger/leaderboard?garden={id} in parallel, then /impact (filled in when it
// arrives); moves are POST /api/v1/ideas/{id}/transitions.
import { api, apiOptional, h, fmt, money, pct, when, errorBox, notAvailable, sortableTable } from '../lib.js';

// Board columns; "concluded" holds adopted and rejected.
const COLUMNS = [
  ['proposed', 'Proposed', ['proposed']],
  ['under_review', 'Under review', ['under_review']],
  ['approved', 'Approved', ['approved']],
  ['running', 'Running', ['running']],
  ['concluded', 'Concluded', ['adopted', 'rejected']],
  ['withdrawn', 'Withdrawn', ['withdrawn']],
];

// The moves the workflow has from each state (docs/gardens.md); who may is the API's call.
const NEXT = {
  proposed: ['under_review', 'withdrawn'],
  under_review: ['approved', 'proposed', 'withdrawn'],
  approved: ['running', 'withdrawn'],
  running: ['adopted', 'rejected', 'withdrawn'],
};

const label = (s) => s.replace(/_/g, ' ');

// A message kept across the reload that follows a move (e.g. "approval 1 of 2 recorded").
let flash = null;

export async function render(root, { params }) {
  if (params && params[0]) return renderGarden(root, params[0]);
  const g = await apiOptional('/api/v1/gardens');
  root.append(h('h1', null, 'Gardens'));
  if (!g) {
    root.append(notAvailable('Gardens'));
    return;
  }
  const items = g.gardens || [];
  if (!items.length) {
    root.append(h('p', { dataset: { state: 'empty' } }, 'No gardens yet. Create one with `cxgarden gardens create` or POST /api/v1/gardens.'));
    return;
  }
  const cols = [
    { key: 'name', label: 'Garden', render: (r) => h('a', { href: `#/gardens/${encodeURIComponent(r.id)}` }, r.name), value: (r) => r.name.toLowerCase() },
    { key: 'topic', label: 'Topic', render: (r) => r.topic_label || r.topic },
    { key: 'owner', label: 'Owner' },
    { key: 'members', label: 'Members', num: true, render: (r) => fmt(r.members) },
    { key: 'invited', label: 'Invited', num: true, render: (r) => fmt(r.invited) },
    { key: 'accounts', label: 'Accounts', num: true, render: (r) => fmt(r.accounts) },
    { key: 'ideas', label: 'Ideas', num: true, render: (r) => fmt(r.ideas) },
    { key: 'starts_at', label: 'Since', render: (r) => when(r.starts_at).slice(0, 10) },
  ];
  root.append(h('p.sub', null, `${items.length} gardens`),
    h('div.scroll', null, sortableTable(cols, items, { sortKey: 'name', dir: 1, label: 'Gardens' })));
}

async function renderGarden(root, id) {
  const enc = encodeURIComponent(id);
  const [g, ideas, board] = await Promise.all([
    api(`/api/v1/gardens/${enc}`),
    api(`/api/v1/gardens/${enc}/ideas`),
    apiOptional(`/api/v1/ledger/leaderboard?garden=${enc}&limit=10`),
  ]);
  // impact matches every member against non-members (about 1.4 s on scale-1 data): asked for
  // after the rest (so it does not hold them up) and not awaited; its section fills in later
  const impactP = apiOptional(`/api/v1/gardens/${enc}/impact`);
  const msg = h('div.flash', { id: 'gd-msg', 'aria-live': 'polite' });
  if (flash && flash.garden === id) {
    // keyboard users land on the outcome of their move once the page is back in the document
    const note = h('p.notice', { role: 'status', tabindex: '-1' }, flash.text);
    msg.append(note);
    setTimeout(() => { if (note.isConnected) note.focus(); }, 0);
  }
  flash = null;
  root.append(
    h('p.crumbs', null, h('a', { href: '#/gardens' }, 'Gardens'), ' / ', g.name),
    h('h1', null, g.name),
    h('p.sub', null, `${g.topic_label || g.topic} · owner ${g.owner || 'none'} · since ${when(g.starts_at).slice(0, 10)}${g.ends_at ? ` until ${when(g.ends_at).slice(0, 10)}` : ''}${g.segment ? ` · segment ${g.segment}` : ''}`),
    g.goal ? h('p', null, g.goal) : '',
    h('div.kpis', null,
      kpi('members', 'Members', fmt(g.members)),
      kpi('invited', 'Invited, not answered', fmt(g.invited)),
      kpi('accounts', 'Member accounts', fmt(g.accounts)),
      kpi('ideas', 'Ideas', fmt(g.ideas))),
    msg,
    boardSection(id, ideas.ideas || [], msg),
    impactSection(impactP),
    h('div.cols', null, membersSection(g.member_list || []), leaderboardSection(board)),
  );
}

function kpi(key, name, value) {
  return h('div.kpi', { dataset: { kpi: key } }, h('div.kpi-label', null, name), h('div.kpi-value', null, value));
}

function boardSection(gid, ideas, msg) {
  const sec = h('section', { 'aria-labelledby': 'gd-board' }, h('h2', { id: 'gd-board' }, 'Ideas by state'));
  const cols = COLUMNS.map(([key, title, states]) => {
    const list = ideas.filter((i) => states.includes(i.state));
    return h('section.board-col', { dataset: { state: key }, 'aria-label': `${title}: ${list.length}` },
      h('h3', null, title, ' ', h('span.count', null, String(list.length))),
      list.length ? h('ul.cards', null, list.map((i) => ideaCard(gid, i, msg))) : h('p.muted', null, 'none'));
  });
  sec.append(h('div.board', null, cols));
  return sec;
}

function ideaCard(gid, i, msg) {
  const next = NEXT[i.state] || [];
  const out = h('div.card-msg', { 'aria-live': 'assertive' });
  const li = h('li.card', { dataset: { id: i.id, state: i.state } },
    h('strong', null, i.title),
    i.hypothesis ? h('p.muted', null, i.hypothesis) : null,
    h('div.muted', null,
      `${label(i.state)} · ${label(i.target_metric)} · ▲ ${i.votes_up} ▼ ${i.votes_down} · ${i.comments} comments`,
      i.state === 'under_review' ? ` · ${i.approvals} approvals` : '',
      ` · by ${i.author}`));
  if (next.length) {
    const sel = h('select', { id: `mv-to-${i.id}` }, next.map((s) => h('option', { value: s }, label(s))));
    const why = h('input', { id: `mv-why-${i.id}`, placeholder: 'reason', size: 16 });
    const btn = h('button', { type: 'button' }, 'Move');
    btn.addEventListener('click', async () => {
      out.replaceChildren();
      if (!why.value.trim()) {
        out.append(h('div.error', { role: 'alert' }, 'Give a reason for the move.'));
        why.focus();
        return;
      }
      btn.disabled = true;
      try {
        const r = await api(`/api/v1/ideas/${i.id}/transitions`, { method: 'POST', body: { to: sel.value, why: why.value.trim() } });
        flash = {
          garden: gid,
          text: r.moved ? `"${i.title}" moved from ${label(r.from)} to ${label(r.state)}.`
            : `Approval recorded for "${i.title}": ${r.approvals} of ${r.approvals_needed}; it stays ${label(r.state)} until enough distinct approvers agree.`,
        };
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        out.append(errorBox(e));
        btn.disabled = false;
      }
    });
    li.append(h('div.actions', null,
      h('label.sr-only', { for: `mv-to-${i.id}` }, `Move "${i.title}" to`), sel,
      h('label.sr-only', { for: `mv-why-${i.id}` }, 'Reason'), why, btn));
  }
  li.append(out, ideaDetails(i));
  return li;
}

// "History and results": loaded from GET /api/v1/ideas/{id} when opened (who moved it and why,
// approvals of this round, the experiment and its result, rollouts).
function ideaDetails(i) {
  const body = h('div.idea-detail');
  const d = h('details', { dataset: { idea: i.id } }, h('summary', null, 'History and results'), body);
  d.addEventListener('toggle', async () => {
    if (!d.open || d.dataset.loaded) return;
    d.dataset.loaded = '0';
    try {
      const x = await api(`/api/v1/ideas/${i.id}`);
      const e = x.experiment;
      const r = e && e.result && e.result.estimate;
      const f = e && /^retention|mrr/.test(e.metric) ? fmtShare : fmtPlain;
      body.replaceChildren(
        h('ul.history', null, (x.transitions || []).map((t) => h('li', null, `${when(t.at).slice(0, 10)} ${label(t.from)} → ${label(t.to)} by ${t.by}: ${t.why}`))),
        x.state === 'under_review' ? h('p', null, `${x.approvals} approvals in review round ${x.review_round}`) : '',
        e ? h('p.experiment', { dataset: { status: e.status } }, `Experiment ${label(e.status)} ${when(e.starts_at).slice(0, 10)} to ${when(e.ends_at).slice(0, 10)}, ${fmt(e.accounts)} accounts, ${label(e.metric)}`,
          r ? `: participants ${f(r.participants)} vs comparison ${f(r.comparison)}, difference ${f(r.diff, true)} (95% ${f(r.ci95[0], true)} to ${f(r.ci95[1], true)}; n ${r.participants_n} / ${r.comparison_n})` : '') : '',
        (x.rollouts || []).length ? h('ul', null, x.rollouts.map((o) => h('li', null, `rolled out to ${o.segment} on ${when(o.at).slice(0, 10)} (${fmt(o.accounts)} accounts)`))) : '');
      d.dataset.loaded = '1';
    } catch (err) {
      body.replaceChildren(errorBox(err));
      delete d.dataset.loaded;
    }
  });
  return d;
}

// One impact row: a measure of members vs matched comparison accounts.
function impactRow(key, name, m, f) {
  if (!m) return h('tr', { dataset: { metric: key } }, h('th', { scope: 'row' }, name), h('td', { colspan: 5 }, 'not enough data'));
  const ci = m.ci95 ? `${f(m.ci95[0], true)} to ${f(m.ci95[1], true)}` : '—';
  return h('tr', { dataset: { metric: key } },
    h('th', { scope: 'row' }, name),
    h('td.num', { dataset: { col: 'members' } }, f(m.members)),
    h('td.num', { dataset: { col: 'comparison' } }, f(m.comparison)),
    h('td.num', { dataset: { col: 'diff' } }, f(m.diff, true)),
    h('td.num', { dataset: { col: 'ci95' } }, ci),
    h('td.num', { dataset: { col: 'n' } }, `${fmt(m.members_n)} / ${fmt(m.comparison_n)}`));
}

const signed = (s, v) => (v > 0 ? '+' + s : s);
// Shares in percent (differences in points), NPS in its own unit.
export const fmtShare = (v, diff) => (v === null || v === undefined ? '—' : diff ? signed(fmt(v * 100, 1), v) + ' pts' : pct(v));
export const fmtPlain = (v, diff) => (v === null || v === undefined ? '—' : diff ? signed(fmt(v, 1), v) : fmt(v, 1));

function impactSection(promise) {
  const sec = h('section', { 'aria-labelledby': 'gd-impact', 'aria-busy': 'true', dataset: { impact: 'loading' } }, h('h2', { id: 'gd-impact' }, 'Impact'));
  const wait = h('p.muted', { role: 'status' }, 'Measuring members against comparable non-members…');
  sec.append(wait);
  promise.then((im) => {
    wait.remove();
    impactBody(sec, im);
    sec.dataset.impact = 'loaded';
  }, (e) => {
    wait.remove();
    sec.append(errorBox(e));
    sec.dataset.impact = 'failed';
  }).finally(() => sec.removeAttribute('aria-busy'));
  return sec;
}

function impactBody(sec, im) {
  if (!im) {
    sec.append(notAvailable('Impact figures'));
    return sec;
  }
  sec.append(h('p.sub', null,
    `${fmt(im.members_matched)} of ${fmt(im.members)} member accounts matched with ${fmt(im.comparison_accounts)} comparable non-members over ${fmt(im.follow_days)} days`,
    im.matching && im.matching.method ? ` (${im.matching.method})` : ''));
  sec.append(h('div.kpis', null,
    kpi('impact_members', 'Member accounts', fmt(im.members)),
    kpi('impact_comparison', 'Comparison accounts', fmt(im.comparison_accounts))));
  sec.append(h('div.scroll', null, h('table.data.impact', { 'aria-label': 'Impact' },
    h('caption', null, 'Members vs comparable non-members, with 95% intervals'),
    h('thead', null, h('tr', null, ['Measure', 'Members', 'Comparison', 'Difference', '95% interval', 'Accounts (members / comparison)'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null,
      impactRow('retention_90d', 'Retention 90 days', im.retention_90d, fmtShare),
      impactRow('retention_180d', 'Retention 180 days', im.retention_180d, fmtShare),
      impactRow('mrr_change_180d', 'MRR change 180 days', im.mrr_change_180d, fmtShare),
      impactRow('nps_180d', 'NPS score 180 days', im.nps_180d, fmtPlain)))));
  const mr = im.mrr_retained || [];
  sec.append(h('h3', null, 'MRR retained'), mr.length
    ? h('ul.mrr-retained', null, mr.map((x) => h('li', { dataset: { currency: x.currency } },
      h('strong.money', null, money(x.mrr_retained)), ` ${x.currency} a month retained across ${fmt(x.members)} member accounts (MRR ${money(x.members_mrr)}); 95% interval `,
      h('span.ci', null, x.ci95 ? `${money(x.ci95[0])} to ${money(x.ci95[1])}` : '—'))))
    : h('p.muted', null, 'No member MRR to measure yet.'));
  return sec;
}

function membersSection(list) {
  const ext = list.filter((m) => m.kind === 'external');
  const int = list.filter((m) => m.kind !== 'external');
  const sec = h('section', { 'aria-labelledby': 'gd-members' }, h('h2', { id: 'gd-members' }, `Members (${list.length})`));
  sec.append(h('h3', null, `Customers (${ext.length})`), ext.length ? h('div.scroll', null, h('table.data', { 'aria-label': 'Customer members' },
    h('thead', null, h('tr', null, ['Person', 'Account', 'Status', 'Invited by', 'Joined'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, ext.map((m) => h('tr', { dataset: { id: m.id, status: m.status } },
      h('td', null, m.name || m.person),
      h('td', null, m.account ? h('a', { href: `#/accounts/${encodeURIComponent(m.account)}` }, m.account) : '—'),
      h('td', { dataset: { col: 'status' } }, m.status),
      h('td', null, m.invited_by || '—'),
      h('td', null, when(m.joined_at).slice(0, 10)))))))
    : h('p.muted', null, 'No customers invited yet.'));
  sec.append(h('h3', null, `Internal (${int.length})`), int.length ? h('div.scroll', null, h('table.data', { 'aria-label': 'Internal members' },
    h('thead', null, h('tr', null, ['User', 'Role', 'Since'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, int.map((m) => h('tr', { dataset: { id: m.id } },
      h('td', null, m.user || m.name), h('td', { dataset: { col: 'role' } }, label(m.role)), h('td', null, when(m.joined_at).slice(0, 10)))))))
    : h('p.muted', null, 'No internal members yet.'));
  return sec;
}

function leaderboardSection(b) {
  const sec = h('section', { 'aria-labelledby': 'gd-ledger' }, h('h2', { id: 'gd-ledger' }, 'Ledger leaderboard'));
  if (!b) {
    sec.append(notAvailable('Ledger figures'));
    return sec;
  }
  sec.append(h('p.sub', null, `${fmt(b.total_points)} points in ${fmt(b.total_entries)} entries`));
  sec.append(h('div.scroll', null, h('table.data.leaderboard', { 'aria-label': 'Leaderboard' },
    h('thead', null, h('tr', null, ['#', 'Who', 'Points', 'Entries', 'Share'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, (b.rows || []).map((r) => h('tr', null,
      h('td.num', null, String(r.rank)), h('td', { dataset: { col: 'key' } }, r.key),
      h('td.num', { dataset: { col: 'points' } }, fmt(r.points)), h('td.num', null, fmt(r.entries)), h('td.num', null, pct(r.share))))))));
  return sec;
}
