/** Choosing a kernel set, creating the heap it computes on, and sharing that heap with workers. */
import { createPlainHeap, heapFromBuffer } from '../core/heap.js';
import { choice } from '../core/options.js';
import type { Kernels, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';
import { createWasmKernels, wasmKernelsOn, type WasmKernels } from './wasm/loader.js';

export type { Kernels, KernelSetName } from './kernels.js';
export {
  createWasmKernels, createWasmMemory, wasmKernelsOn, kernelModule, SCRATCH_WORDS,
  type WasmKernels, type WasmMemoryOptions,
} from './wasm/loader.js';

/** The kernel sets, the fastest last (the default). */
export const KERNEL_SETS: readonly KernelSetName[] = ['reference', 'wasm'];
export const DEFAULT_KERNELS: KernelSetName = 'wasm';

/** The option that chooses the kernel set (every command that computes has it). */
export const KERNELS_OPTION = choice(KERNEL_SETS, {
  help: 'kernel set: the fast one, or the scalar reference for debugging', default: DEFAULT_KERNELS, onResume: 'free', placeholder: '<set>',
});

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

/** What a worker needs to compute on the same heap: the wasm memory or the SharedArrayBuffer. */
export function shareableMemory(k: Kernels): WebAssembly.Memory | SharedArrayBuffer {
  if (k.name === 'wasm') return (k as WasmKernels).memory;
  const buffer = k.heap.f32.buffer;
  if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
    throw new Error('the heap is not shared; create the kernels with { shared: true }');
  }
  return buffer;
}

/** Another kernel instance on an existing shared heap of `words` words (a worker's), using scratch `slot`. */
export async function kernelsOn(set: KernelSetName, memory: WebAssembly.Memory | SharedArrayBuffer, words: number, slot: number): Promise<Kernels> {
  switch (set) {
    case 'reference':
      return referenceKernels(heapFromBuffer(memory as SharedArrayBuffer));
    case 'wasm':
      return wasmKernelsOn(memory as WebAssembly.Memory, words, slot);
    default:
      throw new Error(`kernel set ${String(set)} is not available`);
  }
}
