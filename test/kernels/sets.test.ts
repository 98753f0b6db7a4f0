/**
 * The kernel sets: what the names resolve to, that the fma build is the fused
 * one and the simd build is not, that training on worker threads runs the
 * build the main thread chose, and that each build is deterministic for a
 * given seed and thread count. Workers run the built dist/ (npm test builds first).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKernels, DEFAULT_KERNELS, KERNEL_SETS, kernelModule, kernelReport, relaxedSimdSupported, resolveKernelSet } from '../../src/kernels/index.js';
import { train, type FlatOptions } from '../helpers/train.js';

/** the CPU has fused multiply-add (x86 'fma' flag, or any arm64: FMA is part of its base ISA) */
function cpuHasFma(): boolean {
  if (process.arch === 'arm64') return true;
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

describe('kernel set names', () => {
  it('reference, simd, fma, and wasm = the fastest build the engine supports (fma in Node ≥ 20)', async () => {
    expect(KERNEL_SETS).toEqual(['reference', 'simd', 'fma', 'wasm']);
    expect(DEFAULT_KERNELS).toBe('wasm');
    // Node 20 has relaxed SIMD behind a V8 flag, which resolving a name sets
    expect(await resolveKernelSet('wasm')).toBe('fma');
    expect(relaxedSimdSupported()).toBe(true);
    expect(await resolveKernelSet('simd')).toBe('simd');
    expect(await resolveKernelSet('fma')).toBe('fma');
    expect(await resolveKernelSet('reference')).toBe('reference');
    expect(await kernelReport()).toEqual({ default: 'fma', available: ['reference', 'simd', 'fma'], relaxedSimd: true });
    for (const set of KERNEL_SETS) {
      const k = await createKernels(set, 2048);
      expect(k.name).toBe(set === 'wasm' ? 'fma' : set);
    }
    await expect(resolveKernelSet('avx' as never)).rejects.toThrow(/^kernels must be one of reference, simd, fma, wasm \(got avx\)$/);
  });

  it('each build says which it is', async () => {
    for (const [build, fused] of [['simd', 0], ['fma', 1]] as const) {
      const memory = new WebAssembly.Memory({ initial: 16, maximum: 16 });
      const inst = await WebAssembly.instantiate(await kernelModule(false, build), { env: { memory } });
      expect((inst.exports as { fusedMultiplyAdd(): number }).fusedMultiplyAdd()).toBe(fused);
    }
  });

  it('the fma build rounds a·b + c once where the CPU has FMA; the simd build always rounds twice', async () => {
    // C = a0·b0 + a1·b1 with a0·b0 = −(1 + 2⁻¹¹) exactly and a1·b1 = 1 + 2⁻¹¹ + 2⁻²⁴,
    // whose float32 rounding (ties to even) drops the 2⁻²⁴: fused 2⁻²⁴, unfused 0
    const fused = cpuHasFma();
    for (const build of ['simd', 'fma'] as const) {
      const k = await createKernels(build, 4096);
      const f = k.heap.f32, a = 1024, b = 1040, c = 1100;
      for (const layout of ['NN', 'TN', 'NT'] as const) {
        f.fill(0, a, 1200);
        // A (1, 2) [= A(2,1)ᵀ for TN]; B (2, 8) for NN/TN, (8, 2) for NT; column 0 is the case, the rest zeros
        f[a] = -1;
        f[a + 1] = 1 + 2 ** -12;
        if (layout === 'NT') {
          f[b] = 1 + 2 ** -11;
          f[b + 1] = 1 + 2 ** -12;
          k.matmulNT(c, a, b, -1, 1, 8, 2, false);
        } else {
          f[b] = 1 + 2 ** -11;
          f[b + 8] = 1 + 2 ** -12;
          if (layout === 'NN') k.matmulNN(c, a, b, 1, 8, 2, false);
          else k.matmulTN(c, a, b, 1, 8, 2, false);
        }
        expect([build, layout, f[c]]).toEqual([build, layout, build === 'fma' && fused ? 2 ** -24 : 0]);
      }
    }
  });
});

const text = Array.from({ length: 60 }, (_, i) => `line ${i} says ${'abcdefgh'.slice(i % 5)} and ${i * 7}`).join('\n');
function opts(over: FlatOptions): FlatOptions {
  return {
    texts: [text], level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1,
    cell: 'lstm', embed: 8, hidden: 24, layers: 2, batch: 7, seqLen: 12, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0.2,
    weightDecay: 0, evalEvery: 4, seed: 3, kernels: 'wasm', steps: 6, threads: 2, ...over,
  };
}
const bits = (p: Float32Array): Buffer => Buffer.from(p.buffer, p.byteOffset, p.byteLength);

describe('training on worker threads with each build', () => {
  it('is bit-identical for the same seed and thread count, per build; the two builds differ in rounding only', async () => {
    const runs: Record<string, Float32Array> = {};
    for (const kernels of ['simd', 'fma'] as const) {
      const a = await train(opts({ kernels }));
      const b = await train(opts({ kernels }));
      expect(a.threads).toBe(2);
      expect(bits(a.model.params).equals(bits(b.model.params))).toBe(true);
      runs[kernels] = a.model.params;
    }
    // `wasm` runs the fma build, on the workers too: the very same bits
    expect(bits((await train(opts({ kernels: 'wasm' }))).model.params).equals(bits(runs.fma))).toBe(true);
    let worst = 0;
    for (let i = 0; i < runs.simd.length; i++) worst = Math.max(worst, Math.abs(runs.simd[i] - runs.fma[i]));
    expect(worst).toBeLessThan(1e-3);
    if (cpuHasFma()) expect(bits(runs.simd).equals(bits(runs.fma))).toBe(false);
  });
});
