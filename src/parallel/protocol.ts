/** Messages between the trainer and its gradient workers (parallel/pool.ts, parallel/worker.ts). */
import type { KernelSet, KernelSetName } from '../kernels/index.js';
import type { ArchConfig } from '../nn/config.js';
import type { RngState } from '../core/rng.js';
import type { UpdateStep } from '../kernels/ref/update.js';

export interface WorkerInit {
  type: 'init';
  kernels: KernelSetName;
  /** the shared heap: a WebAssembly.Memory (wasm) or a SharedArrayBuffer (reference) */
  memory: WebAssembly.Memory | SharedArrayBuffer;
  /** words of the heap (below the per-instance scratch) */
  words: number;
  /** kernel instance slot (scratch region) of this worker */
  slot: number;
  config: ArchConfig;
  V: number;
  /** where this worker's network was planned, so it can lay out the same regions */
  planStart: number;
  /** where its carried state was planned (parallel/pool.ts) */
  carryStart: number;
  B: number;
  T: number;
  dropout: number;
  lockedDropout: boolean;
  weightDrop: number;
  embedDrop: number;
  params: number;
}

export interface WorkerStep {
  type: 'step';
  T: number;
  /** the masks of every kind of dropout are drawn from this generator state; the state after is sent back */
  rng: RngState | null;
}

export interface WorkerReset {
  type: 'reset';
}

/** Sum the slices' gradients over the worker's range [lo, hi) of the block (kernels/ref/update.ts reduceRange). */
export interface WorkerReduce {
  type: 'reduce';
  lo: number;
  hi: number;
  grads: number[];
  weights: number[];
}

/** Clip and update the parameters over the worker's range (kernels/ref/update.ts updateRange). */
export interface WorkerUpdate {
  type: 'update';
  lo: number;
  hi: number;
  step: UpdateStep;
  params: number;
  grads: number;
  scale: number;
  clipValue: number;
}

export type ToWorker = WorkerInit | WorkerStep | WorkerReset | WorkerReduce | WorkerUpdate;

export type FromWorker =
  /** kernels: the set the worker runs (the pool checks it is the main thread's) */
  | { type: 'ready'; kernels: KernelSet }
  | { type: 'done'; loss: number; rng: RngState | null }
  /** the range's Σ g² after the reduction */
  | { type: 'reduced'; sumSquares: number }
  | { type: 'updated' }
  | { type: 'error'; message: string };
