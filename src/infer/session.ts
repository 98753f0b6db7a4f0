/**
 * A model ready to compute: its parameters copied into a heap with a network
 * planned for B streams × T steps, inference only (no gradients, no dropout).
 * With B > 1 (scoring) the recurrent weights are packed once
 * (Network.freezeWeights), so a token's score is the same bits however the
 * text is cut into chunks, windows or threads.
 *
 * A session computes on the calling thread. In Node, `openSession` (infer/pool.ts,
 * exported by the Node entry only) adds worker threads on the same heap: the
 * chunks of a scoring call are then spread over them (`logProbs`), with the
 * same results as one thread.
 */
import { HeapPlan } from '../core/heap.js';
import { DEFAULT_KERNELS, createKernels, type KernelSetName } from '../kernels/index.js';
import type { LanguageModel } from '../model/model.js';
import { streamLogProbs, type Chunk } from '../model/evaluate.js';
import type { TokenIds } from '../data/corpus.js';
import { Network } from '../nn/network.js';

export interface SessionOptions {
  /** parallel streams (default 1) */
  batch?: number;
  /** steps per window (default 64) */
  steps?: number;
  kernels?: KernelSetName;
}

/** Worker threads that score chunks on the session's heap (infer/pool.ts). */
export interface ChunkWorkers {
  /** threads in all, the calling thread included */
  readonly threads: number;
  /** log-probabilities of the chunks' positions, the first share computed by `main` on this thread */
  logProbs(main: Network, stream: TokenIds, chunks: readonly Chunk[]): Promise<Float32Array>;
  close(): Promise<void>;
}

export class InferenceSession {
  readonly model: LanguageModel;
  readonly net: Network;
  private workers: ChunkWorkers | null;

  private constructor(model: LanguageModel, net: Network, workers: ChunkWorkers | null) {
    this.model = model;
    this.net = net;
    this.workers = workers;
  }

  static async create(model: LanguageModel, o: SessionOptions = {}): Promise<InferenceSession> {
    const plan = new HeapPlan();
    const net = new Network(plan, model.config, model.vocab.size, { B: o.batch ?? 1, T: o.steps ?? 64, train: false });
    net.attach(await createKernels(o.kernels ?? DEFAULT_KERNELS, plan.words));
    return InferenceSession.over(model, net, null);
  }

  /**
   * A session over a network already attached to its kernels (its parameters
   * are set here and frozen: Network.freezeWeights), with optional workers.
   */
  static over(model: LanguageModel, net: Network, workers: ChunkWorkers | null): InferenceSession {
    net.paramView().set(model.params);
    net.freezeWeights();
    return new InferenceSession(model, net, workers);
  }

  /** Threads that score (1 without workers). */
  get threads(): number {
    return this.workers?.threads ?? 1;
  }

  /** log p(stream[p+1] | stream[..p]) for the positions of `chunks`, spread over the session's threads. */
  logProbs(stream: TokenIds, chunks: readonly Chunk[]): Promise<Float32Array> {
    if (!this.workers || chunks.length < 2) return Promise.resolve(streamLogProbs(this.net, stream, chunks));
    return this.workers.logProbs(this.net, stream, chunks);
  }

  /** Stop the worker threads, if any (the session still computes on this thread). */
  async close(): Promise<void> {
    const w = this.workers;
    this.workers = null;
    await w?.close();
  }
}
