// Scoring 100,000 tokens (C4-chunks32: in 32 chunks; C4-one: as one sequence, its recurrent products split
// between the threads) on one thread against two, alternating in one process:
//   node test/bench/ab-score.js [C4-chunks32|C4-one] [--rounds 5]   (after npm run build)
import { openSession, Rng } from '../../dist/index.js';
import { planChunks } from '../../dist/model/evaluate.js';
import { CONFIGS } from './configs.js';
import { benchHeader } from './header.js';

const args = process.argv.slice(2);
const name = args.find((a) => a.startsWith('C4-')) ?? 'C4-chunks32';
const rounds = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 5);
console.log(JSON.stringify(await benchHeader()));
const m = CONFIGS[name].model(), chunks = CONFIGS[name].chunks;
const rng = new Rng(2), stream = new Int32Array(100_001);
for (let i = 1; i < stream.length; i++) stream[i] = 2 + rng.int(63);
const plan = chunks === 1 ? planChunks(stream, 1) : planChunks(stream, chunks, 0);
const sessions = { one: await openSession(m, { threads: 1, batch: plan.length, steps: 256 }), two: await openSession(m, { threads: 2, batch: plan.length, steps: 256 }) };
const rate = async (s) => { const t0 = performance.now(); await s.logProbs(stream, plan); return 100_000 / ((performance.now() - t0) / 1000); };
const got = { one: [], two: [] };
await rate(sessions.one);
await rate(sessions.two);
for (let r = 0; r < rounds; r++) for (const k of ['one', 'two']) got[k].push(await rate(sessions[k]));
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(JSON.stringify({
  config: name, threads: [sessions.one.threads, sessions.two.threads], one_tokens_per_s: Math.round(med(got.one)),
  two_tokens_per_s: Math.round(med(got.two)), ratio_median: Number(med(got.one.map((x, i) => got.two[i] / x)).toFixed(2)),
}));
await sessions.one.close();
await sessions.two.close();
