// portal.js: the member portal. A member sees only the gardens they belong to, from
// GET /api/v1/portal/gardens (and a garden's ideas from /api/v1/portal/gardens/{id}/ideas when
// that route exists); nothing about other customers is ever fetched. #/gardens/ID opens one
// garden; an id the member does not belong to shows "not found".
import { api, apiOptional, setCsrf, h, clear, errorBox, when } from './lib.js';

const $ = (id) => document.getElementById(id);
let me = null;

function showLogin(msg) {
  me = null;
  $('who').hidden = true;
  clear($('view'));
  $('login').hidden = false;
  $('login-error').hidden = !msg;
  $('login-error').textContent = msg || '';
  $('login-name').focus();
}

function signedIn(u) {
  me = u;
  $('login').hidden = true;
  $('who').hidden = false;
  $('who-name').textContent = u.name;
}

async function render() {
  if (!me) return;
  const main = $('main');
  main.dataset.ready = '0';
  const view = $('view');
  const t0 = performance.now();
  const m = location.hash.match(/^#\/gardens\/([^/?]+)/);
  const root = h('div.page', { dataset: { page: m ? 'portal-garden' : 'portal' } });
  try {
    const data = await api('/api/v1/portal/gardens');
    const gardens = data.gardens || data.items || [];
    if (m) {
      const id = decodeURIComponent(m[1]);
      const g = gardens.find((x) => String(x.id) === id);
      if (!g) {
        root.append(h('h1', null, 'Garden not found'), h('p', { dataset: { state: 'not-found' } }, 'There is no garden with this id among yours.'), h('a', { href: '#/' }, 'Back to your gardens'));
      } else {
        root.append(h('h1', null, g.name || g.id), g.goal ? h('p', null, g.goal) : null);
        const ideas = await apiOptional(`/api/v1/portal/gardens/${encodeURIComponent(id)}/ideas`);
        root.append(h('h2', null, 'Ideas'), ideas === null ? h('p.notice', { dataset: { state: 'unavailable' } }, 'Ideas are not available yet on this server.')
          : h('ul', null, (ideas.items || ideas.ideas || ideas).map((i) => h('li', null, h('strong', null, i.title), ` · ${i.state || ''} · ${i.votes || 0} votes`))));
      }
    } else {
      root.append(h('h1', null, 'Your gardens'), h('p.sub', null, `Signed in as ${me.name}`));
      root.append(gardens.length ? h('ul.gardens', { dataset: { count: gardens.length } }, gardens.map((g) => h('li', null,
        h('a', { href: `#/gardens/${encodeURIComponent(g.id)}` }, g.name || g.id), g.topic ? ` · ${g.topic}` : '', g.ends_at ? ` · until ${when(g.ends_at)}` : '')))
        : h('p', { dataset: { state: 'empty' } }, 'You are not a member of any garden yet. When your account team invites you, the garden appears here.'));
    }
  } catch (e) {
    if (e.status === 401) {
      showLogin('Please sign in.');
      return;
    }
    root.append(errorBox(e));
  }
  clear(view).appendChild(root);
  main.dataset.renderMs = (performance.now() - t0).toFixed(1);
  main.dataset.ready = '1';
}

async function start() {
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    if (!name || !password) {
      showLogin('Give your user name and password.');
      return;
    }
    try {
      const r = await api('/api/v1/login', { method: 'POST', body: { name, password } });
      setCsrf(r.csrf_token);
      $('login-password').value = '';
      signedIn(r.user);
      render();
    } catch (e) {
      showLogin(e.status === 401 ? 'Wrong user name or password.' : e.message);
    }
  });
  $('logout').addEventListener('click', async () => {
    try {
      await api('/api/v1/logout', { method: 'POST' });
    } catch (e) {
      /* already signed out */
    }
    setCsrf(null);
    showLogin('Signed out.');
  });
  window.addEventListener('hashchange', render);
  try {
    signedIn(await api('/api/v1/portal/me'));
    render();
  } catch (e) {
    showLogin(e.status === 401 ? '' : e.message);
  }
}

start();
