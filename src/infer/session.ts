/**
 * A model ready to compute: its parameters copied into a heap with a network
 * planned for B streams × T steps, inference only (no gradients, no dropout).
 */
import { HeapPlan } from '../core/heap.js';
import { DEFAULT_KERNELS, createKernels, type KernelSetName } from '../kernels/index.js';
import type { LanguageModel } from '../model/model.js';
import { Network } from '../nn/network.js';

export interface SessionOptions {
  /** parallel streams (default 1) */
  batch?: number;
  /** steps per window (default 64) */
  steps?: number;
  kernels?: KernelSetName;
}

export class InferenceSession {
  readonly model: LanguageModel;
  readonly net: Network;

  private constructor(model: LanguageModel, net: Network) {
    this.model = model;
    this.net = net;
  }

  static async create(model: LanguageModel, o: SessionOptions = {}): Promise<InferenceSession> {
    const plan = new HeapPlan();
    const net = new Network(plan, model.config, model.vocab.size, { B: o.batch ?? 1, T: o.steps ?? 64, train: false });
    net.attach(await createKernels(o.kernels ?? DEFAULT_KERNELS, plan.words));
    net.paramView().set(model.params);
    return new InferenceSession(model, net);
  }
}
