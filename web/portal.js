// portal.js: the member portal, only through /api/v1/portal/*. Routes: #/ (the member's
// gardens, with accept/decline for invitations, and their points), #/gardens/ID (a garden: its
// internal team, the ideas with vote tallies and comment counts, a form to propose an idea,
// leave), #/ideas/ID (an idea: vote up/down, comments, add a comment, the experiment when it
// runs, with "Join this experiment" until the member's account takes part, then "You take
// part"). A garden id not among the member's gardens shows "not found" without asking the API
// for it; an idea id the API does not show the member (404) shows "not found" too. Other
// customers never appear by name: the API already says "a member" / "a participant".
import { api, setCsrf, h, clear, errorBox, when, fmt } from './lib.js';

const $ = (id) => document.getElementById(id);
let me = null;
let flash = null;
let seq = 0;
const METRICS = ['retention_90d', 'retention_180d', 'mrr_change', 'nps', 'activity'];
const label = (s) => String(s).replace(/_/g, ' ');

function showLogin(msg) {
  me = null;
  seq++;
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

const reload = (text) => {
  flash = text || null;
  render();
};

function notFound(root, what) {
  root.append(h('h1', null, `${what} not found`),
    h('p', { dataset: { state: 'not-found' } }, `There is no ${what.toLowerCase()} with this id among yours.`),
    h('a', { href: '#/' }, 'Back to your gardens'));
}

// a button that runs an API write, shows the API's error next to it, else reloads the view
function actButton(text, out, fn, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', async () => {
    b.disabled = true;
    out.replaceChildren();
    try {
      reload(await fn());
    } catch (e) {
      out.append(errorBox(e));
      b.disabled = false;
    }
  });
  return b;
}

async function renderList(root) {
  const [data, ledger] = await Promise.all([api('/api/v1/portal/gardens'), api('/api/v1/portal/ledger')]);
  const gardens = data.gardens || [];
  root.append(h('h1', null, 'Your gardens'), h('p.sub', null, `Signed in as ${me.name}`));
  const out = h('div', { 'aria-live': 'assertive' });
  root.append(out);
  root.append(gardens.length ? h('ul.gardens', { dataset: { count: gardens.length } }, gardens.map((g) => h('li', { dataset: { id: g.id, status: g.my_status } },
    g.my_status === 'accepted' ? h('a', { href: `#/gardens/${encodeURIComponent(g.id)}` }, h('strong', null, g.name)) : h('strong', null, g.name),
    ` · ${g.topic_label || g.topic} · ${g.ideas} ideas · you: ${g.my_status}`,
    g.goal ? h('div.muted', null, g.goal) : null,
    g.my_status === 'invited' ? h('div.actions', null,
      actButton('Accept the invitation', out, async () => {
        await api(`/api/v1/portal/gardens/${encodeURIComponent(g.id)}/membership`, { method: 'POST', body: { status: 'accepted' } });
        return `Welcome to ${g.name}.`;
      }),
      actButton('Decline', out, async () => {
        await api(`/api/v1/portal/gardens/${encodeURIComponent(g.id)}/membership`, { method: 'POST', body: { status: 'declined' } });
        return `You declined ${g.name}.`;
      })) : null)))
    : h('p', { dataset: { state: 'empty' } }, 'You are not a member of any garden yet. When your account team invites you, the garden appears here.'));
  root.append(h('section', { 'aria-labelledby': 'pt-points' }, h('h2', { id: 'pt-points' }, 'Your contributions'),
    h('p', { dataset: { points: ledger.points } }, `${fmt(ledger.points)} points from ${fmt((ledger.entries || []).length)} contributions (ideas, votes, comments, feedback).`)));
}

