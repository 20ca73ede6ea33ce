// app.js: the staff dashboard shell: sign-in, hash routes (#/overview, #/accounts,
// #/accounts/ID, #/segments, #/voc, #/alerts, #/gardens), one module per page under /pages/.
// Members are sent to the portal. Each render is timed (fetch + DOM) into main's data-render-ms.
import { api, setCsrf, errorBox, clear, h } from './lib.js';

const routes = [
  [/^\/?$/, 'overview'],
  [/^\/overview$/, 'overview'],
  [/^\/accounts$/, 'accounts'],
  [/^\/accounts\/([^/]+)$/, 'account'],
  [/^\/segments$/, 'segments'],
  [/^\/voc$/, 'voc'],
  [/^\/alerts$/, 'alerts'],
  [/^\/gardens$/, 'gardens'],
];

const $ = (id) => document.getElementById(id);
let me = null;
let seq = 0;

function showLogin(msg) {
  me = null;
  $('nav').hidden = true;
  $('who').hidden = true;
  clear($('view'));
  $('login').hidden = false;
  const e = $('login-error');
  e.hidden = !msg;
  e.textContent = msg || '';
  $('login-name').focus();
}

function signedIn(user) {
  me = user;
  if (user.role === 'member') {
    location.replace('/portal.html');
    return false;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = `${user.name} (${user.role.replace('_', ' ')})`;
  return true;
}

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, ''));
  const [path, query] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query || '') };
}

async function route() {
  if (!me) return;
  const { path, query } = parseHash();
  const view = $('view');
  const my = ++seq;
  let page = null;
  let params = [];
  for (const [re, name] of routes) {
    const m = path.match(re);
    if (m) {
      page = name;
      params = m.slice(1);
      break;
    }
  }
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || path.startsWith(target + '/') || (page === 'overview' && target === '/overview'))
      a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = $('main');
  main.dataset.ready = '0';
  main.dataset.page = page || 'none';
  if (!page) {
    clear(view).appendChild(h('div.error', { role: 'alert' }, `no such page: ${path}`));
    main.dataset.ready = '1';
    return;
  }
  const t0 = performance.now();
  try {
    const mod = await import(`./pages/${page}.js`);
    const root = h('div.page', { dataset: { page } });
    await mod.render(root, { params, query, me });
    if (my !== seq) return; // another route started meanwhile
    clear(view).appendChild(root);
  } catch (e) {
    if (my !== seq) return;
    if (e.status === 401) {
      showLogin('Your session ended; please sign in again.');
      return;
    }
    clear(view).appendChild(errorBox(e));
  }
  const ms = performance.now() - t0;
  main.dataset.renderMs = ms.toFixed(1);
  main.dataset.ready = '1';
  const h1 = view.querySelector('h1');
  if (h1) document.title = `${h1.textContent} · cxgarden`;
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
      if (signedIn(r.user)) {
        if (!location.hash) location.hash = '#/overview';
        else route();
      }
    } catch (e) {
      showLogin(e.status === 401 ? 'Wrong user name or password.' : e.message);
    }
  });
  $('logout').addEventListener('click', async () => {
    try {
      await api('/api/v1/logout', { method: 'POST' });
    } catch (e) {
      /* the session may be gone already */
    }
    setCsrf(null);
    showLogin('Signed out.');
  });
  window.addEventListener('hashchange', route);
  try {
    const u = await api('/api/v1/me');
    if (signedIn(u)) route();
  } catch (e) {
    if (e.status === 404) {
      // members get 404 on staff routes: they belong in the portal
      location.replace('/portal.html');
      return;
    }
    showLogin(e.status === 401 ? '' : e.message);
  }
}

start();
