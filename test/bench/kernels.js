#!/usr/bin/env node
/**
 * Micro-benchmark of the matrix products: GFLOP/s (2·M·N·K per call, median of
 * several timed runs; the best run is shown too, as a guide on a busy machine)
 * of each kernel set at the shapes the trainer and the sampler use, all sets
 * in one process, shape by shape, so the ratios between them are same-run
 * ratios. Runs over the built package: `npm run build` first.
 *
 *   node test/bench/kernels.js                  simd and fma (and the reference)
 *   node test/bench/kernels.js --quick          fewer repetitions
 *   node test/bench/kernels.js --no-ref         no reference
 *   node test/bench/kernels.js --base DIR       also the `wasm` set of another build of recur in DIR
 *                                               (e.g. a checkout of an older commit, built), as `base`
 */
import { createKernels, kernelReport } from '../../dist/kernels/index.js';
import { benchHeader } from './header.js';

const quick = process.argv.includes('--quick');
const noRef = process.argv.includes('--no-ref');
const baseDir = process.argv.includes('--base') ? process.argv[process.argv.indexOf('--base') + 1] : null;
const fast = (await kernelReport()).available.filter((s) => s !== 'reference');
const SETS = [...(noRef ? [] : ['reference']), ...(baseDir ? ['base'] : []), ...fast];
const isFast = (s) => s !== 'reference';

async function kernelsFor(set, words) {
  if (set !== 'base') return createKernels(set, words);
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const m = await import(pathToFileURL(resolve(baseDir, 'dist/kernels/index.js')).href);
  return m.createKernels('wasm', words);
}

