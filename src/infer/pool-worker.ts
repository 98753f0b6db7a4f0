/**
 * An inference worker (infer/pool.ts): scores the chunks it is sent with its
 * own network on the shared heap, over the session's parameters (read only).
 */
import { parentPort } from 'node:worker_threads';
import { HeapPlan } from '../core/heap.js';
import { kernelsOn, type KernelSet, type KernelSetName } from '../kernels/index.js';
import type { ArchConfig } from '../nn/config.js';
import { Network } from '../nn/network.js';
import { streamLogProbs, type Chunk } from '../model/evaluate.js';
import type { TokenIds } from '../data/corpus.js';
import { serveProducts } from './split-product.js';

export interface InferWorkerInit {
  type: 'init'; kernels: KernelSetName; memory: WebAssembly.Memory | SharedArrayBuffer; words: number; slot: number;
  config: ArchConfig; V: number; planStart: number; B: number; T: number; params: number;
}

/** A worker that computes its share of every large lone-row product until told to stop (split-product.ts). */
export interface ProductWorkerInit {
  type: 'products'; kernels: KernelSetName; memory: WebAssembly.Memory | SharedArrayBuffer; words: number; slot: number; ctrl: number;
}

export type ToInferWorker =
  | InferWorkerInit
  | ProductWorkerInit
  /** the stream from the first chunk's start to one past the last chunk's end, and the chunks relative to it */
  | { type: 'score'; stream: TokenIds; chunks: Chunk[] };

export type FromInferWorker =
  | { type: 'ready'; kernels: KernelSet }
  | { type: 'scored'; logp: Float32Array }
  | { type: 'error'; message: string };

let net: Network | null = null;
const port = parentPort;
const reply = (m: FromInferWorker, transfer: ArrayBuffer[] = []): void => port!.postMessage(m, transfer);

port?.on('message', (m: ToInferWorker) => {
  void handle(m).catch((e: unknown) => reply({ type: 'error', message: (e as Error)?.message ?? String(e) }));
});

async function handle(m: ToInferWorker): Promise<void> {
  if (m.type === 'init') {
    const plan = new HeapPlan();
    plan.words = m.planStart;
    net = new Network(plan, m.config, m.V, { B: m.B, T: m.T, train: false, sharedParams: m.params });
    net.attach(await kernelsOn(m.kernels, m.memory, m.words, m.slot));
    net.freezeWeights();
    reply({ type: 'ready', kernels: net.kernels.name });
  } else if (m.type === 'products') {
    const k = await kernelsOn(m.kernels, m.memory, m.words, m.slot);
    reply({ type: 'ready', kernels: k.name });
    serveProducts(k, m.ctrl); // until the session closes
  } else {
    const logp = streamLogProbs(net!, m.stream, m.chunks);
    reply({ type: 'scored', logp }, [logp.buffer as ArrayBuffer]);
  }
}