async function renderGarden(root, id) {
  // only gardens the member belongs to are ever asked for
  const data = await api('/api/v1/portal/gardens');
  const mine = (data.gardens || []).find((x) => String(x.id) === id);
  if (!mine || mine.my_status !== 'accepted') {
    notFound(root, 'Garden');
    return;
  }
  const enc = encodeURIComponent(id);
  const [g, ideas] = await Promise.all([api(`/api/v1/portal/gardens/${enc}`), api(`/api/v1/portal/gardens/${enc}/ideas`)]);
  const list = ideas.ideas || [];
  const out = h('div', { 'aria-live': 'assertive' });
  root.append(h('p.crumbs', null, h('a', { href: '#/' }, 'Your gardens'), ' / ', g.name), h('h1', null, g.name),
    h('p.sub', null, `${g.topic_label || g.topic} · ${fmt(g.members)} members · you: ${g.my_status}`), g.goal ? h('p', null, g.goal) : '', out);
  root.append(h('section', { 'aria-labelledby': 'pt-ideas' }, h('h2', { id: 'pt-ideas' }, `Ideas (${list.length})`),
    list.length ? h('ul.ideas', null, list.map((i) => h('li', { dataset: { id: i.id, state: i.state } },
      h('a', { href: `#/ideas/${i.id}` }, h('strong', null, i.title)),
      h('div.muted', null, `${label(i.state)} · ▲ ${i.votes_up} ▼ ${i.votes_down} · ${i.comments} comments · by ${i.mine ? 'you' : i.author}`),
      i.hypothesis ? h('div', null, i.hypothesis) : null)))
      : h('p.muted', null, 'No ideas yet: propose the first one below.')));
  const title = h('input', { id: 'ni-title', required: true, maxlength: 200 });
  const hyp = h('textarea', { id: 'ni-hyp', rows: 2 });
  const desc = h('textarea', { id: 'ni-desc', rows: 3 });
  const metric = h('select', { id: 'ni-metric' }, METRICS.map((m) => h('option', { value: m }, label(m))));
  const fout = h('div', { 'aria-live': 'assertive' });
  const form = h('form.stack', { id: 'new-idea', novalidate: true },
    h('label', { for: 'ni-title' }, 'Title'), title,
    h('label', { for: 'ni-hyp' }, 'Hypothesis: what do you expect to change?'), hyp,
    h('label', { for: 'ni-desc' }, 'Description'), desc,
    h('label', { for: 'ni-metric' }, 'Measured by'), metric,
    h('button', { type: 'submit' }, 'Propose the idea'), fout);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fout.replaceChildren();
    if (!title.value.trim()) {
      fout.append(h('div.error', { role: 'alert' }, 'Give the idea a title.'));
      title.focus();
      return;
    }
    const body = { title: title.value.trim(), target_metric: metric.value };
    if (hyp.value.trim()) body.hypothesis = hyp.value.trim();
    if (desc.value.trim()) body.description = desc.value.trim();
    try {
      await api(`/api/v1/portal/gardens/${enc}/ideas`, { method: 'POST', body });
      reload(`Your idea "${body.title}" was proposed.`);
    } catch (e) {
      fout.append(errorBox(e));
    }
  });
  root.append(h('section', { 'aria-labelledby': 'pt-new' }, h('h2', { id: 'pt-new' }, 'Propose an idea'), form));
  root.append(h('section', { 'aria-labelledby': 'pt-team' }, h('h2', { id: 'pt-team' }, 'Your team at the company'),
    h('ul', null, (g.team || []).map((t) => h('li', null, `${t.name} (${label(t.role)})`)))));
  root.append(h('div.actions', null, actButton('Leave this garden', out, async () => {
    if (!window.confirm(`Leave ${g.name}? You can be invited again later.`)) return null;
    await api(`/api/v1/portal/gardens/${enc}/membership`, { method: 'POST', body: { status: 'left' } });
    location.hash = '#/';
    return `You left ${g.name}.`;
  })));
}

