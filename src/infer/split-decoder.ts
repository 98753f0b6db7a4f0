/**
 * Batch-1 sampling with a full softmax is bound by reading W_dec (V × H) for
 * every token. Two threads share it: the calling thread computes logits
 * [0, cut) and a worker, spinning on the shared heap, logits [cut, V), at the
 * same time; they meet through Atomics on a control block in the heap. `cut`
 * is a multiple of 4, so every logit is the same bits as one thread's product
 * gives (the kernels compute columns in blocks of 4 from the first, and the
 * last V mod 4 alone, in both calls). Node only (infer/pool.ts).
 *
 * Control block (int32 words at `ctrl`): [0] step number (−1: stop), [1] logits
 * offset, [2] y offset, [3] the last step the worker finished.
 */
import type { Kernels } from '../kernels/index.js';
import type { DecoderProduct } from '../nn/head.js';

const SEQ = 0, LOGITS = 1, Y = 2, DONE = 3;
/** control words to reserve on the heap */
export const CONTROL_WORDS = 4;
/**
 * Atomics.load spins before sleeping in Atomics.wait. Measured on the shared
 * 2-core machine (load 5–6): 100,000 spins made two threads 0.28× one thread
 * (a spinning thread takes the core its partner needs), 2,000: 0.87×, 0: 0.93×.
 */
const SPINS = 0;

export interface DecoderRegion {
  /** word offsets of W_dec (V, H) and b_dec (V) */
  w: number;
  b: number;
  V: number;
  H: number;
  ctrl: number;
}

/** Where the threads split W_dec's rows: about half, a multiple of 4. */
export function decoderCut(V: number): number {
  return Math.floor(V / 8) * 4;
}

/**
 * The calling thread's side of a lone row: compute [0, cut), let the worker
 * compute [cut, V), wait for it. Several rows (a prime) are one product here.
 */
export function splitDecoder(k: Kernels, r: DecoderRegion): DecoderProduct {
  const i32 = k.heap.i32, cut = decoderCut(r.V);
  return (logits, y, M) => {
    if (M !== 1) return k.matmulNT(logits, y, r.w, r.b, M, r.V, r.H, false);
    i32[r.ctrl + LOGITS] = logits;
    i32[r.ctrl + Y] = y;
    const seq = Atomics.add(i32, r.ctrl + SEQ, 1) + 1;
    Atomics.notify(i32, r.ctrl + SEQ);
    k.matmulNT(logits, y, r.w, r.b, 1, cut, r.H, false);
    waitFor(i32, r.ctrl + DONE, seq);
  };
}

/** The worker's side: serve steps until the step number is −1. */
export function serveDecoder(k: Kernels, r: DecoderRegion): void {
  const i32 = k.heap.i32, cut = decoderCut(r.V);
  let seen = Atomics.load(i32, r.ctrl + SEQ);
  for (;;) {
    const seq = awaitChange(i32, r.ctrl + SEQ, seen);
    if (seq < 0) return;
    seen = seq;
    k.matmulNT(i32[r.ctrl + LOGITS] + cut, i32[r.ctrl + Y], r.w + cut * r.H, r.b + cut, 1, r.V - cut, r.H, false);
    Atomics.store(i32, r.ctrl + DONE, seq);
    Atomics.notify(i32, r.ctrl + DONE);
  }
}

/** Stop the worker's loop. */
export function stopDecoder(i32: Int32Array, ctrl: number): void {
  Atomics.store(i32, ctrl + SEQ, -1);
  Atomics.notify(i32, ctrl + SEQ);
}

/** Wait until i32[at] = value. */
function waitFor(i32: Int32Array, at: number, value: number): void {
  for (let n = 0; Atomics.load(i32, at) !== value; n++) {
    if (n > SPINS) Atomics.wait(i32, at, Atomics.load(i32, at), 1);
  }
}

/** Wait until i32[at] ≠ from; returns the new value. */
function awaitChange(i32: Int32Array, at: number, from: number): number {
  for (let n = 0; ; n++) {
    const v = Atomics.load(i32, at);
    if (v !== from) return v;
    if (n > SPINS) Atomics.wait(i32, at, from);
  }
}
