/** Choosing a kernel set, creating the heap it computes on, and sharing that heap with workers. */
import { createPlainHeap, heapFromBuffer } from '../core/heap.js';
import type { Kernels, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';

export type { Kernels, KernelSetName } from './kernels.js';

export const KERNEL_SETS: readonly KernelSetName[] = ['reference'];

export interface KernelOptions {
  /** put the heap in shared memory (SharedArrayBuffer) so worker threads can use it */
  shared?: boolean;
  /** kernel instances that will run on the memory (the first is returned) */
  instances?: number;
}

/** Kernels over a new heap of `words` 4-byte words. */
export async function createKernels(set: KernelSetName, words: number, opts: KernelOptions = {}): Promise<Kernels> {
  switch (set) {
    case 'reference':
      return referenceKernels(createPlainHeap(words, opts.shared ?? false));
    default:
      throw new Error(`kernel set ${String(set)} is not available`);
  }
}

/** What a worker needs to compute on the same heap: the wasm memory or the SharedArrayBuffer. */
export function shareableMemory(k: Kernels): WebAssembly.Memory | SharedArrayBuffer {
  const buffer = k.heap.f32.buffer;
  if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
    throw new Error('the heap is not shared; create the kernels with { shared: true }');
  }
  return buffer;
}

/** Another kernel instance on an existing shared heap (a worker's), using scratch `slot`. */
export async function kernelsOn(set: KernelSetName, memory: WebAssembly.Memory | SharedArrayBuffer, words: number, slot: number): Promise<Kernels> {
  void words;
  void slot;
  switch (set) {
    case 'reference':
      return referenceKernels(heapFromBuffer(memory as SharedArrayBuffer));
    default:
      throw new Error(`kernel set ${String(set)} is not available`);
  }
}
