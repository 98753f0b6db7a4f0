// Batch-1 sampling on one thread against two (the decoder split with a worker), or against one thread
// reading a reduced copy of the decoder (--decoder bf16|int8), alternating in one process:
//   node test/bench/ab-sample.js [C3-word|C3-char] [--rounds 7] [--decoder bf16|int8]   (after npm run build)
import { openSession, sampleTokens, SAMPLE_DEFAULTS, Rng } from '../../dist/index.js';
import { CONFIGS } from './configs.js';
import { benchHeader } from './header.js';

const args = process.argv.slice(2);
const name = args.find((a) => a.startsWith('C3-')) ?? 'C3-word';
const rounds = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 7);
console.log(JSON.stringify(await benchHeader()));
const m = CONFIGS[name].model();
const decoder = args.includes('--decoder') ? args[args.indexOf('--decoder') + 1] : 'f32';
const sessions = { one: await openSession(m, { threads: 1 }), two: await openSession(m, decoder !== 'f32' ? { threads: 1, decoder } : { threads: 2 }) };
const rate = (s) => {
  const rng = new Rng(1), t0 = performance.now();
  let n = 0;
  while (n < 1000) for (const _ of sampleTokens(s, { ...SAMPLE_DEFAULTS, maxLength: 1000 - n }, rng)) n++;
  return n / ((performance.now() - t0) / 1000);
};
const got = { one: [], two: [] };
rate(sessions.one);
rate(sessions.two);
for (let r = 0; r < rounds; r++) for (const k of ['one', 'two']) got[k].push(rate(sessions[k]));
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratios = got.one.map((x, i) => got.two[i] / x);
console.log(JSON.stringify({
  config: name, threads: [sessions.one.threads, sessions.two.threads], decoder: ['f32', decoder],
  one_tokens_per_s: Math.round(med(got.one)), [decoder !== 'f32' ? `${decoder}_tokens_per_s` : 'two_tokens_per_s']: Math.round(med(got.two)), ratio_median: Number(med(ratios).toFixed(2)),
}));
await sessions.one.close();
await sessions.two.close();
