#!/usr/bin/env node
// Same-run A/B of one training window (forward, loss, backward; one thread, no optimizer) between
// kernel sets, and optionally another build of recur (an older commit, built, in DIR): the variants
// take turns window by window, so machine load hits them alike; prints median ms per window and ratios.
//   node test/bench/ab.js [gru|lstm|rnn ...] [--sets simd,fma] [--base DIR] [--batch 16] [--rounds 15]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { benchHeader } from './header.js';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const cells = args.filter((a) => ['gru', 'lstm', 'rnn'].includes(a));
const sets = opt('--sets', 'simd,fma').split(',');
const baseDir = opt('--base', null);
const B = Number(opt('--batch', '16')), T = 64, V = 65, rounds = Number(opt('--rounds', '15'));
console.log(JSON.stringify({ ...(await benchHeader()), batch: B, steps: T }));

async function lib(dir) {
  const at = (p) => import(pathToFileURL(resolve(dir, 'dist', p)).href);
  const [heap, kernels, network, params, config, rng] = await Promise.all(
    ['core/heap.js', 'kernels/index.js', 'nn/network.js', 'nn/params.js', 'nn/config.js', 'core/rng.js'].map(at));
  return { ...heap, ...kernels, ...network, ...params, ...config, ...rng };
}

async function variant(L, set, cell) {
  const cfg = L.modelConfig({ level: 'char', cell, embed: 65, hidden: 256, layers: 1 });
  const plan = new L.HeapPlan();
  const net = new L.Network(plan, cfg, V, { B, T, train: true });
  const k = await L.createKernels(set, plan.words);
  net.attach(k);
  L.initParams(net.paramView(), net.layout, cfg, new L.Rng(1));
  const ids = k.heap.i32, rng = new L.Rng(2);
  for (let i = 0; i < B * T; i++) { ids[net.inputs + i] = 2 + rng.int(63); ids[net.targets + i] = 2 + rng.int(63); }
  return () => { net.zeroGrads(); net.forward(T, B); net.lossAndGrad(); net.backward(); };
}

const here = await lib(resolve(new URL('.', import.meta.url).pathname, '../..'));
const base = baseDir ? await lib(baseDir) : null;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const cell of cells.length ? cells : ['gru', 'lstm', 'rnn']) {
  const vs = [];
  if (base) vs.push(['base', await variant(base, 'wasm', cell)]);
  for (const s of sets) vs.push([s, await variant(here, s, cell)]);
  for (const [, run] of vs) for (let i = 0; i < 8; i++) run(); // tier-up
  const times = vs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    vs.forEach(([, run], i) => {
      const t0 = performance.now();
      run();
      run();
      times[i].push((performance.now() - t0) / 2);
    });
  }
  const med = times.map(median);
  const ref = med[0];
  console.log(`${cell} B=${B}: ` + vs.map(([n], i) => `${n} ${med[i].toFixed(1)} ms (${Math.round(B * T / med[i] * 1000)} tok/s, ×${(ref / med[i]).toFixed(2)})`).join('  '));
}
