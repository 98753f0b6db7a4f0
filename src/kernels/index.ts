/** Choosing a kernel set, creating the heap it computes on, and sharing that heap with workers. */
import { createPlainHeap, heapFromBuffer } from '../core/heap.js';
import { usageError } from '../core/errors.js';
import { choice } from '../core/options.js';
import type { Kernels, KernelSet, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';
import { createWasmKernels, relaxedSimdSupported, wasmKernelsOn, type WasmKernels } from './wasm/loader.js';

export type { Kernels, KernelSet, KernelSetName } from './kernels.js';
export { packedWeightWords, bf16RowStride, bf16Words, int8RowStride, int8Words, int8QxLevels } from './kernels.js';
export {
  createWasmKernels, createWasmMemory, wasmKernelsOn, kernelModule, relaxedSimdSupported, SCRATCH_WORDS,
  type WasmKernels, type WasmMemoryOptions, type WasmBuild,
} from './wasm/loader.js';

/**
 * The names `--kernels` accepts: the scalar reference (the spec, for
 * debugging), the two WebAssembly builds, and `wasm`, the fastest WebAssembly
 * build this engine supports (the default; also what older scripts and
 * checkpoints say).
 */
export const KERNEL_SETS: readonly KernelSetName[] = ['reference', 'simd', 'fma', 'wasm'];
export const DEFAULT_KERNELS: KernelSetName = 'wasm';

/** The option that chooses the kernel set (every command that computes has it). */
export const KERNELS_OPTION = choice(KERNEL_SETS, {
  help: 'kernel set: wasm = the fastest WebAssembly build here (fma where the engine has relaxed SIMD, else simd), simd, fma, or the scalar reference for debugging',
  default: DEFAULT_KERNELS, onResume: 'free', placeholder: '<set>',
});

/**
 * The option that sets how many threads compute (training, sampling, scoring):
 * one definition, each command adding its own help where it differs. Left out,
 * the command uses the available cores.
 */
export const THREADS_OPTION = {
  type: 'int', help: 'threads that compute (the results do not depend on it)', min: 1, max: 256, optional: true,
  defaultText: 'the available cores', onResume: 'free', placeholder: '<n>',
} as const;

/**
 * Whether the `fma` build can run here: the engine compiles WebAssembly
 * relaxed SIMD. Browsers that have it have it on; Node 20 needs a V8 flag,
 * which the Node entry (src/index.ts, through node/wasm-features.ts) sets
 * when it is loaded, before any module is compiled.
 */
export async function fmaAvailable(): Promise<boolean> {
  return relaxedSimdSupported();
}

/** The kernel set a name stands for here: `wasm` becomes `fma` where the engine has relaxed SIMD, else `simd`. */
export async function resolveKernelSet(name: KernelSetName): Promise<KernelSet> {
  switch (name) {
    case 'reference':
    case 'simd':
      return name;
    case 'fma':
      if (!(await fmaAvailable())) {
        throw usageError('kernels fma needs WebAssembly relaxed SIMD, which this JavaScript engine lacks; use simd (or wasm, the fastest there is)', 'kernels');
      }
      return 'fma';
    case 'wasm':
      return (await fmaAvailable()) ? 'fma' : 'simd';
    default:
      throw usageError(`kernels must be one of ${KERNEL_SETS.join(', ')} (got ${String(name)})`, 'kernels');
  }
}

/** What runs here, for `recur info --kernels` and benchmark headers. */
export interface KernelReport {
  /** the set the default (`wasm`) resolves to */
  default: KernelSet;
  /** every set that can run in this engine */
  available: KernelSet[];
  /** whether the engine compiles WebAssembly relaxed SIMD (so the fma build) */
  relaxedSimd: boolean;
}

export async function kernelReport(): Promise<KernelReport> {
  const fma = await fmaAvailable();
  return { default: fma ? 'fma' : 'simd', available: fma ? ['reference', 'simd', 'fma'] : ['reference', 'simd'], relaxedSimd: fma };
}

export interface KernelOptions {
  /** put the heap in shared memory (SharedArrayBuffer) so worker threads can use it */
  shared?: boolean;
  /** wasm: kernel instances that will run on the memory (one scratch slot each; the first is returned) */
  instances?: number;
}

/** Kernels over a new heap of `words` 4-byte words. */
export async function createKernels(set: KernelSetName, words: number, opts: KernelOptions = {}): Promise<Kernels> {
  const resolved = await resolveKernelSet(set);
  if (resolved === 'reference') return referenceKernels(createPlainHeap(words, opts.shared ?? false));
  return createWasmKernels(words, { ...opts, build: resolved });
}

/** What a worker needs to compute on the same heap: the wasm memory or the SharedArrayBuffer. */
export function shareableMemory(k: Kernels): WebAssembly.Memory | SharedArrayBuffer {
  if (k.name !== 'reference') return (k as WasmKernels).memory;
  const buffer = k.heap.f32.buffer;
  if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
    throw new Error('the heap is not shared; create the kernels with { shared: true }');
  }
  return buffer;
}

/** Another kernel instance on an existing shared heap of `words` words (a worker's), using scratch `slot`. */
export async function kernelsOn(set: KernelSetName, memory: WebAssembly.Memory | SharedArrayBuffer, words: number, slot: number): Promise<Kernels> {
  const resolved = await resolveKernelSet(set);
  if (resolved === 'reference') return referenceKernels(heapFromBuffer(memory as SharedArrayBuffer));
  return wasmKernelsOn(memory as WebAssembly.Memory, words, slot, resolved);
}
