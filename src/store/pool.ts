/**
 * Preparation over worker threads: every worker runs units (unit.ts) of the
 * current pass, a few at a time, and their results are handed on in unit
 * order, so what is written never depends on which worker was faster.
 */
import type { ErrorKind } from '../core/errors.js';
import { RecurError } from '../core/errors.js';
import type { PassOptions, UnitTask } from '../data/units.js';
import type { InputFile } from './inputs.js';
import type { IdType } from './manifest.js';
import type { ShardLayout } from './shards.js';
import type { UnitOutput } from './unit.js';

type NodeWorker = import('node:worker_threads').Worker;

export type ToStoreWorker =
  | {
    type: 'pass'; files: InputFile[]; options: PassOptions; vocab: readonly string[] | null; dtype: IdType; chunkBytes: number;
    /** encode: the streams' shards, written by the workers by position */
    shards: { train: ShardLayout; val: ShardLayout | null } | null;
  }
  | { type: 'unit'; task: UnitTask; first: boolean; binary: number[] };

export type FromStoreWorker =
  | { type: 'result'; index: number; output: UnitOutput }
  | { type: 'error'; index: number; kind: ErrorKind | null; message: string };

/** Units in flight per worker: one running, one waiting. */
const DEPTH = 2;

/**
 * Each worker's young generation, in MB (V8 makes its two semi-spaces a third
 * of it each). Left to itself V8 doubles a young generation whenever the bytes
 * that survived its collections since the last doubling exceed its size, up to
 * 48 MB: every collection finds a little alive (the chunk being decoded), so a
 * long preparation grows it step by step to its maximum, and peak RSS grew with
 * the corpus (word level, 2 threads: 168 MB at 200 MB, 195 MB at 2 GB). What a
 * worker keeps between chunks (its tables, one chunk) is small and the same for
 * any corpus, so its young generation is fixed.
 */
export const WORKER_YOUNG_MB = 12;

export interface PoolPass {
  setup: Extract<ToStoreWorker, { type: 'pass' }>;
  units: readonly UnitTask[];
  first: boolean;
  /** inputs known to look binary (read at each dispatch) */
  binary: ReadonlySet<number>;
  /** in unit order */
  onResult: (task: UnitTask, out: UnitOutput) => void;
  signal?: AbortSignal;
  aborted: () => Error;
}

export class StorePool {
  private constructor(private readonly workers: NodeWorker[]) {}

  static async start(threads: number): Promise<StorePool> {
    const { Worker } = await import('node:worker_threads');
    const here = import.meta.url;
    // from dist/ the worker sits beside this file; from the TypeScript sources (tests) use the build
    const url = here.endsWith('.ts') ? new URL('../../dist/store/worker.js', here) : new URL('./worker.js', here);
    return new StorePool(Array.from({ length: threads }, () => new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } })));
  }

  /** The workers' V8 limits, as Node applied them. */
  get resourceLimits(): import('node:worker_threads').ResourceLimits[] {
    return this.workers.map((w) => w.resourceLimits ?? {});
  }

  run(p: PoolPass): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = new Map<number, UnitOutput>();
      const busy = this.workers.map(() => 0);
      let next = 0, delivered = 0, failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        cleanup();
        reject(e);
      };
      const dispatch = (): void => {
        for (let w = 0; w < this.workers.length; w++) {
          while (busy[w] < DEPTH && next < p.units.length && !p.signal?.aborted) {
            const task = p.units[next++];
            busy[w]++;
            this.workers[w].postMessage({ type: 'unit', task, first: p.first, binary: [...p.binary] } satisfies ToStoreWorker);
          }
        }
        const out = Math.max(...busy);
        if (p.signal?.aborted) fail(p.aborted());
        else if (out === 0 && next >= p.units.length) finish();
      };
      const finish = (): void => {
        cleanup();
        resolve();
      };
      const onMessage = (w: number) => (m: FromStoreWorker): void => {
        if (failed) return;
        busy[w]--;
        if (m.type === 'error') return fail(m.kind ? new RecurError(m.kind, m.message) : new Error(`preparation worker: ${m.message}`));
        done.set(m.output.index, m.output);
        try {
          for (let r = done.get(delivered); r; r = done.get(delivered)) {
            done.delete(delivered);
            p.onResult(p.units[delivered], r);
            delivered++;
          }
        } catch (e) {
          return fail(e as Error);
        }
        dispatch();
      };
      const onError = (e: Error): void => fail(e);
      const onAbort = (): void => fail(p.aborted());
      const handlers = this.workers.map((_, w) => onMessage(w));
      const cleanup = (): void => {
        this.workers.forEach((wk, w) => {
          wk.off('message', handlers[w]);
          wk.off('error', onError);
        });
        p.signal?.removeEventListener('abort', onAbort);
      };
      this.workers.forEach((wk, w) => {
        wk.on('message', handlers[w]);
        wk.on('error', onError);
        wk.postMessage(p.setup);
      });
      p.signal?.addEventListener('abort', onAbort);
      dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
