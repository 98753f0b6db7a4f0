/**
 * Batch 1 (sampling, or scoring one sequence) is a chain of lone-row
 * products: every step reads the whole of W_hh (G·H × H) for the recurrent
 * product, and sampling a word model W_dec (V × H) for the logits. Two
 * threads share each large one: the calling thread computes output rows
 * [0, cut) and a worker, waiting on the shared heap, rows [cut, N) at the same
 * time; they meet through Atomics on a control block in the heap. `cut` is a
 * multiple of 4, so every output is the same bits as one thread's product
 * gives (the kernels compute rows in blocks of 4 from the first, and the last
 * N mod 4 alone, in both calls). Node only (infer/pool.ts).
 *
 * Control block (int32 words at `ctrl`): [0] product number (an int32 that
 * wraps around: a long-lived session posts billions of products, so it is
 * only ever compared for equality), [1–6] the product's c, x, w, bias, N, K,
 * [7] the last product the worker
 * finished, [8] 1 while the worker sleeps in Atomics.wait (only then does a
 * new product need Atomics.notify), [9] 1 once the worker has failed (it
 * still marks that product done, so the calling thread never waits forever),
 * [10] 1: stop serving.
 */
import type { Kernels } from '../kernels/index.js';
import { gateCount, type ArchConfig } from '../nn/config.js';

const SEQ = 0, C = 1, X = 2, W = 3, BIAS = 4, N_ = 5, K_ = 6, DONE = 7, ASLEEP = 8, FAILED = 9, STOP = 10;
/** control words to reserve on the heap */
export const CONTROL_WORDS = 11;

/**
 * How long a waiting thread spins on the control word before it sleeps in
 * Atomics.wait. A step's product takes 10–40 µs, and a wake-up from the sleep
 * costs more than the split gains: with a spin of 20,000 loads (~20 µs) one
 * sequence scored on two threads ran 0.23–0.92× one thread on the 2-core Xeon,
 * with 1 ms 1.42–1.56× (C4-one, `test/bench/ab-score.js`). So the worker spins
 * through the gaps between a sequence's steps and sleeps only when the
 * session is idle; a spinning thread does take a core its partner may need
 * on a busy machine, which is why `recur sample` keeps one thread by default.
 */
const SPIN_MS = 10;

/** Lone-row products with at least this many weights are split (W_hh of a GRU 256: 196,608; a character model's W_dec is not). */
export const SPLIT_MIN_WEIGHTS = 1 << 16;

/**
 * Whether a batch-1 step of this model has a product worth splitting: W_hh
 * (G·H × H), or its output layer's, W_dec (V × H) or the adaptive softmax's
 * head ((cutoff₀ + clusters) × H).
 */
export function hasSplitProduct(c: ArchConfig, V: number): boolean {
  const out = c.softmax === 'full' ? V : c.cutoffs[0] + c.cutoffs.length;
  return Math.max(gateCount(c.cell) * c.hidden, out) * c.hidden >= SPLIT_MIN_WEIGHTS;
}

/** Where the threads split N output rows: about half, a multiple of 4. */
export function productCut(N: number): number {
  return Math.floor(N / 8) * 4;
}

/**
 * Kernels whose lone-row matmulNT (M = 1, large W) is split with the worker
 * serving `ctrl`; every other call, and every call after `stop`, runs on this
 * thread alone.
 */
export function splitKernels(k: Kernels, ctrl: number): { kernels: Kernels; stop(): void } {
  const i32 = k.heap.i32;
  let stopped = false;
  const matmulNT: Kernels['matmulNT'] = (c, x, w, bias, M, N, K, acc) => {
    if (stopped || M !== 1 || acc || N * K < SPLIT_MIN_WEIGHTS) return k.matmulNT(c, x, w, bias, M, N, K, acc);
    if (i32[ctrl + FAILED]) throw workerFailed();
    const cut = productCut(N);
    i32[ctrl + C] = c;
    i32[ctrl + X] = x;
    i32[ctrl + W] = w;
    i32[ctrl + BIAS] = bias;
    i32[ctrl + N_] = N;
    i32[ctrl + K_] = K;
    const seq = (Atomics.add(i32, ctrl + SEQ, 1) + 1) | 0;
    if (Atomics.load(i32, ctrl + ASLEEP) === 1) Atomics.notify(i32, ctrl + SEQ);
    k.matmulNT(c, x, w, bias, 1, cut, K, false);
    waitFor(i32, ctrl, seq);
    if (i32[ctrl + FAILED]) throw workerFailed();
  };
  return {
    kernels: { ...k, matmulNT },
    stop: () => {
      stopped = true;
      Atomics.store(i32, ctrl + STOP, 1);
      Atomics.add(i32, ctrl + SEQ, 1);
      Atomics.notify(i32, ctrl + SEQ);
    },
  };
}

