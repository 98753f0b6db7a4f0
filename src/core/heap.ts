/**
 * Memory for the model math. A heap is one buffer seen as float32 and int32;
 * every kernel argument is an offset into it, counted in 4-byte words. The
 * reference kernels use a plain (or shared) ArrayBuffer, the WebAssembly kernels
 * the module's linear memory, so the same offsets work for both and no data is
 * copied between JS and wasm per step.
 *
 * Layout is planned before the heap exists: each component reserves its
 * regions on a HeapPlan, then the heap is created once at the planned size.
 * Nothing is allocated while training or sampling runs.
 */
export interface Heap {
  readonly f32: Float32Array;
  readonly i32: Int32Array;
}

/**
 * Words at the start of every heap that the planner never hands out: offset 0
 * never names a real buffer, and the WebAssembly kernel module may keep its own
 * static data there (the loader checks that it fits). 1024 words = 4 KiB.
 */
export const HEAP_RESERVED_WORDS = 1024;

export class HeapPlan {
  /** Words reserved so far; the first HEAP_RESERVED_WORDS stay unused. */
  words = HEAP_RESERVED_WORDS;

  /** A plan that hands out words from `start` on (e.g. to lay out the same regions again in a worker), below `limit` if given. */
  static at(start: number, limit = Infinity): HeapPlan {
    const p = new HeapPlan();
    p.words = start;
    p.limit = limit;
    return p;
  }

  private limit = Infinity;

  /** Reserve n words, aligned to 16 bytes; returns the word offset. */
  alloc(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`HeapPlan.alloc: bad size ${n}`);
    const off = (this.words + 3) & ~3;
    if (off + n > this.limit) throw new RangeError(`HeapPlan.alloc: ${n} words do not fit below word ${this.limit}`);
    this.words = off + n;
    return off;
  }
}

/** Words that `alloc` calls of these sizes take on a plan, alignment included (at most). */
export function plannedWords(sizes: readonly number[]): number {
  return sizes.reduce((sum, n) => sum + ((n + 3) & ~3), 3);
}

export function heapFromBuffer(buffer: ArrayBufferLike): Heap {
  return { f32: new Float32Array(buffer), i32: new Int32Array(buffer) };
}

/** A heap over a fresh buffer of `words` words (shared if asked, for worker threads). */
export function createPlainHeap(words: number, shared = false): Heap {
  const bytes = Math.max(16, words * 4);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return heapFromBuffer(buffer);
}
