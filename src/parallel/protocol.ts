/** Messages between the trainer and its gradient workers (parallel/pool.ts, parallel/worker.ts). */
import type { KernelSet, KernelSetName } from '../kernels/index.js';
import type { ArchConfig } from '../nn/config.js';
import type { RngState } from '../core/rng.js';

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
  weightDrop: number;
  embedDrop: number;
  params: number;
}

export interface WorkerStep {
  type: 'step';
  T: number;
  /** dropout and weight-drop masks are drawn from this generator state; the state after is sent back */
  rng: RngState | null;
}

export interface WorkerReset {
  type: 'reset';
}

export type ToWorker = WorkerInit | WorkerStep | WorkerReset;

export type FromWorker =
  /** kernels: the set the worker runs (the pool checks it is the main thread's) */
  | { type: 'ready'; kernels: KernelSet }
  | { type: 'done'; loss: number; rng: RngState | null }
  | { type: 'error'; message: string };
