/**
 * Inference on every core (Node only; the browser entry never imports this):
 * a session whose network shares one heap with worker threads, each with a
 * network of its own over the same parameters. A scoring call's chunks are cut
 * into contiguous shares, as even as possible: the first is scored on the
 * calling thread, the others by the workers, at the same time. Each row's
 * arithmetic does not depend on its batch (Network.freezeWeights), so the
 * scores are the same bits for any number of threads.
 */
import { availableParallelism } from 'node:os';
import { HeapPlan } from '../core/heap.js';
import { DEFAULT_KERNELS, createKernels, shareableMemory, type KernelSetName } from '../kernels/index.js';
import type { LanguageModel } from '../model/model.js';
import { streamLogProbs, type Chunk } from '../model/evaluate.js';
import type { TokenIds } from '../data/corpus.js';
import { Network } from '../nn/network.js';
import { InferenceSession, type ChunkWorkers, type SessionOptions } from './session.js';
import type { FromInferWorker, InferWorkerInit, ProductWorkerInit, ToInferWorker } from './pool-worker.js';
import { CONTROL_WORDS, hasSplitProduct, splitKernels } from './split-product.js';
import { nextMessage } from '../node/worker-reply.js';

type NodeWorker = import('node:worker_threads').Worker;

export interface PoolOptions extends SessionOptions {
  /** threads in all, this one included (default: the available cores) */
  threads?: number;
}

/** The shares of n chunks over the threads: as even as possible, larger ones first. */
export function shares(n: number, threads: number): number[] {
  const t = Math.max(1, Math.min(threads, n));
  return Array.from({ length: t }, (_, w) => Math.floor(n / t) + (w < n % t ? 1 : 0));
}

/**
 * A session on `threads` threads (default: the available cores): workers get
 * networks of ⌈batch / threads⌉ streams on the session's heap. A batch of 1
 * has one worker, which computes half of every large lone-row product
 * (infer/split-product.ts). With one thread, or a batch of 1 whose products
 * are small, it is InferenceSession.create's session. Close it when done.
 */
export async function openSession(model: LanguageModel, o: PoolOptions = {}): Promise<InferenceSession> {
  const B = o.batch ?? 1, T = o.steps ?? 64;
  const asked = o.threads ?? availableParallelism();
  if (B === 1) {
    // a reduced-precision decoder (bf16, int8) is read on this thread alone
    const splits = asked > 1 && (o.decoder ?? 'f32') === 'f32' && hasSplitProduct(model.config, model.vocab.size);
    return splits ? openSplit(model, T, o.kernels) : InferenceSession.create(model, o);
  }
  const threads = Math.max(1, Math.min(asked, B));
  if (threads === 1) return InferenceSession.create(model, o);
  const plan = new HeapPlan();
  const main = new Network(plan, model.config, model.vocab.size, { B, T, train: false });
  const wB = Math.ceil(B / threads);
  const starts: number[] = [];
  for (let w = 1; w < threads; w++) {
    starts.push(plan.words);
    new Network(plan, model.config, model.vocab.size, { B: wB, T, train: false, sharedParams: main.params });
  }
  const k = await createKernels(o.kernels ?? DEFAULT_KERNELS, plan.words, { shared: true, instances: threads });
  main.attach(k);
  main.paramView().set(model.params);
  const pool = new InferPool();
  try {
    await pool.spawn(starts.map((planStart, i): InferWorkerInit => ({
      type: 'init', kernels: k.name, memory: shareableMemory(k), words: plan.words, slot: i + 1,
      config: model.config, V: model.vocab.size, planStart, B: wB, T, params: main.params,
    })));
  } catch (e) {
    await pool.close();
    throw e;
  }
  return InferenceSession.over(model, main, pool);
}

/** A batch-1 session whose large lone-row products (W_hh, W_dec) are split with one worker (infer/split-product.ts). */
async function openSplit(model: LanguageModel, T: number, kernels: KernelSetName | undefined): Promise<InferenceSession> {
  const plan = new HeapPlan();
  const main = new Network(plan, model.config, model.vocab.size, { B: 1, T, train: false });
  const ctrl = plan.alloc(CONTROL_WORDS);
  const k = await createKernels(kernels ?? DEFAULT_KERNELS, plan.words, { shared: true, instances: 2 });
  const split = splitKernels(k, ctrl);
  main.attach(split.kernels);
  const pool = new InferPool(split.stop);
  try {
    await pool.spawn([{ type: 'products', kernels: k.name, memory: shareableMemory(k), words: plan.words, slot: 1, ctrl }]);
  } catch (e) {
    await pool.close();
    throw e;
  }
  return InferenceSession.over(model, main, pool);
}

class InferPool implements ChunkWorkers {
  /** `stop`: what to do before the workers are terminated */
  constructor(private readonly stop: (() => void) | null = null) {}

  private workers: NodeWorker[] = [];

  get threads(): number {
    return this.workers.length + 1;
  }

  async spawn(inits: (InferWorkerInit | ProductWorkerInit)[]): Promise<void> {
    const { Worker } = await import('node:worker_threads');
    const here = import.meta.url;
    // from dist/ the worker sits beside this file; from the TypeScript sources (tests) use the build
    const url = here.endsWith('.ts') ? new URL('../../dist/infer/pool-worker.js', here) : new URL('./pool-worker.js', here);
    await Promise.all(inits.map((init) => {
      const w = new Worker(url);
      this.workers.push(w);
      w.postMessage(init);
      return this.reply(w).then((r) => {
        // the same build everywhere, or the threads' scores would round differently
        if (r.type !== 'ready' || r.kernels !== init.kernels) throw new Error(`inference worker runs other kernels than ${init.kernels}`);
      });
    }));
  }

  /** The worker's next message; an idle worker does not keep the process alive (a session left open does not hang it). */
  private reply(w: NodeWorker): Promise<FromInferWorker> {
    return nextMessage<FromInferWorker>(w, 'inference worker', true);
  }

  async logProbs(main: Network, stream: TokenIds, chunks: readonly Chunk[]): Promise<Float32Array> {
    const out = new Float32Array(stream.length - 1);
    if (this.stop) return streamLogProbs(main, stream, chunks, out); // the products' worker does not score chunks
    const sizes = shares(chunks.length, this.threads);
    let at = sizes[0];
    const pending = sizes.slice(1).map((n, i) => {
      const mine = chunks.slice(at, at + n);
      at += n;
      const lo = mine[0].start, hi = mine[mine.length - 1].end;
      const m: ToInferWorker = {
        type: 'score', stream: stream.slice(lo, hi + 1),
        chunks: mine.map((c) => ({ start: c.start - lo, from: c.from - lo, end: c.end - lo })),
      };
      const w = this.workers[i];
      w.postMessage(m);
      return this.reply(w).then((r) => {
        if (r.type === 'scored') for (const c of mine) out.set(r.logp.subarray(c.from - lo, c.end - lo), c.from);
      });
    });
    streamLogProbs(main, stream, chunks.slice(0, sizes[0]), out);
    await Promise.all(pending);
    return out;
  }

  async close(): Promise<void> {
    this.stop?.();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
