/**
 * One preparation, three ways: a token store prepared from files, the same
 * texts prepared in memory (prepareCorpus, what training on a small corpus
 * does), and the plain whole-string specification (test/helpers/
 * reference-prepare.ts) give the same vocabulary, streams and counts, for
 * every split mode, level, tokenizer, case and validation setting; and a
 * store is byte for byte the same for 1, 2 and 3 threads and for any chunk
 * and range size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { prepareCorpus } from '../../src/data/prepare.js';
import { readText } from '../../src/node/files.js';
import { openStore } from '../../src/store/reader.js';
import { prepareStore, type PrepareOptions } from '../../src/store/prepare.js';
import { randomText } from '../helpers/random-text.js';
import { referenceChars, referenceOov, referencePrepare } from '../helpers/reference-prepare.js';
import { OPTS, readAll, storeFiles, tempDir, writeFiles } from '../helpers/store.js';

const dir = tempDir('store-eq');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rng = new Rng(7);
/** Three corpus files and a validation file of tricky text, and a file made of lines of prose. */
const texts = {
  'a.txt': randomText(rng, 300),
  'b/c.txt': randomText(rng, 200),
  'b/d.txt': 'The cat sat.\nOn the  mat!\n\n\nA 😀 dog\r\nran 3.14 km\n   \nend\n吾輩は猫である。名前はまだ無い。\n\nผมชอบกินข้าวผัด ที่ร้านนี้\n',
  'valid.txt': randomText(rng, 100),
};
const [a, c, d, valid] = writeFiles(dir, texts);

const TOKS = [
  { level: 'char', tokenize: 'default' },
  { level: 'word', tokenize: 'default' },
  { level: 'word', tokenize: 'whitespace' },
  { level: 'word', tokenize: 'segment' },
] as const;

let n = 0;
async function store(inputs: string[], o: PrepareOptions, run: { threads?: number; chunkBytes?: number; rangeBytes?: number; shardTokens?: number } = {}) {
  const output = path.join(dir, `s${n++}.recur`);
  await prepareStore(inputs, o, { output, chunkBytes: 5, rangeBytes: 97, shardTokens: 50, ...run });
  return output;
}

describe('a store, the in-memory preparation and the specification agree', () => {
  for (const split of ['lines', 'paragraphs', 'none'] as const) {
    for (const tok of TOKS) {
      it(`${split}, ${tok.level} level${tok.level === 'word' ? `, ${tok.tokenize} tokenizer` : ''}`, async () => {
        for (const [lowercase, valFrac, withVal, valTail] of [[false, 0, false, false], [true, 0.3, false, false], [false, 0.25, true, false], [false, 0.35, false, true]] as const) {
          const o: PrepareOptions = { ...OPTS, ...tok, split, lowercase, valFrac, valTail, maxVocab: tok.level === 'word' ? 40 : 0, minCount: 1, val: withVal ? [valid] : undefined };
          const out = await store([a, path.join(dir, 'b')], o);
          const mem = prepareCorpus([a, c, d].map((p) => readText(p)), o, undefined, withVal ? [readText(valid)] : undefined);
          const ref = referencePrepare([a, c, d].map((p) => readText(p)), o, undefined, withVal ? [readText(valid)] : undefined);
          const s = openStore(out, { verify: 'all' });
          const m = s.manifest;
          const what = JSON.stringify({ lowercase, valFrac, withVal, valTail });
          expect(m.valTail, what).toBe(valTail && split !== 'none');
          expect(m.vocab, what).toEqual(ref.vocab.tokens);
          expect(mem.vocab.tokens, what).toEqual(ref.vocab.tokens);
          expect(readAll(s.train), what).toEqual(ref.train);
          expect(Array.from(mem.train.stream), what).toEqual(ref.train);
          expect(s.val ? readAll(s.val) : [0], what).toEqual(ref.val);
          expect(mem.val ? Array.from(mem.val.stream) : [0], what).toEqual(ref.val);
          for (const [part, ids, seqs] of [['train', ref.train, ref.trainSequences], ['val', ref.val, ref.valSequences]] as const) {
            const want = { tokens: ids.length - 1, sequences: seqs.length, oov: referenceOov(ids), chars: referenceChars(seqs) };
            const got = m.parts[part] ?? { tokens: 0, sequences: 0, oov: 0, chars: 0 };
            expect({ tokens: got.tokens, sequences: got.sequences, oov: got.oov, chars: got.chars }, `${what} ${part}`).toEqual(want);
            const memPart = mem[part] ?? { tokens: 0, sequences: 0, oov: 0, chars: 0 };
            expect({ tokens: memPart.tokens, sequences: memPart.sequences, oov: memPart.oov, chars: memPart.chars }, `${what} ${part}`).toEqual(want);
          }
          expect(m.sources.map((x) => path.basename(x.path))).toEqual(withVal ? ['a.txt', 'c.txt', 'd.txt', 'valid.txt'] : ['a.txt', 'c.txt', 'd.txt']);
          s.close();
        }
      });
    }
  }
});

