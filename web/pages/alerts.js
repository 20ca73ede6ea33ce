// Alerts and tasks: open alerts (acknowledge, resolve) and tasks (assign, resolve), once the
// early-warning routes exist; a clear "not available yet" state (API 404) otherwise.
// Data: GET /api/v1/alerts and GET /api/v1/tasks; writes PATCH with X-CSRF-Token.
import { api, apiOptional, h, when, notAvailable, errorBox } from '../lib.js';

const list = (x) => (Array.isArray(x) ? x : (x && (x.items || x.alerts || x.tasks)) || []);

export async function render(root, ctx) {
  const [alerts, tasks] = await Promise.all([apiOptional('/api/v1/alerts'), apiOptional('/api/v1/tasks')]);
  root.append(h('h1', null, 'Alerts and tasks'));
  const msg = h('div', { 'aria-live': 'polite' });
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
  const as = h('section', { 'aria-labelledby': 'al-h' }, h('h2', { id: 'al-h' }, 'Alerts'));
  if (!alerts) as.append(notAvailable('Alerts'));
  else {
    const items = list(alerts);
    as.append(items.length ? h('ul.alerts', null, items.map((a) => h('li', { class: `sev-${a.severity || 'info'}`, dataset: { id: a.id, status: a.status } },
      h('strong', null, a.kind), ' ', typeof a.subject === 'string' ? a.subject : JSON.stringify(a.subject || ''), ' ',
      h('span.muted', null, `${a.status}${a.first_seen ? ` since ${when(a.first_seen)}` : ''}`),
      a.status === 'open' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/alerts/${a.id}`, { status: 'acknowledged' }, e.target) }, 'Acknowledge') : null,
      a.status !== 'resolved' && a.status !== 'dismissed' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/alerts/${a.id}`, { status: 'resolved' }, e.target) }, 'Resolve') : null))) : h('p', null, 'No alerts.'));
  }
  const ts = h('section', { 'aria-labelledby': 'tk-h' }, h('h2', { id: 'tk-h' }, 'Tasks'));
  if (!tasks) ts.append(notAvailable('Tasks'));
  else {
    const items = list(tasks);
    ts.append(items.length ? h('ul.tasks', null, items.map((t) => h('li', { dataset: { id: t.id, status: t.status } },
      h('strong', null, t.title), ` · ${t.status}${t.owner ? ` · ${t.owner}` : ''}${t.due ? ` · due ${t.due}` : ''}`,
      t.status !== 'done' && t.status !== 'resolved' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/tasks/${t.id}`, { owner: ctx.me.name }, e.target) }, 'Assign to me') : null,
      t.status !== 'done' && t.status !== 'resolved' ? h('button', { type: 'button', onclick: (e) => act(`/api/v1/tasks/${t.id}`, { status: 'done', outcome: 'call' }, e.target) }, 'Resolve') : null))) : h('p', null, 'No tasks.'));
  }
  root.append(h('div.cols', null, as, ts));
}
