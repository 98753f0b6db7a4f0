#!/usr/bin/env node
/**
 * Micro-benchmark of the matrix products: GFLOP/s (2·M·N·K per call, median of
 * several timed runs; the best run is shown too, as a guide on a busy machine) of the reference and the wasm kernels at the shapes the
 * trainer and the sampler use. Runs over the built package: `npm run build` first.
 *
 *   node test/bench/kernels.js            all shapes
 *   node test/bench/kernels.js --quick    fewer repetitions
 *   node test/bench/kernels.js --no-ref   wasm only
 */
import { createKernels } from '../../dist/kernels/index.js';

const quick = process.argv.includes('--quick');
const noRef = process.argv.includes('--no-ref');

// [layout, M, N, K, note]
const SHAPES = [
  ['NT', 2048, 768, 65, 'GRU input projection x W_ihᵀ (C1)'],
  ['NT', 32, 768, 256, 'GRU recurrent h W_hhᵀ per step'],
  ['NT', 2048, 65, 256, 'decoder, char V=65'],
  ['NT', 2048, 10000, 128, 'decoder, word V=10000, H=128'],
  ['NT', 1, 768, 256, 'sampling: recurrent, batch 1'],
  ['NT', 1, 65, 256, 'sampling: decoder V=65'],
  ['NT', 1, 10000, 256, 'sampling: decoder V=10000'],
  ['NN', 32, 256, 768, 'backward dh = dG W_hh per step'],
  ['NN', 2048, 65, 768, 'backward dX = dGi W_ih (E=65)'],
  ['NN', 2048, 256, 65, 'backward dH = dlogits W_dec'],
  ['NN', 2048, 128, 10000, 'backward dH, word V=10000'],
  ['TN', 768, 256, 2048, 'dW_hh = dGhᵀ hp'],
  ['TN', 768, 65, 2048, 'dW_ih = dGiᵀ x'],
  ['TN', 65, 256, 2048, 'dW_dec = dlogitsᵀ y'],
  ['TN', 10000, 128, 2048, 'dW_dec, word V=10000'],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main() {
  let words = 1024;
  for (const [, M, N, K] of SHAPES) words = Math.max(words, 1024 + M * K + N * K + M * N + N + 64);
  const sets = noRef ? ['wasm'] : ['reference', 'wasm'];
  const kernels = {};
  for (const s of sets) kernels[s] = await createKernels(s, words);
  // V8 first runs wasm from its baseline compiler (Liftoff) and tiers hot
  // functions up to TurboFan in the background: warm every wasm path up first
  // so the figures are those of a long training run.
  if (kernels.wasm) {
    const k = kernels.wasm, t0 = performance.now();
    while (performance.now() - t0 < (quick ? 800 : 2000)) {
      for (const [layout, M, N, K] of SHAPES) {
        if (layout === 'NT') k.matmulNT(3000, 1024, 2048, -1, Math.min(M, 65), Math.min(N, 9), Math.min(K, 7), false);
        else if (layout === 'NN') k.matmulNN(3000, 1024, 2048, Math.min(M, 65), Math.min(N, 9), Math.min(K, 7), false);
        else k.matmulTN(3000, 1024, 2048, Math.min(M, 65), Math.min(N, 9), Math.min(K, 7), false);
      }
      k.matmulNT(3000, 1024, 2048, 2000, 1, 9, 7, false);
    }
  }
  const rows = [];
  for (const [layout, M, N, K, note] of SHAPES) {
    const flops = 2 * M * N * K;
    const row = { layout, M, N, K, note };
    for (const s of sets) {
      const k = kernels[s], f = k.heap.f32;
      const a = 1024, b = a + ((M * K + 3) & ~3), bias = b + ((N * K + 3) & ~3), c = bias + ((N + 3) & ~3);
      for (let i = 0; i < M * K + N * K + N; i++) f[a + i] = Math.sin(i) * 0.5;
      const run = () => {
        if (layout === 'NT') k.matmulNT(c, a, b, bias, M, N, K, false);
        else if (layout === 'NN') k.matmulNN(c, a, b, M, N, K, false);
        else k.matmulTN(c, a, b, M, N, K, false);
      };
      // calls per timed run: enough for ~20 ms (wasm) / one call at least (reference)
      run();
      let t0 = performance.now();
      run();
      const once = Math.max(1e-3, performance.now() - t0);
      const reps = Math.max(1, Math.round((s === 'wasm' ? 20 : 5) / once));
      const runs = s === 'reference' ? (quick ? 1 : 3) : quick ? 5 : 9;
      const times = [];
      for (let r = 0; r < runs; r++) {
        t0 = performance.now();
        for (let i = 0; i < reps; i++) run();
        times.push((performance.now() - t0) / reps);
      }
      row[s] = flops / (median(times) * 1e-3) / 1e9;
      row[s + 'Best'] = flops / (Math.min(...times) * 1e-3) / 1e9;
    }
    rows.push(row);
    const fmt = (x) => (x === undefined ? '' : x.toFixed(2).padStart(8));
    console.log(
      `${layout} M=${String(M).padStart(5)} N=${String(N).padStart(5)} K=${String(K).padStart(5)}` +
      `  ref ${fmt(row.reference)}  wasm ${fmt(row.wasm)} (best ${fmt(row.wasmBest)}) GFLOP/s` +
      (row.reference ? `  ×${(row.wasm / row.reference).toFixed(1)}` : '') + `  ${note}`,
    );
  }
}

/** microseconds per call of the pointwise kernels (cells, softmax), reference vs wasm */
async function pointwise() {
  const B = 32, H = 256, words = 1024 + 2048 * 10000 * 2 + 100000;
  const sets = noRef ? ['wasm'] : ['reference', 'wasm'];
  console.log('\npointwise kernels, µs per call (median):');
  const cases = [
    ['gruForward B=32 H=256', (k) => k.gruForward(1024, 2048, 100000, 200000, 300000, B, H)],
    ['gruBackward B=32 H=256', (k) => k.gruBackward(2048, 100000, 200000, 300000, 400000, 500000, 600000, B, H)],
    ['lstmForward B=32 H=256', (k) => k.lstmForward(1024, 2048, 100000, 200000, 300000, 400000, B, H)],
    ['lstmBackward B=32 H=256', (k) => k.lstmBackward(2048, 100000, 100000, 200000, 300000, 400000, 500000, B, H)],
    ['rnnForward B=32 H=256', (k) => k.rnnForward(1024, 100000, 200000, B, H)],
    ['softmaxXent M=2048 V=65', (k) => k.softmaxXent(4096, 4096, 1024, 2048, 65, 1 / 2048)],
    ['softmaxXent M=2048 V=10000', (k) => k.softmaxXent(4096, 4096, 1024, 2048, 10000, 1 / 2048)],
    ['logProbRows M=1 V=10000', (k) => k.logProbRows(2000, 4096, 1024, 1, 10000)],
    ['colSumAcc M=2048 N=768', (k) => k.colSumAcc(2000, 4096, 2048, 768)],
  ];
  const ks = {};
  for (const s of sets) {
    const k = (ks[s] = await createKernels(s, words));
    const f = k.heap.f32;
    for (let i = 1024; i < words; i++) f[i] = Math.sin(i) * 2;
  }
  for (const [name, fn] of cases) {
    const out = {};
    for (const s of sets) {
      const k = ks[s];
      // fresh inputs each run (softmax is in place): targets and logits
      const reset = () => {
        for (let i = 0; i < 2048; i++) k.heap.i32[1024 + i] = i % 65;
      };
      reset();
      for (let w = 0; w < (s === 'wasm' ? 200 : 3); w++) fn(k);
      const times = [];
      for (let r = 0; r < (quick ? 3 : 7); r++) {
        const reps = s === 'wasm' ? 20 : 2;
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) fn(k);
        times.push(((performance.now() - t0) / reps) * 1000);
      }
      out[s] = median(times);
    }
    const fmt = (x) => (x === undefined ? '' : x.toFixed(1).padStart(9));
    console.log(`${name.padEnd(28)} ref ${fmt(out.reference)}  wasm ${fmt(out.wasm)}` +
      (out.reference ? `  ×${(out.reference / out.wasm).toFixed(1)}` : ''));
  }
}

main().then(pointwise).catch((e) => {
  console.error(e);
  process.exit(1);
});
