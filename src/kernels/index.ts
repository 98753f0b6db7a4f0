/** Choosing a kernel set, creating the heap it computes on, and sharing that heap with workers. */
import { createPlainHeap, heapFromBuffer } from '../core/heap.js';
import { usageError } from '../core/errors.js';
import type { Kernels, KernelSet, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';
import { createWasmKernels, relaxedSimdSupported, wasmKernelsOn, type WasmKernels } from './wasm/loader.js';

export type { Kernels, KernelSet, KernelSetName } from './kernels.js';
export { packedWeightWords } from './kernels.js';
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

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/**
 * Whether the `fma` build can run here. In Node this first sets V8's relaxed
 * SIMD flag (Node 20 has it off by default) through a Node-only module,
 * imported dynamically under a name bundlers do not follow, so the browser
 * entry stays free of Node built-ins.
 */
export async function fmaAvailable(): Promise<boolean> {
  if (relaxedSimdSupported()) return true;
  if (isNode) {
    const nodeOnly = '../node/wasm-features.js';
    try {
      const m = (await import(/* @vite-ignore */ nodeOnly)) as { enableWasmRelaxedSimd(): void };
      m.enableWasmRelaxedSimd();
    } catch {
      // no way to ask for it: the simd build serves
    }
  }
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
        throw usageError('--kernels fma needs WebAssembly relaxed SIMD, which this JavaScript engine lacks; use --kernels simd (or wasm)');
      }
      return 'fma';
    case 'wasm':
      return (await fmaAvailable()) ? 'fma' : 'simd';
    default:
      throw usageError(`unknown kernel set ${String(name)}; one of ${KERNEL_SETS.join(', ')}`);
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