async function renderIdea(root, id) {
  let i;
  try {
    i = await api(`/api/v1/portal/ideas/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 404) {
      notFound(root, 'Idea');
      return;
    }
    throw e;
  }
  const enc = encodeURIComponent(i.id);
  const out = h('div', { 'aria-live': 'assertive' });
  const vote = (v, text) => actButton(text, out, async () => {
    await api(`/api/v1/portal/ideas/${enc}/votes`, { method: 'POST', body: { value: v } });
    return 'Your vote is counted.';
  }, { class: 'vote', 'aria-pressed': i.my_vote === v ? 'true' : 'false', dataset: { vote: v } });
  root.append(h('p.crumbs', null, h('a', { href: '#/' }, 'Your gardens'), ' / ', h('a', { href: `#/gardens/${encodeURIComponent(i.garden)}` }, i.garden), ' / idea'),
    h('h1', null, i.title),
    h('p.sub', null, `${label(i.state)} · measured by ${label(i.target_metric)} · by ${i.mine ? 'you' : i.author} · ${when(i.created_at).slice(0, 10)}`),
    i.hypothesis ? h('p', null, h('strong', null, 'Hypothesis: '), i.hypothesis) : '',
    i.description ? h('p', null, i.description) : '',
    h('div.actions', { id: 'votes' },
      h('span', { dataset: { tally: 'up' } }, `▲ ${i.votes_up}`), h('span', { dataset: { tally: 'down' } }, `▼ ${i.votes_down}`),
      vote(1, 'Vote up'), vote(-1, 'Vote down')),
    out);
  if (i.experiment) {
    const x = i.experiment;
    const running = x.status === 'running' && i.state === 'running';
    const xout = h('div', { 'aria-live': 'assertive' });
    let part = null;
    if (i.participating) {
      part = h('p.notice', { dataset: { state: 'participating' } }, running ? 'You take part: your account is among the participating accounts.' : 'Your account took part.');
    } else if (running) {
      part = h('div.actions', null, actButton('Join this experiment', xout, async () => {
        await api(`/api/v1/portal/ideas/${enc}/join`, { method: 'POST' });
        return 'You joined the experiment with your account.';
      }, { id: 'join-experiment' }), xout);
    }
    root.append(h('section', { 'aria-labelledby': 'pt-exp' }, h('h2', { id: 'pt-exp' }, 'Experiment'),
      h('p', { dataset: { status: x.status } }, `${label(x.status)} from ${when(x.starts_at).slice(0, 10)} to ${when(x.ends_at).slice(0, 10)}, measured by ${label(x.metric)}.`),
      part));
  }
  const comments = i.comment_list || [];
  const text = h('textarea', { id: 'nc-body', rows: 3 });
  const cout = h('div', { 'aria-live': 'assertive' });
  const form = h('form.stack', { id: 'new-comment', novalidate: true }, h('label', { for: 'nc-body' }, 'Your comment'), text, h('button', { type: 'submit' }, 'Comment'), cout);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    cout.replaceChildren();
    if (!text.value.trim()) {
      cout.append(h('div.error', { role: 'alert' }, 'Write a comment first.'));
      return;
    }
    try {
      await api(`/api/v1/portal/ideas/${enc}/comments`, { method: 'POST', body: { body: text.value.trim() } });
      reload('Your comment was added.');
    } catch (e) {
      cout.append(errorBox(e));
    }
  });
  root.append(h('section', { 'aria-labelledby': 'pt-comments' }, h('h2', { id: 'pt-comments' }, `Comments (${comments.length})`),
    comments.length ? h('ul.comments', null, comments.map((c) => h('li', { dataset: { id: c.id } }, h('strong', null, c.mine ? 'you' : c.by), ` · ${when(c.at)}`, h('div', null, c.body))))
      : h('p.muted', null, 'No comments yet.'), form));
  const tr = i.transitions || [];
  if (tr.length) {
    root.append(h('section', { 'aria-labelledby': 'pt-hist' }, h('h2', { id: 'pt-hist' }, 'History'),
      h('ul', null, tr.map((t) => h('li', null, `${when(t.at).slice(0, 10)}: ${label(t.from)} → ${label(t.to)}${t.why ? ` (${t.why})` : ''}`)))));
  }
}

async function render() {
  if (!me) return;
  const my = ++seq;
  const main = $('main');
  main.dataset.ready = '0';
  const view = $('view');
  const t0 = performance.now();
  const mg = location.hash.match(/^#\/gardens\/([^/?]+)/);
  const mi = location.hash.match(/^#\/ideas\/([^/?]+)/);
  const page = mg ? 'portal-garden' : mi ? 'portal-idea' : 'portal';
  const root = h('div.page', { dataset: { page } });
  if (flash) root.append(h('p.notice', { role: 'status', dataset: { state: 'flash' } }, flash));
  flash = null;
  try {
    if (mg) await renderGarden(root, decodeURIComponent(mg[1]));
    else if (mi) await renderIdea(root, decodeURIComponent(mi[1]));
    else await renderList(root);
  } catch (e) {
    if (e.status === 401) {
      showLogin('Please sign in.');
      return;
    }
    root.append(errorBox(e));
  }
  if (!me || my !== seq) return; // signed out or another view started meanwhile
  clear(view).appendChild(root);
  main.dataset.page = page;
  main.dataset.renderMs = (performance.now() - t0).toFixed(1);
  main.dataset.ready = '1';
  const h1 = view.querySelector('h1');
  if (h1) document.title = `${h1.textContent} · cxgarden portal`;
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
  window.addEventListener('hashchange', () => render());
  try {
    signedIn(await api('/api/v1/portal/me'));
    render();
  } catch (e) {
    showLogin(e.status === 401 ? '' : e.message);
  }
}

start();