describe('a store is the same for any number of threads and any cut of the work', () => {
  const cases: [string, PrepareOptions][] = [
    ['char lines, validation 0.2', { ...OPTS, valFrac: 0.2 }],
    ['word paragraphs, lowercased, validation 0.3', { ...OPTS, level: 'word', split: 'paragraphs', lowercase: true, valFrac: 0.3 }],
    ['char none, lowercased, validation 0.4', { ...OPTS, split: 'none', lowercase: true, valFrac: 0.4 }],
    ['char none, validation 0.1', { ...OPTS, split: 'none', valFrac: 0.1 }],
    ['word lines, running text: the end of each file held out, 0.3', { ...OPTS, level: 'word', valFrac: 0.3, valTail: true }],
    ['char paragraphs, running text: the end of each file held out, 0.45', { ...OPTS, split: 'paragraphs', valFrac: 0.45, valTail: true }],
    ['word none, whitespace', { ...OPTS, level: 'word', split: 'none', tokenize: 'whitespace' }],
  ];
  for (const [name, o] of cases) {
    it(name, async () => {
      const want = storeFiles(await store([a, path.join(dir, 'b')], o, { threads: 1, chunkBytes: 1 << 16, rangeBytes: 1 << 30, shardTokens: 1 << 20 }));
      const runs = [
        { threads: 1, chunkBytes: 1, rangeBytes: 13 },
        { threads: 2, chunkBytes: 7, rangeBytes: 41 },
        { threads: 3, chunkBytes: 3, rangeBytes: 5 },
      ];
      for (const run of runs) {
        const got = storeFiles(await store([a, path.join(dir, 'b')], o, { ...run, shardTokens: 1 << 20 }));
        expect(got, JSON.stringify(run)).toEqual(want);
      }
    });
  }

  it('shards split the stream at shardTokens, wherever that falls', async () => {
    const one = openStore(await store([a, c], OPTS, { shardTokens: 1 << 20 }));
    const many = openStore(await store([a, c], OPTS, { shardTokens: 7 }));
    expect(many.manifest.parts.train.shards.length).toBe(Math.ceil(one.train.length / 7));
    expect(many.manifest.parts.train.shards.every((s, i, all) => s.tokens === (i + 1 < all.length ? 7 : one.train.length - 7 * i))).toBe(true);
    expect(readAll(many.train)).toEqual(readAll(one.train));
    one.close();
    many.close();
  });
});

describe('a running text (valTail) holds out the end of each file, cut where a sequence ends', () => {
  const words = (ids: Int32Array | Uint16Array | Uint32Array, tokens: readonly string[]): string[] =>
    Array.from(ids).map((id) => tokens[id]).join(' ').split('<eos>').map((x) => x.trim()).filter((x) => x !== '');
  const cases: [string, string, 'lines' | 'paragraphs', number, string[]][] = [
    // byte 25 of 50 is inside the paragraph "four five / six / seven": the cut moves on to the end of the next separator
    // (the words held out appear in the training part too, so they are in the vocabulary)
    ['paragraphs: the rest of the paragraph at 1 − f trains', 'eight nine\nthree\n\nfour five\nsix\nseven\n\neight\nnine\n', 'paragraphs', 0.5, ['eight nine']],
    ['paragraphs with CRLF and white space in the separator', 'eight two\r\nthree\r\n \r\n\tfour five\r\nsix\r\n\r\neight\r\n', 'paragraphs', 0.55, ['eight']],
    ['lines: the rest of the line at 1 − f trains', 'five six\nseven four\nfive six\nseven\n', 'lines', 0.6, ['five six', 'seven']],
    ['lines: no LF after 1 − f, so the whole file trains', 'one two\nthree four\nfive six seven', 'lines', 0.2, []],
  ];
  for (const [name, text, split, valFrac, val] of cases) {
    it(name, async () => {
      const o: PrepareOptions = { ...OPTS, level: 'word', split, valFrac, valTail: true };
      const [file] = writeFiles(dir, { [`tail-${n}.txt`]: text });
      const s = openStore(await store([file], o), { verify: 'all' });
      const mem = prepareCorpus([text], o);
      const ref = referencePrepare([text], o);
      expect(ref.valSequences.map((x) => x.split(/\s+/).join(' '))).toEqual(val);
      expect(mem.val ? words(mem.val.stream, mem.vocab.tokens) : []).toEqual(val);
      expect(s.val ? words(new Int32Array(readAll(s.val)), s.manifest.vocab) : []).toEqual(val);
      expect(mem.valFrom).toBe('tail');
      s.close();
    });
  }
});
