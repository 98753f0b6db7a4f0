/**
 * Training windows read from a token store are the windows of today's
 * in-memory BatchStream (test/helpers/legacy-batches.ts) for corpora of up to
 * 2¹⁸ sequences, epoch after epoch, in lines and none mode; above that, the
 * shuffle goes by blocks of K sequences (docs/token-store.md), the same from
 * memory and from a store, and the order of the blocks is all it keeps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { BatchStream } from '../../src/data/batches.js';
import { prepareCorpus } from '../../src/data/prepare.js';
import { MAX_BLOCKS, blockStarts } from '../../src/data/source.js';
import { readText } from '../../src/node/files.js';
import { prepareStore } from '../../src/store/prepare.js';
import { openStore } from '../../src/store/reader.js';
import { LegacyBatchStream } from '../helpers/legacy-batches.js';
import { randomText } from '../helpers/random-text.js';
import { OPTS, tempDir, writeFiles } from '../helpers/store.js';

const dir = tempDir('store-batches');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Windows = { fillSlice: (i32: Int32Array, inputs: number, targets: number, b0: number, Bc: number) => void; advance: () => void; beginEpoch: (r: Rng) => void; windowsPerEpoch: number };

/** Every window of `epochs` epochs, each stream read as two slices (as the threads do). */
function windows(bs: Windows, B: number, T: number, epochs: number, seed: number): number[][] {
  const rng = new Rng(seed), out: number[][] = [];
  for (let e = 0; e < epochs; e++) {
    bs.beginEpoch(rng);
    for (let w = 0; w < bs.windowsPerEpoch; w++) {
      const b0 = Math.floor(B / 2), i32 = new Int32Array(4 * B * T);
      bs.fillSlice(i32, 0, B * T, 0, b0);
      bs.fillSlice(i32, 2 * B * T, 3 * B * T, b0, B - b0);
      bs.advance();
      out.push(Array.from(i32));
    }
  }
  return out;
}

describe('BatchStream over a store', () => {
  const rng = new Rng(11);
  const lines = Array.from({ length: 400 }, () => randomText(rng, rng.int(6), ['a', 'b', 'cd', ' ', 'é', '😀', 'xyz']));
  const [file] = writeFiles(dir, { 'c.txt': lines.join('\n') + '\n' });

  for (const split of ['lines', 'none'] as const) {
    it(`gives today's windows from memory, several epochs (${split} mode)`, async () => {
      const out = path.join(dir, `${split}.recur`);
      await prepareStore([file], { ...OPTS, split }, { output: out, shardTokens: 97, rangeBytes: 300, chunkBytes: 11 });
      const store = openStore(out);
      const mem = prepareCorpus([readText(file)], { ...OPTS, split });
      for (const [B, T] of [[3, 5], [8, 16], [1, 50]]) {
        const legacy = new LegacyBatchStream(mem.train.stream, B, T, split !== 'none');
        const fromStore = new BatchStream(store.train, B, T, store.blocks);
        expect(fromStore.windowsPerEpoch).toBe(legacy.windowsPerEpoch);
        expect(windows(fromStore, B, T, 3, 5)).toEqual(windows(legacy, B, T, 3, 5));
        expect(windows(new BatchStream(mem.train.stream, B, T, split !== 'none'), B, T, 2, 6)).toEqual(windows(legacy, B, T, 2, 6));
      }
      expect(store.blocks === null).toBe(split === 'none');
      store.close();
    });
  }

  it(`above 2¹⁸ sequences shuffles blocks of K, the same from memory and from a store, and holds at most 2¹⁸ of them`, async () => {
    const n = MAX_BLOCKS + 5000;
    const r = new Rng(12);
    const text = Array.from({ length: n }, () => 'abc'.slice(0, r.int(4)) || 'd').join('\n');
    const [big] = writeFiles(dir, { 'big.txt': text });
    const out = path.join(dir, 'big.recur');
    await prepareStore([big], OPTS, { output: out, threads: 2, rangeBytes: 200_000 });
    const store = openStore(out);
    const mem = prepareCorpus([text], OPTS);
    const blocks = blockStarts(mem.train.stream);
    expect(store.manifest.parts.train.sequences).toBe(n);
    expect(store.manifest.parts.train.blocks!.sequencesPerBlock).toBe(2);
    expect(blocks.length).toBe(Math.ceil(n / 2));
    expect(store.blocks!.length).toBe(blocks.length);
    expect(Buffer.from(store.blocks!.buffer).equals(Buffer.from(blocks.buffer))).toBe(true);
    expect(mem.train.stream.every((id, p) => id === (p === 0 || p > text.length || text[p - 1] === '\n' ? 0 : mem.vocab.id(text[p - 1])))).toBe(true);
    expect(blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    // the shuffled stream is the blocks laid out in the order the Rng gives
    const B = 64, T = 32, ids = mem.train.stream;
    const bs = new BatchStream(store.train, B, T, store.blocks!), rngA = new Rng(3), rngB = new Rng(3);
    bs.beginEpoch(rngA);
    const order = Uint32Array.from(blocks.keys());
    rngB.shuffle(order);
    const ref: number[] = [];
    for (const k of order) ref.push(...ids.subarray(blocks[k], k + 1 < blocks.length ? blocks[k + 1] : ids.length - 1));
    ref.push(0);
    const L = Math.floor((ids.length - 1) / B), i32 = new Int32Array(2 * B * T);
    for (let w = 0; w < 40; w++) {
      bs.fill(i32, 0, B * T);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) expect(i32[t * B + b]).toBe(ref[b * L + w * T + t]);
    }
    store.close();
  });
});
