/**
 * The benchmark compares like with like: every configuration of
 * test/bench/configs.json (the one table read by configs.js and by its PyTorch
 * twin torch_bench.py) names its output layer, recur's side trains and runs
 * exactly that model, and PyTorch's side builds exactly that module. (C2-gru
 * once became the adaptive softmax on recur's side only, when that became the
 * default for large vocabularies; the last test shows it would again without
 * the explicit setting, and that expectBuilt would then stop the benchmark.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: plain ESM benchmark module without type declarations
import { CONFIGS, TABLE, expectBuilt, fileSentences, trainInput } from './configs.js';
import { train, type TrainInput } from '../../src/train/trainer.js';
import type { LanguageModel } from '../../src/model/model.js';
import { findTorchPython } from '../helpers/torch.js';

interface Entry {
  kind: 'train' | 'sample' | 'score' | 'score-file';
  level: 'char' | 'word';
  cell: string;
  vocab: number;
  embed: number;
  hidden: number;
  softmax: string;
  cutoffs?: number[];
  batch?: number;
  seqLen?: number;
  threads?: number;
  chunks?: number;
  sentences?: number;
  opts?: () => Record<string, unknown>;
  model?: () => LanguageModel;
}
const table = TABLE as Record<string, Entry>;
const configs = CONFIGS as Record<string, Entry>;
const names = Object.keys(table);
const training = names.filter((n) => table[n].kind === 'train');

/** One step of a training configuration's own options (a small window: the model is what matters here). */
async function trainOnce(name: string, over: Record<string, unknown> = {}): Promise<LanguageModel> {
  const input = (trainInput as (o: Record<string, unknown>) => TrainInput)({ ...configs[name].opts!(), batch: 2, seqLen: 8, threads: 1, steps: 1, kernels: 'wasm', ...over });
  return (await train(input)).model;
}

describe('benchmark configurations', () => {
  it('every configuration names its softmax (adaptive ones their cutoffs), and the training options pass it on', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(configs)).toEqual(names);
    for (const n of names) {
      const c = table[n];
      expect(['full', 'adaptive'], n).toContain(c.softmax);
      if (c.softmax === 'adaptive') expect(c.cutoffs?.length, n).toBeGreaterThan(0);
      if (c.kind === 'train') {
        const o = configs[n].opts!();
        expect(o.softmax, n).toBe(c.softmax);
        expect(o.cutoffs ?? [], n).toEqual(c.cutoffs ?? []);
      }
    }
  });

  it('each training configuration trains the model its table names: output layer and vocabulary size', async () => {
    for (const n of training) {
      const m = await trainOnce(n);
      expect(() => expectBuilt(n, m)).not.toThrow();
      expect(m.config.softmax, n).toBe(table[n].softmax);
      expect(m.vocab.size, n).toBe(table[n].vocab);
      expect([m.config.cell, m.config.embed, m.config.hidden], n).toEqual([table[n].cell, table[n].embed, table[n].hidden]);
    }
  });

  it('each sampling and scoring configuration runs the model its table names', () => {
    for (const n of names.filter((x) => table[x].kind !== 'train')) {
      const m = configs[n].model!();
      expect(() => expectBuilt(n, m)).not.toThrow();
      expect(m.config.softmax, n).toBe(table[n].softmax);
    }
  });

  it('without its explicit softmax C2-gru would train the adaptive default (V = 10,000), and expectBuilt stops that run', async () => {
    const m = await trainOnce('C2-gru', { softmax: undefined });
    expect(m.config.softmax).toBe('adaptive');
    expect(() => expectBuilt('C2-gru', m)).toThrow(/adaptive softmax, configs.json says full/);
  });
});

const py = findTorchPython();
if (!py && process.env.CI) throw new Error('CI needs Python with torch for the benchmark twin check (apt-get install -y python3-torch)');

describe.skipIf(!py)('the PyTorch twin (torch_bench.py)', () => {
  it('builds, for every configuration and nothing else, the module of the same table: cell, sizes, output layer, batch', () => {
    const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
    const r = spawnSync(py!, [script, '--describe'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const built = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(built)).toEqual(names);
    for (const n of names) {
      const c = table[n];
      expect(built[n], n).toEqual({
        kind: c.kind, cell: c.cell, vocab: c.vocab, embed: c.embed, hidden: c.hidden, layers: 1, softmax: c.softmax, cutoffs: c.cutoffs ?? [],
        ...(c.kind === 'train' ? { batch: c.batch, seqLen: c.seqLen } : {}),
        ...(c.threads !== undefined ? { threads: c.threads } : {}),
        ...(c.chunks !== undefined ? { chunks: c.chunks } : {}),
        ...(c.sentences !== undefined ? { sentences: c.sentences } : {}),
      });
    }
  });

  it('scores the same sentences as recur in the score-file configurations', () => {
    const code = 'import json, torch_bench; print(json.dumps(torch_bench.file_sentences(300, 10000)))';
    const r = spawnSync(py!, ['-c', code], { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
    expect(r.status, r.stderr).toBe(0);
    const ours = (fileSentences as (n: number, v: number) => string[])(300, 10000).map((l) => l.split(' ').map((w) => Number(w.slice(1)) + 2));
    expect(JSON.parse(r.stdout)).toEqual(ours);
    expect(new Set(ours.map((s) => s.length)).size).toBe(26); // 5 to 30 words
  });
});