/** Set the product counter (and the worker's last one) to n, before the worker starts: a long-lived session's counter, for tests. */
export function presetProductNumber(i32: Int32Array, ctrl: number, n: number): void {
  i32[ctrl + SEQ] = n;
  i32[ctrl + DONE] = n;
}

/**
 * The worker's side: serve products until told to stop. It starts from the
 * last product it finished (equal to the product number until the first is
 * posted), not from the product number itself: a product posted before this
 * thread got here would otherwise count as seen, and never be served.
 */
export function serveProducts(k: Kernels, ctrl: number): void {
  const i32 = k.heap.i32;
  let seen = Atomics.load(i32, ctrl + DONE);
  for (;;) {
    const seq = awaitProduct(i32, ctrl, seen);
    if (Atomics.load(i32, ctrl + STOP) === 1) return;
    seen = seq;
    const c = i32[ctrl + C], x = i32[ctrl + X], w = i32[ctrl + W], bias = i32[ctrl + BIAS], N = i32[ctrl + N_], K = i32[ctrl + K_];
    const cut = productCut(N);
    try {
      k.matmulNT(c + cut, x, w + cut * K, bias < 0 ? bias : bias + cut, 1, N - cut, K, false);
    } catch (e) {
      Atomics.store(i32, ctrl + FAILED, 1);
      throw e;
    } finally {
      Atomics.store(i32, ctrl + DONE, seq);
      Atomics.notify(i32, ctrl + DONE);
    }
  }
}

const workerFailed = (): Error => new Error('the worker thread of a two-thread batch-1 session failed; open the session with threads: 1');

/** Whether a thread that started waiting at t0 has spun long enough (the clock read once every 1,024 loads). */
function spunOut(n: number, t0: number): boolean {
  return (n & 1023) === 1023 && performance.now() - t0 > SPIN_MS;
}

/** How long the calling thread waits for the worker's half before it gives up (a half takes microseconds). */
const ANSWER_MS = 30_000;

/** Wait until the worker has finished product `seq`; a worker that has not answered in ANSWER_MS counts as failed. */
function waitFor(i32: Int32Array, ctrl: number, seq: number): void {
  const t0 = performance.now(), at = ctrl + DONE;
  let slept = false;
  for (let n = 0; Atomics.load(i32, at) !== seq; n++) {
    if (slept || spunOut(n, t0)) {
      slept = true;
      Atomics.wait(i32, at, Atomics.load(i32, at), 1);
      if (performance.now() - t0 > ANSWER_MS) Atomics.store(i32, ctrl + FAILED, 1);
      if (Atomics.load(i32, ctrl + FAILED) === 1) return;
    }
  }
}

/**
 * The worker waits until the product number i32[ctrl] ≠ from; returns the new
 * value. It marks its sleep first, and Atomics.wait returns at once if the
 * number has already changed, so a product posted at any moment is seen.
 */
function awaitProduct(i32: Int32Array, ctrl: number, from: number): number {
  const t0 = performance.now();
  for (let n = 0; ; n++) {
    const v = Atomics.load(i32, ctrl + SEQ);
    if (v !== from) return v;
    if (spunOut(n, t0)) {
      Atomics.store(i32, ctrl + ASLEEP, 1);
      Atomics.wait(i32, ctrl + SEQ, from);
      Atomics.store(i32, ctrl + ASLEEP, 0);
    }
  }
}
