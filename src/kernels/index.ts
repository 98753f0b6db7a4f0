/** Choosing a kernel set and creating the heap it computes on. */
import { createPlainHeap } from '../core/heap.js';
import type { Kernels, KernelSetName } from './kernels.js';
import { referenceKernels } from './ref/index.js';

export type { Kernels, KernelSetName } from './kernels.js';

export const KERNEL_SETS: readonly KernelSetName[] = ['reference'];

/** Kernels over a new heap of `words` 4-byte words. */
export async function createKernels(set: KernelSetName, words: number): Promise<Kernels> {
  switch (set) {
    case 'reference':
      return referenceKernels(createPlainHeap(words));
    default:
      throw new Error(`kernel set ${String(set)} is not available`);
  }
}
