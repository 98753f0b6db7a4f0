/**
 * The PyTorch trainer reads what recur reads (no torch needed): its Alea draws
 * recur's Rng numbers, and its windows, read from a token store through
 * numpy.memmap, are recur's BatchStream windows step for step, across epochs
 * (each with its own shuffle), shard boundaries and both split kinds.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { BatchStream } from '../../src/data/batches.js';
import type { CorpusOptions } from '../../src/data/prepare.js';
import { runPython, torchPythonOrSkip } from '../helpers/python.js';
import { writeStore } from '../helpers/prepared-store.js';

const py = torchPythonOrSkip('the PyTorch trainer tests');
const dir = mkdtempSync(join(tmpdir(), 'recur-torch-reading-'));

function randomLines(seed: number, n: number, alphabet = 'abcdefghij'): string {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(12) }, () => alphabet[rng.int(alphabet.length)]).join('')).join('\n') + '\n';
}

describe.skipIf(!py)('recur_torch reads what recur reads', () => {
  it("draws recur's Rng numbers (seedrandom's Alea) for every seed, bit for bit", async () => {
    const seeds = [0, 1, 2, 7, 42, 1234567, 2 ** 40];
    const sizes = [1, 2, 3, 10, 1000, 65536, 2 ** 31, 2 ** 40];
    const golden = seeds.map((seed) => {
      const r = new Rng(seed);
      const next = Array.from({ length: 20 }, () => r.next());
      const ints = sizes.map((n) => r.int(n));
      const order = Array.from({ length: 50 }, (_, i) => i);
      r.shuffle(order);
      return { next, ints, order, state: r.state().prng };
    });
    const script = `
import json, sys
from recur_torch.alea import Rng
out = []
for seed in ${JSON.stringify(seeds)}:
    r = Rng(seed)
    nxt = [r.next() for _ in range(20)]
    ints = [r.int(n) for n in ${JSON.stringify(sizes)}]
    order = list(range(50)); r.shuffle(order)
    out.append({"next": nxt, "ints": ints, "order": order, "state": r.state()})
print(json.dumps(out))`;
    const run = await runPython(py!, ['-c', script]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(golden);
  });

  const cases: [string, CorpusOptions['split'], number][] = [['lines', 'lines', 97], ['none', 'none', 1000]];
  for (const [label, split, shardTokens] of cases) {
    it(`gives recur's windows, split ${label}, over three epochs${shardTokens === 97 ? ' and several shards' : ''}, for the whole batch and for each process's share`, async () => {
      const options: CorpusOptions = { level: 'char', split, tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0 };
      const store = join(dir, `${label}.recur`);
      const prepared = await writeStore(store, { texts: [randomLines(3, 120)], options, shardTokens });
      const B = 4, T = 7, seed = 11;
      const batches = new BatchStream(prepared.train.stream, B, T, split !== 'none');
      const rng = new Rng(seed);
      batches.beginEpoch(rng);
      const steps = 3 * batches.windowsPerEpoch;
      const golden: number[][][] = [];
      const ids = new Int32Array(2 * B * T);
      for (let s = 0; s < steps; s++) {
        batches.nextEpochIfDone(rng);
        batches.fillSlice(ids, 0, B * T, 0, B);
        batches.advance();
        // (B, T + 1): each stream's inputs and its last target
        golden.push(Array.from({ length: B }, (_, b) => [...Array.from({ length: T }, (_, t) => ids[t * B + b]), ids[B * T + (T - 1) * B + b]]));
      }
      const script = `
import json
import numpy as np
from recur_torch.alea import Rng
from recur_torch.batches import BatchStream
from recur_torch.store import TokenStore
store = TokenStore(${JSON.stringify(store)})
store.verify()
b = BatchStream(store.train, ${B}, ${T}, store.text["split"] != "none")
rng = Rng(${seed})
b.begin_epoch(rng)
whole, halves = [], []
for s in range(${steps}):
    b.next_epoch_if_done(rng)
    whole.append(b.window_ids(0, ${B}).tolist())
    halves.append(np.concatenate([b.window_ids(0, ${B / 2}), b.window_ids(${B / 2}, ${B / 2})]).tolist())
    b.advance()
print(json.dumps({"whole": whole, "halves": halves, "wpe": b.windows_per_epoch}))`;
      const run = await runPython(py!, ['-c', script]);
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { whole: number[][][]; halves: number[][][]; wpe: number };
      expect(got.wpe).toBe(batches.windowsPerEpoch);
      expect(got.whole).toEqual(golden);
      expect(got.halves).toEqual(golden);
    });
  }

  it('opens a store of every text configuration recur prepares (every tokenizer, from the option table), with its vocabulary and counts', async () => {
    for (const tokenize of ['default', 'whitespace', 'segment'] as const) {
      const options: CorpusOptions = { level: 'word', split: 'lines', tokenize, lowercase: true, maxVocab: 0, minCount: 1, valFrac: 0.2 };
      const store = join(dir, `word-${tokenize}.recur`);
      const prepared = await writeStore(store, { texts: ['The cat sat. 吾輩は猫である。\nA dog ran!\nผมชอบกินข้าว\n'.repeat(5)], options });
      const script = `
import json
from recur_torch.store import TokenStore
s = TokenStore(${JSON.stringify(store)})
print(json.dumps({"text": s.text, "vocab": s.vocab, "train": s.train.slice(0, s.train.length).tolist()}))`;
      const run = await runPython(py!, ['-c', script]);
      expect(run.stderr, tokenize).toBe('');
      const got = JSON.parse(run.stdout) as { text: Record<string, unknown>; vocab: string[]; train: number[] };
      expect(got.text.tokenize).toBe(tokenize);
      expect(got.vocab).toEqual(prepared.vocab.tokens);
      expect(got.train).toEqual([...prepared.train.stream]);
    }
  });
});
