// gardens.mjs: the staff gardens page and the member portal in headless Chromium against a
// real `cxgarden serve` on a generated database with the demo gardens (`gardens seed-demo`).
// Checks that the page shows the API's numbers (members, ideas per state, impact with its
// intervals, the leaderboard), moves a proposed idea through the workflow as the right roles
// (an account manager who is not the author gets the API's 403 shown; an analyst sends it to
// review; a sponsor's approval is recorded as 1 of 2; the board member's second approval moves
// it to approved), and that a member sees only their gardens, can vote, comment and propose an
// idea, and gets "not found" for another garden (never asked for) and its ideas (404); an
// invited colleague accepts and joins a running experiment ("You take part"). Saves
// screenshots under $CXG_BUILD_DIR/screenshots/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = process.env.CXG_BINARY;
const SRC = process.env.CXG_SOURCE_DIR;
const BUILD = process.env.CXG_BUILD_DIR || path.dirname(BIN);
const require = createRequire(path.join(SRC, 'package.json'));
const { chromium } = require('playwright-core');

const SLOW = /san|asan/i.test(BUILD) || /san/i.test(BIN);
const TIMEOUT = SLOW ? 60000 : 20000;
const SHOTS = path.join(BUILD, 'screenshots');

const T = mkdtempSync(path.join(tmpdir(), 'cxg-gardens-'));
// the database: CXG_BROWSER_DB (run.sh, on PostgreSQL) or a file here; an address keeps its key
// and snapshot files in [server] data_dir (this temporary directory)
const DB = process.env.CXG_BROWSER_DB || path.join(T, 'g.db');
const DATA_INI = /^postgres(ql)?:\/\//.test(DB) ? `data_dir = ${T}\n` : '';
// SQL on the database, by sqlite3 or psql (tests/lib/db.bash)
const sql = (q) =>
  execFileSync('bash', ['-c', '. "$0"; cxg_db_sql "$1" "$2"', path.join(SRC, 'tests/lib/db.bash'), DB, q], { encoding: 'utf8' }).trim();
const INI = path.join(T, 'g.ini');
let server = null;
let browser = null;
let fails = 0;
let checks = 0;
const t00 = Date.now();

function fail(msg) {
  fails++;
  console.log(`FAIL: ${msg}`);
}
function check(name, got, want) {
  checks++;
  if (String(got) !== String(want)) fail(`${name}: got '${got}', expected '${want}'`);
}
function ok(name, cond, detail = '') {
  checks++;
  if (!cond) fail(`${name}${detail ? `: ${detail}` : ''}`);
}

// the same formatting as web/lib.js and web/pages/gardens.js
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmt = (v, d = 0) => (v === null || v === undefined ? '—' : d === 1 ? nf1.format(v) : nf0.format(v));
const money = (v) => (v === null || v === undefined ? '—' : '$' + nf0.format(v));
const pct = (v) => (v === null || v === undefined ? '—' : nf1.format(v * 100) + '%');
const signed = (s, v) => (v > 0 ? '+' + s : s);
const fmtShare = (v, diff) => (v === null || v === undefined ? '—' : diff ? signed(fmt(v * 100, 1), v) + ' pts' : pct(v));
const fmtPlain = (v, diff) => (v === null || v === undefined ? '—' : diff ? signed(fmt(v, 1), v) : fmt(v, 1));

