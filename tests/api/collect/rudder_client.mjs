// rudder_client.mjs: the real @rudderstack/rudder-sdk-node client against a cxgarden server
// (tests/api/collect_rudder.sh). Usage: node rudder_client.mjs URL WRITE_KEY PEOPLE EVENTS.
// Sends identify + group (account r-acc<i % 5>) per person, then EVENTS track calls, each with
// a callback; prints {"ok": N, "failed": N, "firstError": "..."} as JSON.
import Analytics from '@rudderstack/rudder-sdk-node';

const [url, key, npeople, nevents] = process.argv.slice(2);
const P = Number(npeople), E = Number(nevents);
const client = new Analytics(key, { dataPlaneUrl: url, flushAt: 500, flushInterval: 100, retryCount: 0, logLevel: 'error', gzip: false });
const out = { ok: 0, failed: 0, firstError: null };
const pending = [];
const send = (fn, msg) => pending.push(new Promise((resolve) => {
  fn.call(client, msg, (err) => {
    if (err) { out.failed++; out.firstError ??= String(err); } else out.ok++;
    resolve();
  });
}));
for (let i = 0; i < P; i++) {
  send(client.identify, { userId: `r${i}`, traits: { name: `Rudder ${i}`, title: 'Director of IT' } });
  send(client.group, { userId: `r${i}`, groupId: `r-acc${i % 5}`, traits: { name: `Rudder account ${i % 5}`, plan: 'Pro' } });
}
await client.flush();
for (let k = 0; k < E; k++)
  send(client.track, { userId: `r${k % P}`, event: 'Workflow Run', properties: { k } });
await client.flush();
await Promise.all(pending);
console.log(JSON.stringify(out));
