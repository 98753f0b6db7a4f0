/**
 * Small model files and tools to take them apart and put them back together
 * (header JSON and data separately), for the loader tests and the fuzzer.
 */
import { Rng } from '../../src/core/rng.js';
import { EOS_TOKEN, UNK_TOKEN, Vocab } from '../../src/data/vocab.js';
import { saveModel } from '../../src/model/model-file.js';
import { modelConfig, type ModelConfig } from '../../src/model/config.js';
import type { CellType } from '../../src/nn/config.js';
import type { Level } from '../../src/data/text.js';
import { LanguageModel } from '../../src/model/model.js';
import { HeapPlan, createPlainHeap } from '../../src/core/heap.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { Network } from '../../src/nn/network.js';

export function tinyModel(cell: CellType, level: Level, layers: number, seed = 1, hidden = 5, embed = 3): LanguageModel {
  const words = ['the', 'cat', 'sat', 'on', 'mat', 'dog', '.'];
  const chars = ['a', 'b', 'c', ' ', 'é', '\n'];
  const tokens = [EOS_TOKEN, UNK_TOKEN, ...(level === 'word' ? words : chars)];
  const cfg: ModelConfig = modelConfig({ level, cell, embed, hidden, layers, lowercase: level === 'word' });
  const model = LanguageModel.create(cfg, new Vocab(tokens), new Rng(seed));
  model.info = { steps: 12, note: 'fuzz base' };
  return model;
}

export interface FileParts {
  /** the parsed header object (tensors and __metadata__) */
  header: Record<string, any>;
  /** the raw tensor data after the header */
  data: Uint8Array;
}

export function splitFile(bytes: Uint8Array): FileParts {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { header, data: bytes.slice(8 + n) };
}

/** Assemble a file from header text (or an object, stringified) and data; the length prefix is set to match. */
export function joinFile(header: string | Record<string, unknown>, data: Uint8Array): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Edit a valid file through its header object. */
export function editFile(bytes: Uint8Array, edit: (h: Record<string, any>, data: Uint8Array) => Uint8Array | void): Uint8Array {
  const { header, data } = splitFile(bytes);
  const newData = edit(header, data) ?? data;
  return joinFile(header, newData);
}

/** Edit the JSON inside one metadata string (config, vocab, training). */
export function editMeta(bytes: Uint8Array, key: string, edit: (value: any) => unknown): Uint8Array {
  return editFile(bytes, (h) => {
    h.__metadata__[key] = JSON.stringify(edit(JSON.parse(h.__metadata__[key])));
  });
}

export { saveModel };

/** Run a short forward pass with the reference kernels; returns the log-probabilities of the targets. */
export function forwardLogProbs(model: LanguageModel, T = 3): Float32Array {
  const plan = new HeapPlan();
  const net = new Network(plan, model.config, model.vocab.size, { B: 1, T, train: false, dropout: 0 });
  net.attach(referenceKernels(createPlainHeap(plan.words)));
  net.paramView().set(model.params);
  net.resetState();
  const ids = net.kernels.heap.i32;
  for (let t = 0; t < T; t++) {
    ids[net.inputs + t] = t === 0 ? 0 : t % model.vocab.size;
    ids[net.targets + t] = (t + 1) % model.vocab.size;
  }
  net.forward(T, 1);
  net.logProbs();
  return net.kernels.heap.f32.slice(net.logp, net.logp + T);
}
