import { HeapPlan, createPlainHeap } from '../../src/core/heap.js';
import { Rng } from '../../src/core/rng.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { modelConfig, type ModelConfig } from '../../src/model/config.js';
import type { CellType } from '../../src/nn/config.js';
import { Network } from '../../src/nn/network.js';
import { initParams } from '../../src/nn/params.js';

export function tinyConfig(cell: CellType, layers = 1, over: Partial<ModelConfig> = {}): ModelConfig {
  return modelConfig({ level: 'char', cell, embed: 3, hidden: 4, layers, ...over });
}

/** The probabilities of the three kinds of dropout a training network applies, and whether dropout is locked (nn/dropout.ts). */
export interface Drops {
  dropout?: number;
  /** dropout with one mask per stream for the whole window */
  lockedDropout?: boolean;
  weightDrop?: number;
  embedDrop?: number;
}

/** A reference-kernel network with random non-symmetric weights. */
export function makeNetwork(cfg: ModelConfig, V: number, B: number, T: number, seed = 1, train = true, drops: Drops = {}): Network {
  const plan = new HeapPlan();
  const net = new Network(plan, cfg, V, { B, T, train, ...drops });
  net.attach(referenceKernels(createPlainHeap(plan.words)));
  const rng = new Rng(seed);
  const p = net.paramView();
  initParams(p, net.layout, cfg, rng);
  // make biases and weights clearly non-zero and asymmetric
  for (let i = 0; i < p.length; i++) p[i] += 0.1 * rng.normal();
  return net;
}

/** Fill inputs/targets with random ids (time-major), some inputs <eos>. */
export function randomWindow(net: Network, Tc: number, Bc: number, seed = 2, eosRate = 0.15): void {
  const rng = new Rng(seed), ids = net.kernels.heap.i32;
  for (let i = 0; i < Tc * Bc; i++) {
    ids[net.inputs + i] = rng.next() < eosRate ? 0 : 1 + rng.int(net.V - 1);
    ids[net.targets + i] = rng.int(net.V);
  }
}
