// segment_client.mjs: drives a cxgarden server with the real @segment/analytics-node client
// (tests/api/collect_segment.sh). Usage: node segment_client.mjs URL WRITE_KEY PHASE ACCOUNTS
// PEOPLE EVENTS. PHASE "people" sends identify + group for every person, "events" sends EVENTS
// track calls (messageId evt-K, so a second run is a retry), "page" one page + one screen each.
// Prints {"requests": N, "statuses": {...}, "errors": N} as JSON on stdout.
import { Analytics } from '@segment/analytics-node';

const [url, key, phase, nacc, npeople, nevents] = process.argv.slice(2);
const A = Number(nacc), P = Number(npeople), E = Number(nevents);
const titles = ['VP Engineering', 'Head of Data', 'Product Manager', 'Analyst'];
const events = ['Report Viewed', 'Dashboard Shared', 'Export Created', 'Alert Configured'];
const plans = ['Starter', 'Pro', 'Enterprise'];

const client = new Analytics({ writeKey: key, host: url, flushAt: 500, flushInterval: 100, maxRetries: 2,
  // No duration is asserted: a 500-message batch on a busy shared machine may take longer than
  // the client's default 10 s timeout (which would abort and resend it).
  httpRequestTimeout: 300000 });
const out = { requests: 0, statuses: {}, errors: 0, events: 0 };
client.on('http_request', (r) => { out.requests++; out.events += JSON.parse(r.body).batch.length; });
client.on('http_response', (r) => { out.statuses[r.status] = (out.statuses[r.status] || 0) + 1; });
client.on('error', () => { out.errors++; });

if (phase === 'people') {
  for (let i = 0; i < P; i++) {
    const userId = `p${i}`, groupId = `acc${i % A}`;
    client.identify({ userId, traits: { firstName: 'Person', lastName: String(i), email: `p${i}@example.com`, title: titles[i % titles.length] } });
    client.group({ userId, groupId, traits: { name: `Account ${i % A}`, plan: plans[(i % A) % plans.length], mrr: 100 * ((i % A) + 1) } });
  }
} else if (phase === 'events') {
  for (let k = 0; k < E; k++)
    client.track({ userId: `p${k % P}`, event: events[k % events.length], messageId: `evt-${k}`, properties: { k, revenue: 1 } });
} else if (phase === 'page') {
  for (let i = 0; i < P; i++) {
    client.page({ userId: `p${i}`, name: 'Pricing', properties: { path: '/pricing' } });
    client.screen({ userId: `p${i}`, name: 'Home' });
  }
}
await client.closeAndFlush();
console.log(JSON.stringify(out));