// [layout, M, N, K, note]; training splits batch 32 over 2 threads, so the per-step products have M = 16
const SHAPES = [
  ['NT', 2048, 768, 65, 'GRU input projection x W_ihᵀ (C1, B 32; with V 65 the table replaces it)'],
  ['NT', 16, 768, 256, 'GRU recurrent h W_hhᵀ per step, B 16'],
  ['NT', 16, 1024, 256, 'LSTM recurrent h W_hhᵀ per step, B 16'],
  ['NT', 32, 768, 256, 'GRU recurrent h W_hhᵀ per step, B 32'],
  ['NT', 1024, 65, 256, 'decoder, char V=65'],
  ['NT', 1024, 10000, 256, 'decoder, word V=10000 (C2)'],
  ['NT', 1, 768, 256, 'sampling: recurrent, batch 1'],
  ['NT', 1, 10000, 256, 'sampling: decoder V=10000'],
  ['PNT', 16, 768, 256, 'the same, weights packed once (matmulPacked)'],
  ['PNT', 16, 1024, 256, 'the same, LSTM'],
  ['NN', 16, 256, 768, 'backward dh = dG W_hh per step, GRU B 16'],
  ['NN', 16, 256, 1024, 'backward dh = dG W_hh per step, LSTM B 16'],
  ['PNN', 16, 256, 768, 'the same, weights packed once (matmulPacked)'],
  ['PNN', 16, 256, 1024, 'the same, LSTM'],
  ['NN', 1024, 256, 65, 'backward dH = dlogits W_dec'],
  ['NN', 1024, 256, 10000, 'backward dH, word V=10000 (C2)'],
  ['TN', 768, 256, 1024, 'dW_hh = dGhᵀ hp, GRU B 16'],
  ['TN', 1024, 256, 1024, 'dW_hh = dGhᵀ hp, LSTM B 16'],
  ['TN', 65, 256, 1024, 'dW_dec = dlogitsᵀ y'],
  ['TN', 10000, 256, 1024, 'dW_dec, word V=10000 (C2)'],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main() {
  let words = 1024;
  for (const [, M, N, K] of SHAPES) words = Math.max(words, 1024 + M * K + 2 * (Math.ceil(N / 8) * 8 * K) + M * N + N + 64);
  console.log(JSON.stringify(await benchHeader()));
  const sets = SETS;
  const kernels = {};
  for (const s of sets) kernels[s] = await kernelsFor(s, words);
  // V8 first runs wasm from its baseline compiler (Liftoff) and tiers hot
  // functions up to TurboFan in the background: warm every wasm path up first
  // so the figures are those of a long training run.
  for (const s of sets.filter(isFast)) {
    const k = kernels[s], t0 = performance.now();
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
    // one timed run per set in turn, several rounds: the sets see the same machine load
    const runs = {}, reps = {}, times = {};
    for (const s of sets) {
      const k = kernels[s], f = k.heap.f32;
      const a = 1024, b = a + ((M * K + 3) & ~3), bias = b + ((N * K + 3) & ~3), c = bias + ((N + 3) & ~3);
      for (let i = 0; i < M * K + N * K + N; i++) f[a + i] = Math.sin(i) * 0.5;
      // PNT / PNN: B packed once (not timed), then matmulPacked; the base build has no such kernel
      const packed = layout.startsWith('P') && k.packWeights ? c + ((M * N + 3) & ~3) : -1;
      if (packed >= 0) k.packWeights(packed, b, N, K, layout === 'PNT');
      const run = (runs[s] = () => {
        if (layout.startsWith('P')) {
          if (packed >= 0) k.matmulPacked(c, a, packed, layout === 'PNT' ? bias : -1, M, N, K, false);
          else if (layout === 'PNT') k.matmulNT(c, a, b, bias, M, N, K, false);
          else k.matmulNN(c, a, b, M, N, K, false);
        } else if (layout === 'NT') k.matmulNT(c, a, b, bias, M, N, K, false);
        else if (layout === 'NN') k.matmulNN(c, a, b, M, N, K, false);
        else k.matmulTN(c, a, b, M, N, K, false);
      });
      // calls per timed run: enough for ~20 ms (wasm) / one call at least (reference)
      run();
      const t0 = performance.now();
      run();
      const once = Math.max(1e-3, performance.now() - t0);
      reps[s] = Math.max(1, Math.round((isFast(s) ? 20 : 5) / once));
      times[s] = [];
    }
    const rounds = quick ? 5 : 9;
    for (let r = 0; r < rounds; r++) {
      for (const s of sets) {
        if (s === 'reference' && r >= (quick ? 1 : 3)) continue;
        const t0 = performance.now();
        for (let i = 0; i < reps[s]; i++) runs[s]();
        times[s].push((performance.now() - t0) / reps[s]);
      }
    }
    for (const s of sets) {
      row[s] = flops / (median(times[s]) * 1e-3) / 1e9;
      row[s + 'Best'] = flops / (Math.min(...times[s]) * 1e-3) / 1e9;
    }
    rows.push(row);
    const fmt = (x) => x.toFixed(1).padStart(6);
    const last = sets[sets.length - 1];
    console.log(
      `${layout} M=${String(M).padStart(5)} N=${String(N).padStart(5)} K=${String(K).padStart(5)}  ` +
      sets.map((s) => `${s} ${fmt(row[s])}`).join('  ') + ` GFLOP/s (best ${last} ${fmt(row[last + 'Best'])})` +
      (sets.length > 1 ? `  ${last}/${sets[sets.length - 2]} ×${(row[last] / row[sets[sets.length - 2]]).toFixed(2)}` : '') +
      (baseDir ? `  ${last}/base ×${(row[last] / row.base).toFixed(2)}` : '') + `  ${note}`,
    );
  }
}

/** microseconds per call of the pointwise kernels (cells, softmax), reference vs wasm */
async function pointwise() {
  const B = 32, H = 256, words = 1024 + 2048 * 10000 * 2 + 100000;
  const sets = SETS;
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
    const k = (ks[s] = await kernelsFor(s, words));
    const f = k.heap.f32;
    for (let i = 1024; i < words; i++) f[i] = Math.sin(i) * 2;
  }
  for (const [name, fn] of cases) {
    const times = {};
    for (const s of sets) {
      const k = ks[s];
      for (let i = 0; i < 2048; i++) k.heap.i32[1024 + i] = i % 65; // targets
      for (let w = 0; w < (isFast(s) ? 200 : 3); w++) fn(k);
      times[s] = [];
    }
    for (let r = 0; r < (quick ? 3 : 7); r++) {
      for (const s of sets) {
        const reps = isFast(s) ? 20 : 2;
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) fn(ks[s]);
        times[s].push(((performance.now() - t0) / reps) * 1000);
      }
    }
    const out = Object.fromEntries(sets.map((s) => [s, median(times[s])]));
    const fmt = (x) => x.toFixed(1).padStart(9);
    console.log(`${name.padEnd(28)} ` + sets.map((s) => `${s} ${fmt(out[s])}`).join('  '));
  }
}

main().then(pointwise).catch((e) => {
  console.error(e);
  process.exit(1);
});
