// Gardens: programmes with members, ideas by state, impact and the incentive ledger, once the
// gardens routes exist; a clear "not available yet" state (API 404) otherwise.
// Data: GET /api/v1/gardens.
import { apiOptional, h, notAvailable } from '../lib.js';

export async function render(root) {
  const g = await apiOptional('/api/v1/gardens');
  root.append(h('h1', null, 'Gardens'));
  if (!g) {
    root.append(notAvailable('Gardens'));
    return;
  }
  const items = Array.isArray(g) ? g : g.items || g.gardens || [];
  root.append(items.length ? h('ul.gardens', null, items.map((x) => h('li', null, h('strong', null, x.name || x.id), x.topic ? ` · ${x.topic}` : '', x.goal ? h('div', null, x.goal) : null))) : h('p', null, 'No gardens yet.'));
}
