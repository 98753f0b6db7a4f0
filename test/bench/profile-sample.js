// Where a sampled token's time goes, batch 1 (C3-char / C3-word of configs.json), one thread:
//   node test/bench/profile-sample.js [C3-word|C3-char] [--kernels simd|fma|wasm] [--decoder f32|bf16|int8]   (after npm run build)
// Every kernel call of the forward pass is timed (a reduced decoder's product too); "choose" is drawing the token from the V logits (its kernels included).
import { InferenceSession, Rng, SAMPLE_DEFAULTS } from '../../dist/index.js';
import { chooseToken } from '../../dist/infer/sample.js';
import { CONFIGS } from './configs.js';
import { benchHeader } from './header.js';

const args = process.argv.slice(2);
const set = args.includes('--kernels') ? args[args.indexOf('--kernels') + 1] : 'wasm';
const name = args.find((a) => a.startsWith('C3-')) ?? 'C3-word';
const decoder = args.includes('--decoder') ? args[args.indexOf('--decoder') + 1] : 'f32';
console.log(JSON.stringify(await benchHeader()));
const m = CONFIGS[name].model();
const s = await InferenceSession.create(m, { kernels: set, decoder });
const k = s.net.kernels;
const time = {}, calls = {};
// the session's kernels object is wrapped in place (the network and a reduced decoder's product both call it); raw keeps the originals
const raw = { ...k };
for (const [key, fn] of Object.entries(raw)) {
  if (typeof fn !== 'function') continue;
  k[key] = (...a) => { const t = performance.now(); const r = fn(...a); time[key] = (time[key] ?? 0) + performance.now() - t; calls[key] = (calls[key] ?? 0) + 1; return r; };
}
const V = m.vocab.size, ids = k.heap.i32, rng = new Rng(1);
const o = { ...SAMPLE_DEFAULTS }, norm = { logZ: NaN };
let choose = 0;
const step = (id) => {
  ids[s.net.inputs] = id;
  s.net.forward(1, 1);
  const row = s.net.scores(0);
  const t = performance.now();
  const next = chooseToken(raw, row, V, s.net.draw, o, rng, norm); // the unwrapped kernels: its time is counted here only
  choose += performance.now() - t;
  return next;
};
let id = 0;
for (let i = 0; i < 300; i++) id = step(id);
for (const key of Object.keys(time)) { time[key] = 0; calls[key] = 0; }
choose = 0;
const N = 3000, t0 = performance.now();
for (let i = 0; i < N; i++) id = step(id);
const total = performance.now() - t0;
console.log(`${name} (${k.name}, decoder ${decoder}): ${(1000 * total / N).toFixed(1)} µs per token (${Math.round(N / (total / 1000))} tokens/s, batch 1, one thread)`);
const ker = Object.values(time).reduce((a, b) => a + b, 0);
for (const [key, t] of Object.entries(time).sort((a, b) => b[1] - a[1])) console.log(`  ${key.padEnd(14)} ${(100 * t / total).toFixed(1).padStart(5)}%  ${(1000 * t / N).toFixed(1).padStart(7)} µs  ${calls[key] / N} calls`);
console.log(`  choose (draw)  ${(100 * choose / total).toFixed(1).padStart(5)}%  ${(1000 * choose / N).toFixed(1).padStart(7)} µs`);
console.log(`  other JS       ${(100 * (total - ker - choose) / total).toFixed(1).padStart(5)}%`);