function cx(...args) {
  return execFileSync(BIN, ['--db', DB, '--config', INI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function startServer() {
  server = spawn(BIN, ['--db', DB, '--config', INI, 'serve'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), TIMEOUT * 3);
    server.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on http:\/\/[^ ]*:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    server.on('exit', (c) => reject(new Error(`server exited ${c}: ${log}`)));
  });
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(INI, '[server]\nport = 0\nthreads = 2\naccess_log = off\n' + DATA_INI + '[auth]\npwhash = fast-insecure-for-tests\nlogin_max_failures = 50\n[gardens]\napprovers = 2\n');
  let t = Date.now();
  cx('generate', '--seed', '1', '--scale', '0.05');
  cx('gardens', 'seed-demo');
  // seeded users have no password: give one to the staff roles used and to one member
  const member = sql("SELECT name FROM users WHERE role = 'member' ORDER BY name LIMIT 1");
  const am = sql("SELECT name FROM users WHERE role = 'account_manager' AND name NOT IN ('vp-success', 'board-sponsor') ORDER BY name LIMIT 1");
  const pw = {};
  for (const u of ['cx-admin', 'cx-analyst', 'vp-success', 'board-sponsor', am, member]) pw[u] = cx('user', 'passwd', u);
  // a colleague of the member, invited (not yet accepted) to a garden none of their account is in
  const mp = member.replace(/^member-/, '');
  const colleague = sql(`SELECT ext_id FROM people WHERE account_id = (SELECT account_id FROM people WHERE ext_id = '${mp}') AND ext_id <> '${mp}' ORDER BY id LIMIT 1`);
  const inviteTo = sql(`SELECT ext_id FROM gardens WHERE id NOT IN (SELECT garden_id FROM garden_members WHERE person_id IN (SELECT id FROM people WHERE account_id = (SELECT account_id FROM people WHERE ext_id = '${mp}'))) ORDER BY id LIMIT 1`);
  cx('gardens', 'add-member', inviteTo, '--person', colleague, '--as', 'cx-admin');
  pw.invitee = cx('user', 'add', 'invitee', '--role', 'member', '--person', colleague);
  console.log(`data: generated and gardens seeded in ${Date.now() - t} ms (member ${member}, account manager ${am})`);
  const URL = await startServer();
  t = Date.now();
  const ctx = await chromium.launchPersistentContext(mkdtempSync(path.join(T, 'chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  browser = ctx;
  console.log(`browser: started in ${Date.now() - t} ms`);
  ctx.setDefaultTimeout(TIMEOUT);
  const page = ctx.pages()[0] || (await ctx.newPage());

  // expected failures in the console: signed-out /me, the 403 of the wrong role's move, the
  // member's 404 for another garden's idea
  const expected = ['/api/v1/me', '/api/v1/portal/me', '/api/v1/ideas/', '/api/v1/portal/ideas/'];
  const problems = [];
  const requests = [];
  page.on('request', (r) => {
    const u = new globalThis.URL(r.url());
    requests.push(u.pathname);
    if (!['127.0.0.1', 'localhost'].includes(u.hostname)) problems.push(`request to a non-loopback host: ${r.url()}`);
  });
  let step = 'start';
  page.on('response', (r) => { if (r.status() === 401 && process.env.CXG_DEBUG) console.log(`401 ${r.request().method()} ${r.url()} during ${step}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location() && m.location().url ? new globalThis.URL(m.location().url).pathname : '';
    if (/Failed to load resource/.test(m.text()) && expected.some((p) => loc.startsWith(p))) return;
    problems.push(`console error: ${m.text()} (${loc})`);
  });
  const apiGet = (p) => page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, body: await r.json() };
  }, p);
  const waitReady = async (name) => {
    await page.waitForSelector(`main[data-ready="1"][data-page="${name}"]`);
    const ms = Number(await page.getAttribute('main', 'data-render-ms'));
    // the page reports its render time; no test asserts a duration (a busy machine is not
    // a bug): the time is printed for the reader
    ok(`${name}: reports its render time (${ms} ms)`, Number.isFinite(ms) && ms >= 0);
    return ms;
  };
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const signIn = async (name, where) => {
    step = `sign in ${name}`;
    if (page.url().startsWith(URL) && (await page.isVisible('#who'))) {
      await page.waitForSelector('main[data-ready="1"]');
      await page.waitForFunction(() => !document.querySelector('[aria-busy=true]')); // impact still loading
      await page.click('#logout');
      await page.waitForSelector('#login:not([hidden])');
    }
    await page.goto('about:blank');
    await page.goto(URL + where);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-name', name);
    await page.fill('#login-password', pw[name]);
    await page.press('#login-password', 'Enter');
    await page.waitForSelector('#who:not([hidden])');
  };

  // ---- staff: the list of gardens ----
  await signIn('cx-admin', '/#/gardens');
  await waitReady('gardens');
  const gl = (await apiGet('/api/v1/gardens')).body.gardens;
  ok('three demo gardens', gl.length === 3, `${gl.length}`);
  check('gardens: rows', await page.locator('table[aria-label=Gardens] tbody tr').count(), gl.length);
  for (const g of gl) {
    const row = page.locator('table[aria-label=Gardens] tbody tr', { has: page.locator(`a:text-is("${g.name}")`) });
    check(`gardens: ${g.id} members`, await row.locator('td[data-col=members]').textContent(), fmt(g.members));
    check(`gardens: ${g.id} ideas`, await row.locator('td[data-col=ideas]').textContent(), fmt(g.ideas));
  }
  await shot('gardens');
  // the first idea of every garden (for the member's probe of a garden not theirs)
  const firstIdea = {};
  for (const x of gl) firstIdea[x.id] = (await apiGet(`/api/v1/gardens/${x.id}/ideas`)).body.ideas[0].id;

  // ---- one garden: members, board, impact, leaderboard ----
  const G = gl[0].id;
  await page.click(`table[aria-label=Gardens] a:text-is("${gl[0].name}")`);
  await waitReady('gardens');
  const g = (await apiGet(`/api/v1/gardens/${G}`)).body;
  const ideas = (await apiGet(`/api/v1/gardens/${G}/ideas`)).body.ideas;
  const im = (await apiGet(`/api/v1/gardens/${G}/impact`)).body;
  const lb = (await apiGet(`/api/v1/ledger/leaderboard?garden=${G}&limit=10`)).body;
  check('garden: title', await page.textContent('#view h1'), g.name);
  check('garden: members', await page.textContent('[data-kpi=members] .kpi-value'), fmt(g.members));
  check('garden: member accounts', await page.textContent('[data-kpi=accounts] .kpi-value'), fmt(g.accounts));
  const ext = g.member_list.filter((m) => m.kind === 'external');
  check('garden: customer rows', await page.locator('table[aria-label="Customer members"] tbody tr').count(), ext.length);
  check('garden: internal rows', await page.locator('table[aria-label="Internal members"] tbody tr').count(), g.member_list.length - ext.length);
  check('garden: customer statuses', (await page.locator('table[aria-label="Customer members"] td[data-col=status]').allTextContents()).join(','), ext.map((m) => m.status).join(','));
  const cols = { proposed: ['proposed'], under_review: ['under_review'], approved: ['approved'], running: ['running'], concluded: ['adopted', 'rejected'], withdrawn: ['withdrawn'] };
  for (const [col, states] of Object.entries(cols)) {
    const n = ideas.filter((i) => states.includes(i.state)).length;
    check(`board: ${col}`, await page.locator(`.board-col[data-state=${col}] li.card`).count(), n);
    ok(`board: ${col} has an idea in the demo`, n >= 1);
  }
  await page.waitForSelector('section[data-impact=loaded]');
  for (const [k, f] of [['retention_90d', fmtShare], ['retention_180d', fmtShare], ['mrr_change_180d', fmtShare], ['nps_180d', fmtPlain]]) {
    const row = page.locator(`table.impact tr[data-metric=${k}]`);
    check(`impact ${k}: diff`, await row.locator('td[data-col=diff]').textContent(), f(im[k].diff, true));
    check(`impact ${k}: interval`, await row.locator('td[data-col=ci95]').textContent(), `${f(im[k].ci95[0], true)} to ${f(im[k].ci95[1], true)}`);
    check(`impact ${k}: sizes`, await row.locator('td[data-col=n]').textContent(), `${fmt(im[k].members_n)} / ${fmt(im[k].comparison_n)}`);
  }
  check('impact: comparison accounts', await page.textContent('[data-kpi=impact_comparison] .kpi-value'), fmt(im.comparison_accounts));
  check('impact: MRR retained', await page.textContent(`ul.mrr-retained li[data-currency=${im.mrr_retained[0].currency}] .money`), money(im.mrr_retained[0].mrr_retained));
  check('leaderboard: rows', await page.locator('table.leaderboard tbody tr').count(), lb.rows.length);
  check('leaderboard: first', `${await page.textContent('table.leaderboard tbody tr:first-child td[data-col=key]')} ${await page.textContent('table.leaderboard tbody tr:first-child td[data-col=points]')}`,
    `${lb.rows[0].key} ${fmt(lb.rows[0].points)}`);
  // an adopted idea's history and experiment result, opened by keyboard
  const adopted = ideas.find((i) => i.state === 'adopted');
  const ad = (await apiGet(`/api/v1/ideas/${adopted.id}`)).body;
  await page.focus(`details[data-idea="${adopted.id}"] summary`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`details[data-idea="${adopted.id}"][data-loaded="1"]`);
  const est = ad.experiment.result.estimate;
  const f = /^retention|mrr/.test(ad.experiment.metric) ? fmtShare : fmtPlain;
  const exp = await page.textContent(`details[data-idea="${adopted.id}"] .experiment`);
  ok('adopted idea: experiment result shown', exp.includes(`difference ${f(est.diff, true)} (95% ${f(est.ci95[0], true)} to ${f(est.ci95[1], true)}`), exp);
  check('adopted idea: history', await page.locator(`details[data-idea="${adopted.id}"] ul.history li`).count(), ad.transitions.length);
  await shot('garden');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.dispatchEvent(new HashChangeEvent('hashchange')));
  await waitReady('gardens');
  const wide = await page.evaluate(() => [...document.querySelectorAll('#view *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.scroll')).slice(0, 3).map((e) => `${e.tagName}.${e.className}`).join(' '));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  ok('garden fits a 390 px screen', overflow <= 1, `overflow ${overflow}px: ${wide}`);
  await shot('garden-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- the workflow, as the right (and a wrong) role ----
  const idea = ideas.find((i) => i.state === 'proposed');
  const move = async (to, why) => {
    await page.waitForSelector(`li.card[data-id="${idea.id}"]`);
    await page.selectOption(`#mv-to-${idea.id}`, to);
    await page.fill(`#mv-why-${idea.id}`, why);
    await page.click(`li.card[data-id="${idea.id}"] button:text-is("Move")`);
  };
  const stateOf = async () => (await apiGet(`/api/v1/ideas/${idea.id}`)).body;
  await signIn(am, `/#/gardens/${G}`);
  await waitReady('gardens');
  await move('under_review', 'looks good to me');
  await page.waitForSelector(`li.card[data-id="${idea.id}"] .error`);
  const err = await page.textContent(`li.card[data-id="${idea.id}"] .error`);
  ok('wrong role: the API\'s 403 is shown', /\[403 forbidden\]/.test(err) && err.includes('may not move'), err);
  check('wrong role: idea unchanged', (await stateOf()).state, 'proposed');

  await signIn('cx-analyst', `/#/gardens/${G}`);
  await waitReady('gardens');
  await move('under_review', 'ready for review');
  await page.waitForSelector(`.board-col[data-state=under_review] li.card[data-id="${idea.id}"]`);
  await waitReady('gardens');
  ok('analyst: moved message', (await page.textContent('#gd-msg')).includes('moved from proposed to under review'));
  check('analyst: under review in the API', (await stateOf()).state, 'under_review');
  await page.waitForFunction(() => document.activeElement && document.activeElement.closest('#gd-msg'), null, { timeout: 2000 }).catch(() => {});
  ok('analyst: focus on the outcome of the move', await page.evaluate(() => !!(document.activeElement && document.activeElement.closest('#gd-msg'))));

  await signIn('vp-success', `/#/gardens/${G}`);
  await waitReady('gardens');
  await move('approved', 'sponsor agrees');
  await page.waitForSelector('#gd-msg .notice');
  ok('sponsor: approval 1 of 2 shown', (await page.textContent('#gd-msg')).includes('1 of 2'), await page.textContent('#gd-msg'));
  const s1 = await stateOf();
  check('sponsor: still under review, one approval', `${s1.state} ${s1.approvals}`, 'under_review 1');
  // the same approver twice does not make two approvals
  await move('approved', 'again');
  await page.waitForSelector(`li.card[data-id="${idea.id}"] .error, #gd-msg .notice`);
  const s1b = await stateOf();
  check('sponsor again: still one approval', `${s1b.state} ${s1b.approvals}`, 'under_review 1');

  await signIn('board-sponsor', `/#/gardens/${G}`);
  await waitReady('gardens');
  await move('approved', 'board agrees');
  await page.waitForSelector(`.board-col[data-state=approved] li.card[data-id="${idea.id}"]`);
  const s2 = await stateOf();
  check('board: approved', `${s2.state} ${s2.approvals}`, 'approved 2');
  check('board: transitions recorded', s2.transitions.map((x) => `${x.to}:${x.by}:${x.why}`).join('|'), 'under_review:cx-analyst:ready for review|approved:board-sponsor:board agrees');

  // ---- member portal ----
  const memberFrom = requests.length;
  await signIn(member, '/portal.html');
  await waitReady('portal');
  const pg = (await apiGet('/api/v1/portal/gardens')).body.gardens;
  ok('member: in at least one garden', pg.length >= 1);
  check('member: gardens listed', await page.locator('ul.gardens li').count(), pg.length);
  const others = gl.filter((x) => !pg.some((p) => p.id === x.id));
  ok('member: not in every garden', others.length >= 1);
  const body = await page.textContent('#view');
  for (const o of others) ok(`member: ${o.name} not shown`, !body.includes(o.name));
  await shot('portal');
  const MG = pg.find((x) => x.my_status === 'accepted').id;
  await page.click(`ul.gardens a[href="#/gardens/${MG}"]`);
  await waitReady('portal-garden');
  const mi = (await apiGet(`/api/v1/portal/gardens/${MG}/ideas`)).body.ideas;
  check('member: ideas listed', await page.locator('ul.ideas li').count(), mi.length);
  const first = mi[0];
  ok('member: vote tallies shown', (await page.textContent(`ul.ideas li[data-id="${first.id}"]`)).includes(`▲ ${first.votes_up} ▼ ${first.votes_down} · ${first.comments} comments`));
  // propose an idea
  await page.fill('#ni-title', 'Shared onboarding checklist');
  await page.fill('#ni-hyp', 'A checklist shortens time to first value');
  await page.selectOption('#ni-metric', 'activity');
  await page.click('#new-idea button[type=submit]');
  await page.waitForSelector('[data-state=flash]');
  await waitReady('portal-garden');
  const mi2 = (await apiGet(`/api/v1/portal/gardens/${MG}/ideas`)).body.ideas;
  check('member: idea proposed', mi2.length, mi.length + 1);
  const mine = mi2.find((i) => i.title === 'Shared onboarding checklist');
  check('member: the new idea', mine ? `${mine.state} ${mine.mine} ${mine.target_metric}` : 'none', 'proposed true activity');
  check('member: new idea listed', await page.locator('ul.ideas li').count(), mi.length + 1);
  await shot('portal-garden');
  await page.setViewportSize({ width: 390, height: 844 });
  const pov = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  ok('portal garden fits a 390 px screen', pov <= 1, `overflow ${pov}px`);
  await shot('portal-garden-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  // vote and comment on an idea
  const target = mi.find((i) => i.state === 'under_review') || first;
  await page.click(`ul.ideas li[data-id="${target.id}"] a`);
  await waitReady('portal-idea');
  const d0 = (await apiGet(`/api/v1/portal/ideas/${target.id}`)).body;
  const want = d0.my_vote === 1 ? -1 : 1;
  await page.click(`button.vote[data-vote="${want}"]`);
  await page.waitForSelector(`button.vote[data-vote="${want}"][aria-pressed=true]`);
  const d1 = (await apiGet(`/api/v1/portal/ideas/${target.id}`)).body;
  check('member: vote recorded', d1.my_vote, want);
  check('member: tally shown', await page.textContent('[data-tally=up]'), `▲ ${d1.votes_up}`);
  await page.fill('#nc-body', 'We would join a pilot of this');
  await page.click('#new-comment button[type=submit]');
  await page.waitForSelector('[data-state=flash]');
  await waitReady('portal-idea');
  const d2 = (await apiGet(`/api/v1/portal/ideas/${target.id}`)).body;
  check('member: comment added', d2.comment_list.length, d0.comment_list.length + 1);
  check('member: comment shown', await page.locator('ul.comments li').count(), d2.comment_list.length);
  ok('member: own comment shown as "you"', (await page.textContent('ul.comments')).includes('We would join a pilot of this'));
  ok('member: no "null" shown', !(await page.textContent('#view')).includes('null'));
  ok('member: no other customer named', !(await page.textContent('#view')).match(/member-p-/));
  await shot('portal-idea');
  // another garden's URL and one of its ideas: not found, nothing fetched for the garden
  const other = others[0];
  const before = requests.length;
  await page.evaluate((id) => { location.hash = `#/gardens/${id}`; }, other.id);
  await waitReady('portal-garden');
  check('member: another garden not found', await page.locator('[data-state=not-found]').count(), 1);
  ok('member: another garden never asked for', !requests.slice(before).some((p) => p.includes(other.id)), requests.slice(before).join(','));
  ok('member: nothing of it shown', !(await page.textContent('#view')).includes(other.name));
  const otherIdea = firstIdea[other.id];
  await page.evaluate((id) => { location.hash = `#/ideas/${id}`; }, otherIdea);
  await waitReady('portal-idea');
  check('member: another garden\'s idea not found', await page.locator('[data-state=not-found]').count(), 1);
  check('member: its API answer', (await apiGet(`/api/v1/portal/ideas/${otherIdea}`)).status, 404);
  await shot('portal-other-garden');
  const staff = requests.slice(memberFrom).filter((p) => p.startsWith('/api/v1/') && !p.startsWith('/api/v1/portal/') && p !== '/api/v1/login' && p !== '/api/v1/logout' && p !== '/api/v1/me');
  check('member: the portal fetched no staff route', staff.join(','), '');


  // ---- an invited colleague: sees the invitation, accepts it, then the garden's ideas ----
  await signIn('invitee', '/portal.html');
  await waitReady('portal');
  check('invitee: one garden, invited', (await page.locator('ul.gardens li').evaluateAll((l) => l.map((x) => `${x.dataset.id}:${x.dataset.status}`))).join(','), `${inviteTo}:invited`);
  check('invitee: no link before accepting', await page.locator('ul.gardens li a').count(), 0);
  await page.click(`ul.gardens li[data-id="${inviteTo}"] button:text-is("Accept the invitation")`);
  await page.waitForSelector(`ul.gardens li[data-id="${inviteTo}"][data-status=accepted]`);
  check('invitee: accepted in the API', (await apiGet(`/api/v1/portal/gardens/${inviteTo}`)).body.my_status, 'accepted');
  await page.click(`ul.gardens a[href="#/gardens/${inviteTo}"]`);
  await waitReady('portal-garden');
  check('invitee: ideas of the garden', await page.locator('ul.ideas li').count(), (await apiGet(`/api/v1/portal/gardens/${inviteTo}/ideas`)).body.ideas.length);
  // ---- the invitee joins the garden's running experiment with their account, by keyboard ----
  const runningIdea = (await apiGet(`/api/v1/portal/gardens/${inviteTo}/ideas`)).body.ideas.find((x) => x.state === 'running');
  ok('invitee: the garden has a running idea', !!runningIdea);
  if (runningIdea) {
    const inExp = () => sql(`SELECT count(*) FROM experiment_accounts ea JOIN experiments e ON e.id = ea.experiment_id JOIN people p ON p.account_id = ea.account_id WHERE e.idea_id = ${runningIdea.id} AND p.ext_id = '${colleague}'`);
    check('invitee: account not yet a participant', inExp(), '0');
    await page.click(`ul.ideas li[data-id="${runningIdea.id}"] a`);
    await waitReady('portal-idea');
    const j0 = (await apiGet(`/api/v1/portal/ideas/${runningIdea.id}`)).body;
    check('invitee: not participating yet', j0.participating, false);
    check('invitee: no "You take part" yet', await page.locator('[data-state=participating]').count(), 0);
    await page.focus('#join-experiment');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-state=participating]');
    await waitReady('portal-idea');
    ok('invitee: "You take part" shown', (await page.textContent('[data-state=participating]')).includes('You take part'));
    check('invitee: join button gone', await page.locator('#join-experiment').count(), 0);
    check('invitee: participating in the API', (await apiGet(`/api/v1/portal/ideas/${runningIdea.id}`)).body.participating, true);
    check('invitee: account among the participants', inExp(), '1');
    const led = (await apiGet('/api/v1/portal/ledger')).body;
    check('invitee: credited once for taking part', led.entries.filter((x) => x.cause_type === 'experiment' && x.kind === 'participation').length, 1);
    await shot('portal-idea-joined');
  }

  for (const p of problems) fail(p);
}

try {
  await main();
} catch (e) {
  fail(`exception: ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(T, { recursive: true, force: true });
}
console.log(`${checks} checks, ${fails} failures, ${((Date.now() - t00) / 1000).toFixed(1)} s`);
process.exit(fails ? 1 : 0);
