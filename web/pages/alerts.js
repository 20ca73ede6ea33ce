// Alerts and tasks: live alerts (acknowledge, resolve, dismiss with a reason) and follow-up
// tasks (assign, start, resolve with the action taken). A clear "not available yet" state when
// the server has no early-warning routes (404). Data: GET /api/v1/alerts?status=live and
// GET /api/v1/tasks; writes are PATCH with X-CSRF-Token, then the page reloads its data.
import { api, apiOptional, h, when, notAvailable, errorBox, fmt } from '../lib.js';

const ACTIONS = ['call', 'meeting', 'email', 'fix', 'offer', 'other'];

export async function render(root, ctx) {
  const [alerts, tasks] = await Promise.all([
    apiOptional('/api/v1/alerts?status=live&limit=200'),
    apiOptional('/api/v1/tasks?limit=200'),
  ]);
  root.append(h('h1', null, 'Alerts and tasks'));
  const msg = h('div', { 'aria-live': 'assertive' });
  root.append(msg);
  const act = async (path, body, btn) => {
    btn.disabled = true;
    try {
      await api(path, { method: 'PATCH', body });
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      msg.replaceChildren(errorBox(e));
      btn.disabled = false;
    }
  };
  const as = h('section', { 'aria-labelledby': 'al-h' }, h('h2', { id: 'al-h' }, 'Live alerts'));
  if (!alerts) as.append(notAvailable('Alerts'));
  else {
    const items = alerts.alerts || alerts.items || [];
    as.append(h('p.sub', null, `${items.length} open or acknowledged`));
    as.append(items.length ? h('ul.alerts', null, items.map((a) => {
      const reason = h('input', { id: `al-r-${a.id}`, placeholder: 'reason to dismiss', size: 18 });
      return h('li', { class: `sev-${a.severity}`, dataset: { id: a.id, status: a.status } },
        h('div', null, h('span', { class: `sev sev-${a.severity}` }, a.severity), ' ', h('strong', null, a.kind.replace(/_/g, ' ')), ' · ',
          a.account_id ? h('a', { href: `#/accounts/${encodeURIComponent(a.account_id)}` }, a.subject) : a.subject),
        h('div', null, a.summary),
        h('div.muted', null, `${a.status} · first seen ${when(a.first_seen)}${a.occurrences > 1 ? ` · seen ${a.occurrences} times` : ''}${a.task_id ? ` · task #${a.task_id}` : ''}`),
        h('div.actions', null,
          a.status === 'open' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/alerts/${a.id}`, { status: 'acknowledged' }, e.target) }, 'Acknowledge') : null,
          h('button', { type: 'button', onclick: (e) => act(`/api/v1/alerts/${a.id}`, { status: 'resolved' }, e.target) }, 'Resolve'),
          h('label.sr-only', { for: `al-r-${a.id}` }, 'Reason to dismiss'), reason,
          h('button', { type: 'button', onclick: (e) => act(`/api/v1/alerts/${a.id}`, { status: 'dismissed', reason: reason.value }, e.target) }, 'Dismiss')));
    })) : h('p', null, 'No live alerts.'));
  }
  const ts = h('section', { 'aria-labelledby': 'tk-h' }, h('h2', { id: 'tk-h' }, 'Tasks'));
  if (!tasks) ts.append(notAvailable('Tasks'));
  else {
    const items = (tasks.tasks || tasks.items || []).filter((t) => t.status === 'open' || t.status === 'in_progress');
    ts.append(h('p.sub', null, `${items.length} open or in progress`));
    ts.append(items.length ? h('ul.tasks', null, items.map((t) => {
      const owner = h('input', { id: `tk-o-${t.id}`, value: t.owner || '', size: 14 });
      const action = h('select', { id: `tk-a-${t.id}` }, ACTIONS.map((x) => h('option', { value: x }, x)));
      return h('li', { dataset: { id: t.id, status: t.status } },
        h('div', null, h('strong', null, t.title)),
        h('div.muted', null, `${t.status.replace('_', ' ')} · owner ${t.owner || 'none'} · due ${when(t.due_at)}${t.health_before !== null ? ` · health at start ${fmt(t.health_before, 1)}` : ''}`),
        h('div.actions', null,
          h('label', { for: `tk-o-${t.id}` }, 'Owner'), owner,
          h('button', { type: 'button', onclick: (e) => act(`/api/v1/tasks/${t.id}`, { owner: owner.value.trim() || ctx.me.name }, e.target) }, 'Assign'),
          t.status === 'open' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/tasks/${t.id}`, { status: 'in_progress' }, e.target) }, 'Start') : null,
          h('label', { for: `tk-a-${t.id}` }, 'Action taken'), action,
          h('button', { type: 'button', onclick: (e) => act(`/api/v1/tasks/${t.id}`, { status: 'done', action: action.value }, e.target) }, 'Resolve')));
    })) : h('p', null, 'No open tasks.'));
  }
  root.append(h('div.cols', null, as, ts));
}
