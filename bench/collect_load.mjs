// collect_load.mjs: POST pre-built /v1/batch bodies from CONNS keep-alive connections as fast as
// the server answers (bench/collect.sh). Usage: node collect_load.mjs URL KEY CONNS FILE...
// Prints {"requests", "events", "seconds", "statuses"} as JSON.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, key, conns, ...files] = process.argv.slice(2);
const bodies = files.map((f) => readFileSync(f));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const auth = 'Basic ' + Buffer.from(key + ':').toString('base64');
const u = new URL('/v1/batch', url);
const out = { requests: 0, events: 0, seconds: 0, statuses: {} };
let next = 0;
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request(u, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Authorization: auth, 'Content-Length': body.length } }, (res) => {
    let text = '';
    res.on('data', (d) => { text += d; });
    res.on('end', () => {
      out.statuses[res.statusCode] = (out.statuses[res.statusCode] || 0) + 1;
      if (res.statusCode === 200) out.events += JSON.parse(text).accepted;
      resolve();
    });
  });
  req.on('error', reject);
  req.end(body);
});
const worker = async () => {
  while (next < bodies.length) {
    const b = bodies[next++];
    await post(b);
    out.requests++;
  }
};
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(conns) }, worker));
out.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
agent.destroy();
console.log(JSON.stringify(out));
