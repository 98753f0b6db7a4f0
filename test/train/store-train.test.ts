/**
 * Training from a token store is training from the same text in memory: the
 * same windows, the same validation, the same weights, with shards of a few
 * ids (a window and a sequence cross shard boundaries all the time). A run
 * resumes from a store exactly; validation is capped by valTokens with evenly
 * spread whole sequences; a long epoch is validated every EVAL_STEPS steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EOS } from '../../src/core/ids.js';
import { ArrayTokenSource } from '../../src/data/source.js';
import { prepareStore } from '../../src/store/prepare.js';
import { openStore, storeIdentity } from '../../src/store/reader.js';
import { checkSameStore, validationStream } from '../../src/train/data.js';
import { EVAL_STEPS } from '../../src/train/options.js';
import { bytes, curve, stopAt } from '../helpers/resume.js';
import { OPTS, tempDir, writeFiles } from '../helpers/store.js';
import { options, train } from '../helpers/train.js';

const dir = tempDir('store-train');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const names = ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena', 'mona', 'nils', 'olga', 'pia'];
const text = Array.from({ length: 8 }, (_, r) => names.map((n, i) => n + 'xyz'.slice(0, (i + r) % 4)).join('\n')).join('\n') + '\n';
const [file] = writeFiles(dir, { 'names.txt': text });
let n = 0;

async function storeOf(over: Record<string, unknown> = {}): Promise<string> {
  const output = path.join(dir, `s${n++}.recur`);
  await prepareStore([file], { ...OPTS, ...over }, { output, shardTokens: 7, chunkBytes: 5 });
  return output;
}

describe('training from a token store', () => {
  for (const [name, over] of [
    ['shuffled lines, validation every 5 steps', { valFrac: 0.15, evalEvery: 5 }],
    ['split none (no shuffle, burn-in validation chunks)', { split: 'none', valFrac: 0.1, evalEvery: 4 }],
    ['2 threads, word level', { level: 'word', threads: 2, batch: 16, valFrac: 0.2, evalEvery: 3 }],
    ['running text (in order, the end of the text held out)', { runningText: true, valFrac: 0.2, evalEvery: 5 }],
  ] as const) {
    it(`${name}: the same run as from the text in memory`, async () => {
      const data = { level: 'char', split: 'lines', valFrac: 0, runningText: false, ...over };
      const store = await storeOf({ level: data.level, split: data.split, valFrac: data.valFrac, valTail: data.runningText });
      const o = options({ batch: 4, seqLen: 8, ...over, steps: 23 });
      const mem = await train({ ...o, texts: [text] });
      const fromStore = await train({ ...o, texts: undefined, store });
      expect(curve(fromStore)).toEqual(curve(mem));
      expect(bytes(fromStore.model.params)).toEqual(bytes(mem.model.params));
      expect(fromStore.corpus).toEqual(mem.corpus);
      expect(mem.history.val.length).toBeGreaterThan(2);
    });
  }

  it('running text from a store that holds every n-th line out is refused, saying how to prepare it', async () => {
    const spread = await storeOf({ valFrac: 0.2 });
    await expect(train({ ...options(), texts: undefined, valFrac: undefined, store: spread, runningText: true, steps: 2 }))
      .rejects.toThrow(/runningText reads the training text in order, and the token store .* holds every n-th sequence out for validation: prepare it again with --running-text/);
    const tail = await storeOf({ valFrac: 0.2, valTail: true });
    expect(openStore(tail).manifest.valTail).toBe(true);
    expect((await train({ ...options(), texts: undefined, valFrac: undefined, store: tail, runningText: true, steps: 2 })).model.config.running_text).toBe(true);
  });

  it('the store decides the text configuration: a word store trains at word level with no option given; a disagreeing option is refused', async () => {
    const store = await storeOf({ level: 'word', valFrac: 0.1 });
    const r = await train({ ...options(), texts: undefined, level: undefined, valFrac: undefined, store, steps: 2 });
    expect(r.options.data.level).toBe('word');
    expect(r.model.vocab.tokens).toContain('anna');
    await expect(train({ ...options(), texts: undefined, level: 'char', valFrac: undefined, store, steps: 2 })).rejects.toThrow(/level char disagrees with the token store .* prepared with level word/);
  });

  it('resumes from a store exactly, mid-epoch', async () => {
    const store = await storeOf({ valFrac: 0.15 });
    const o = options({ texts: undefined, store, valFrac: 0.15, evalEvery: 4, dropout: 0.2, steps: 30 });
    const alone = await train(o);
    const state = await stopAt(o, 11);
    const resumed = await train({ ...o, resume: state });
    expect(curve(resumed)).toEqual(curve(alone));
    expect(bytes(resumed.model.params)).toEqual(bytes(alone.model.params));
  });

  it('refuses a store prepared again (or with a shard changed) since the checkpoint, saying what changed', async () => {
    const a = await storeOf({ valFrac: 0.1 });
    const open = (p: string) => {
      const s = openStore(p);
      s.close();
      return storeIdentity(s);
    };
    const before = open(a);
    expect(() => checkSameStore(before, open(a))).not.toThrow();
    // prepared again with another validation fraction: other shards
    const b = await storeOf({ valFrac: 0.3 });
    const moved = { ...open(b), path: before.path };
    expect(() => checkSameStore(before, moved)).toThrow(/has changed since the checkpoint was written: its shard train-\d+\.bin (was \d+ bytes, now \d+|has another checksum)/);
    // the same shards, another manifest (e.g. a new creation time)
    expect(() => checkSameStore(before, { ...before, id: 'x'.repeat(64) })).toThrow(/its manifest is another \(it was prepared again\)/);
    expect(() => checkSameStore(before, { ...before, id: 'x', shards: [...before.shards, { file: 'train-09999.bin', bytes: 2, sha256: 'y' }] })).toThrow(/a new shard train-09999\.bin/);
  });
});

describe('validation capped by valTokens', () => {
  // sequences of varied length: <eos> 3 3 3 <eos> 4 4 <eos> …
  const seqs = Array.from({ length: 400 }, (_, i) => Array.from({ length: 1 + ((i * 7) % 13) }, () => 2 + (i % 50)));
  const ids = Int32Array.from([EOS, ...seqs.flatMap((s) => [...s, EOS])]);
  const part = { source: new ArrayTokenSource(ids), tokens: ids.length - 1, sequences: seqs.length, oov: 0, chars: 0 };

  it('a stream within the cap (or cap 0) is scored whole', () => {
    expect(Array.from(validationStream(part, 0, true, 100))).toEqual(Array.from(ids));
    expect(Array.from(validationStream(part, ids.length - 1, true, 100))).toEqual(Array.from(ids));
  });

  it('a longer one: at most cap tokens of whole sequences, taken from all over the stream', () => {
    expect(part.tokens).toBeGreaterThan(3000);
    for (const cap of [1500, 3000]) {
      const v = Array.from(validationStream(part, cap, true, 100));
      expect(v.length - 1).toBeLessThanOrEqual(cap);
      expect(v.length - 1).toBeGreaterThan(cap / 3);
      expect(v[0]).toBe(EOS);
      expect(v.at(-1)).toBe(EOS);
      // every sequence in it is one of the stream's (each sequence here has its own id)
      const got = v.join(',').split(`,${EOS},`).map((s) => s.replace(/^0,|,0$/g, '')).filter((s) => s !== '' && s !== '0');
      const all = new Set(seqs.map((s) => s.join(',')));
      for (const g of got) expect(all.has(g), g).toBe(true);
      // from the beginning to the end of the stream
      const firsts = got.map((g) => Number(g.split(',')[0]));
      expect(Math.min(...firsts)).toBeLessThan(2 + 5);
      expect(Math.max(...firsts)).toBeGreaterThan(2 + 44);
    }
  });

  it('split none: exactly cap tokens, in pieces of the stream', () => {
    const one = Int32Array.from([EOS, ...Array.from({ length: 5000 }, (_, i) => 2 + (i % 97)), EOS]);
    const v = validationStream({ ...part, source: new ArrayTokenSource(one), tokens: one.length - 1 }, 640, false, 100);
    expect(v.length).toBe(641);
    expect(Array.from(v.subarray(1, 21))).toEqual(Array.from(one.subarray(1, 21)));
  });

  it('training reports the tokens it scores, and validates on them', async () => {
    const events: { type: string; valScored?: number; valTokens?: number }[] = [];
    const o = options({ texts: [text], valFrac: 0.5, steps: 2, onEvent: (e: { type: string }) => events.push(e) });
    await train({ ...o, valTokens: 40 });
    const p = events.find((e) => e.type === 'prepared')!;
    expect(p.valScored).toBeLessThanOrEqual(40);
    expect(p.valTokens).toBeGreaterThan(200);
  });
});

describe('the default validation interval', () => {
  it(`is once per epoch, or every ${EVAL_STEPS} steps when an epoch is longer`, async () => {
    const long = 'ab\n'.repeat(Math.ceil((EVAL_STEPS + 50) / 3));
    const evals: number[] = [];
    const o = options({ texts: [long], batch: 1, seqLen: 1, hidden: 2, embed: 2, valFrac: 0.01, onEvent: (e: { type: string; step?: number }) => { if (e.type === 'eval') evals.push(e.step!); } });
    const r = await train({ ...o, steps: EVAL_STEPS + 1 });
    expect(r.state.windowsPerEpoch).toBeGreaterThan(EVAL_STEPS);
    expect(evals).toEqual([EVAL_STEPS, EVAL_STEPS + 1]);
    evals.length = 0;
    const short = await train({ ...o, texts: ['ab\n'.repeat(40)], valFrac: 0.1, steps: 250 });
    expect(evals.slice(0, 2)).toEqual([short.state.windowsPerEpoch, 2 * short.state.windowsPerEpoch]);
  });
});
