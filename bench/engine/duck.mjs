// duck.mjs: the DuckDB side of bench/engine/run.sh. Loads the tables engbench exported
// (OUTDIR/interactions.csv, people.csv, weights.sql) into an in-memory DuckDB with threads=2,
// then times OUTDIR/query.sql (best of 5) and checks its results against the engine's
// (expect.csv). Prints "duckdb SECONDS maxdiff X" and "duckdb_load SECONDS".
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const dir = process.argv[2];
const threads = process.argv[3] || '2';
const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
let t0 = performance.now();
await con.run(`CREATE TABLE interactions AS SELECT * FROM read_csv('${dir}/interactions.csv',
  header=false, columns={'person_id':'BIGINT','channel':'INTEGER','ts':'BIGINT','type_id':'INTEGER','pad':'INTEGER'})`);
await con.run(`CREATE TABLE people AS SELECT * FROM read_csv('${dir}/people.csv', header=false,
  columns={'id':'BIGINT','account_id':'BIGINT','seniority':'INTEGER','created_at':'BIGINT','left_at':'BIGINT'})`);
for (const stmt of readFileSync(`${dir}/weights.sql`, 'utf8').split(';').map(s => s.trim()).filter(Boolean))
  await con.run(stmt);
console.log(`duckdb_load ${((performance.now() - t0) / 1000).toFixed(3)}`);
const sql = readFileSync(`${dir}/query.sql`, 'utf8');
const expect = new Map(readFileSync(`${dir}/expect.csv`, 'utf8').trim().split('\n')
  .map(l => l.split(',')).map(([id, v]) => [BigInt(id), Number(v)]));
let best = Infinity, rows = null;
for (let k = 0; k < 5; k++) {
  t0 = performance.now();
  const reader = await con.runAndReadAll(sql);
  const t = (performance.now() - t0) / 1000;
  if (t < best) best = t;
  rows = reader.getRows();
}
let maxdiff = 0;
for (const [id, v] of rows) {
  const e = expect.get(BigInt(id));
  if (e !== undefined && Math.abs(Number(v) - e) > maxdiff) maxdiff = Math.abs(Number(v) - e);
}
console.log(`duckdb ${best.toFixed(4)} maxdiff ${maxdiff.toFixed(6)} rows ${rows.length}`);
if (maxdiff > 1e-3) {
  console.error(`duck.mjs: DuckDB and the engine disagree by ${maxdiff}`);
  process.exit(1);
}
