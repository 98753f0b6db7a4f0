// Where a training window's time goes, kernel by kernel (one thread):
//   node test/bench/profile.js [gru|lstm|rnn] [--kernels simd|fma|wasm] [--batch 32]   (after npm run build; default: the fastest set)
import { HeapPlan } from '../../dist/core/heap.js';
import { createKernels } from '../../dist/kernels/index.js';
import { Network } from '../../dist/nn/network.js';
import { initParams } from '../../dist/nn/params.js';
import { modelConfig } from '../../dist/model/config.js';
import { Rng } from '../../dist/core/rng.js';
import { benchHeader } from './header.js';
const args = process.argv.slice(2);
const set = args.includes('--kernels') ? args[args.indexOf('--kernels') + 1] : 'wasm';
const cell = args.find((a) => ['gru', 'lstm', 'rnn'].includes(a)) ?? 'lstm', T = 64, V = 65;
const B = Number(args.includes('--batch') ? args[args.indexOf('--batch') + 1] : 32); // 16 = one slice of batch 32 on 2 threads
console.log(JSON.stringify(await benchHeader()));
const cfg = modelConfig({ level: 'char', cell, embed: 65, hidden: 256, layers: 1 });
const plan = new HeapPlan();
const net = new Network(plan, cfg, V, { B, T, train: true });
const k = await createKernels(set, plan.words);
const time = {}; const calls = {};
const wrapped = { ...k };
for (const [name, fn] of Object.entries(k)) {
  if (typeof fn !== 'function') continue;
  wrapped[name] = (...a) => { const t = performance.now(); const r = fn(...a); time[name] = (time[name] ?? 0) + performance.now() - t; calls[name] = (calls[name] ?? 0) + 1; return r; };
}
net.attach(wrapped);
initParams(net.paramView(), net.layout, cfg, new Rng(1));
const ids = k.heap.i32; const rng = new Rng(2);
for (let i = 0; i < B * T; i++) { ids[net.inputs + i] = 2 + rng.int(63); ids[net.targets + i] = 2 + rng.int(63); }
const run = () => { net.zeroGrads(); net.forward(T, B); net.lossAndGrad(); net.backward(); };
for (let i = 0; i < 5; i++) run();
for (const key of Object.keys(time)) { time[key] = 0; calls[key] = 0; }
const N = 20, t0 = performance.now();
for (let i = 0; i < N; i++) run();
const total = performance.now() - t0;
console.log(`${cell} (${k.name}): ${(total / N).toFixed(1)} ms per window (${Math.round(N * B * T / (total / 1000))} tokens/s, one thread, no optimizer)`);
const ker = Object.values(time).reduce((a, b) => a + b, 0);
for (const [name, t] of Object.entries(time).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(14)} ${(100 * t / total).toFixed(1).padStart(5)}%  ${(t / N).toFixed(2).padStart(7)} ms  ${calls[name] / N} calls`);
console.log(`  JS outside kernels ${(100 * (total - ker) / total).toFixed(1)}%`);
