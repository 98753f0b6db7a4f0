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
import { usageError } from '../core/errors.js';
import { DEFAULT_KERNELS, bf16Words, createKernels, int8Words, type Kernels, type KernelSetName } from '../kernels/index.js';
import type { LanguageModel } from '../model/model.js';
import { streamLogProbs, type Chunk } from '../model/evaluate.js';
import type { TokenIds } from '../data/corpus.js';
import { Network } from '../nn/network.js';
import type { FullSoftmax } from '../nn/head.js';

export interface SessionOptions {
  /** parallel streams (default 1) */
  batch?: number;
  /** steps per window (default 64) */
  steps?: number;
  kernels?: KernelSetName;
  /**
   * Batch 1 with a full softmax: `bf16` reads the decoder from a bfloat16 copy
   * (half the bytes, each weight rounded by at most 2⁻⁸ of itself) for every
   * lone token, which sampling a word model is bound by; `int8` from an int8
   * copy with one scale per row (a quarter of the bytes, each weight rounded
   * by at most 1/254 of its row's largest; the hidden state rounded to int16
   * levels). Default `f32`: the model's own weights.
   */
  decoder?: DecoderPrecision;
}

export const DECODER_PRECISIONS = ['f32', 'bf16', 'int8'] as const;
export type DecoderPrecision = (typeof DECODER_PRECISIONS)[number];

/** The reduced-precision copies of the decoder: their size, how one is made, and the product that reads it. */
const REDUCED: Record<Exclude<DecoderPrecision, 'f32'>, {
  words(N: number, K: number): number;
  pack(k: Kernels, p: number, w: number, N: number, K: number): void;
  matvec(k: Kernels, c: number, x: number, p: number, bias: number, N: number, K: number): void;
}> = {
  bf16: { words: bf16Words, pack: (k, ...a) => k.packBf16(...a), matvec: (k, ...a) => k.matvecBf16(...a) },
  int8: { words: int8Words, pack: (k, ...a) => k.packInt8(...a), matvec: (k, ...a) => k.matvecInt8(...a) },
};

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
    const B = o.batch ?? 1, V = model.vocab.size, H = model.config.hidden;
    const net = new Network(plan, model.config, V, { B, T: o.steps ?? 64, train: false });
    const decoder = o.decoder ?? 'f32';
    if (decoder !== 'f32' && (B !== 1 || model.config.softmax !== 'full')) {
      throw usageError(`decoder ${decoder} needs one stream and a full softmax (here: batch ${B}, softmax ${model.config.softmax}); use the default f32`, 'decoder');
    }
    const reduced = decoder === 'f32' ? null : REDUCED[decoder];
    const copy = reduced ? plan.alloc(reduced.words(V, H)) : -1;
    net.attach(await createKernels(o.kernels ?? DEFAULT_KERNELS, plan.words));
    const session = InferenceSession.over(model, net, null);
    if (reduced) {
      const k = net.kernels, w = net.params + net.layout.decoderW, b = net.params + net.layout.decoderB;
      reduced.pack(k, copy, w, V, H);
      (net.head as FullSoftmax).product = (logits, y, M) => {
        for (let i = 0; i < M; i++) reduced.matvec(k, logits + i * V, y + i * H, copy, b, V, H);
      };
    }
    return session;
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
