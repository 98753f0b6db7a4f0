/** Choosing a kernel set and creating the heap it computes on. */
import { createPlainHeap } from '../core/heap.js';
import type { Kernels, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';
import { createWasmKernels } from './wasm/loader.js';

export type { Kernels, KernelSetName } from './kernels.js';
export {
  createWasmKernels, createWasmMemory, wasmKernelsOn, kernelModule, SCRATCH_WORDS,
  type WasmKernels, type WasmMemoryOptions,
} from './wasm/loader.js';

export const KERNEL_SETS: readonly KernelSetName[] = ['reference', 'wasm'];

export interface KernelOptions {
  /** put the heap in shared memory (SharedArrayBuffer) so worker threads can use it */
  shared?: boolean;
  /** wasm: kernel instances that will run on the memory (one scratch slot each; the first is returned) */
  instances?: number;
}

/** Kernels over a new heap of `words` 4-byte words. */
export async function createKernels(set: KernelSetName, words: number, opts: KernelOptions = {}): Promise<Kernels> {
  switch (set) {
    case 'reference':
      return referenceKernels(createPlainHeap(words, opts.shared ?? false));
    case 'wasm':
      return createWasmKernels(words, opts);
    default:
      throw new Error(`kernel set ${String(set)} is not available`);
  }
}
