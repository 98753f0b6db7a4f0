/**
 * Scoring and evaluation at any size and on every core: the streamed forms
 * (scoreStream, evaluateStream: text in pieces, scored in batches) give the very
 * numbers of the in-memory forms (scoreSentences, evaluateText), for every split,
 * both levels, tiny batches (a sequence longer than a batch is carried over),
 * and 1, 2 or 3 threads (openSession's workers), on the WebAssembly and the
 * reference kernels.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { InferenceSession } from '../../src/infer/session.js';
import { evaluateText, scoreSentences } from '../../src/infer/score.js';
import { evaluateStream, scoreStream } from '../../src/infer/streamed.js';
import { openSession } from '../../src/infer/pool.js';
import { splitSequences } from '../../src/data/corpus.js';
import type { SplitMode, Level } from '../../src/data/text.js';
import type { KernelSetName } from '../../src/kernels/index.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', '.', ','];

function model(level: Level, split: SplitMode, seed = 5): LanguageModel {
  const tokens = level === 'word' ? WORDS : [...'abcdeé \n.'];
  const cfg = modelConfig({ level, cell: 'gru', embed: 6, hidden: 12, layers: 2, split });
  const rng = new Rng(seed);
  const m = LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...tokens]), rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.5 * rng.normal();
  return m;
}

/** Random text of lines (some blank, some long), paragraphs, words out of the vocabulary, CRLF. */
function text(level: Level, seed: number, lines = 60): string {
  const rng = new Rng(seed), out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = rng.next() < 0.1 ? 0 : rng.next() < 0.1 ? 150 : 1 + rng.int(12);
    const w: string[] = [];
    for (let j = 0; j < n; j++) w.push(rng.next() < 0.05 ? 'zebra' : level === 'word' ? WORDS[rng.int(WORDS.length)] : 'abcdeé .xy'[rng.int(10)]);
    out.push(w.join(level === 'word' ? ' ' : ''));
  }
  return out.join(rng.next() < 0.5 ? '\n' : '\r\n') + '\n';
}

/** The text cut into pieces of 1 to 40 code units (a CR and its LF sometimes apart). */
function pieces(t: string, seed: number): string[] {
  const rng = new Rng(seed), out: string[] = [];
  for (let i = 0; i < t.length; ) {
    let j = Math.min(t.length, i + 1 + rng.int(40));
    if (j < t.length && t.charCodeAt(j) >= 0xdc00 && t.charCodeAt(j) <= 0xdfff) j++;
    out.push(t.slice(i, j));
    i = j;
  }
  return out;
}

async function* slowly(xs: string[]): AsyncGenerator<string> {
  for (const x of xs) yield x;
}

const open: InferenceSession[] = [];
async function session(m: LanguageModel, threads: number, kernels: KernelSetName = 'wasm', batch = 8): Promise<InferenceSession> {
  const s = await openSession(m, { threads, kernels, batch, steps: 5 });
  open.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const cases: [Level, SplitMode][] = [['word', 'lines'], ['word', 'paragraphs'], ['char', 'lines'], ['char', 'none'], ['word', 'none']];

describe('streamed evaluation', () => {
  for (const [level, split] of cases) {
    it(`${level}, split ${split}: evaluateStream = evaluateText, for any batch size, piece size and thread count`, async () => {
      const m = model(level, split), t = text(level, 3);
      const expected = evaluateText(await InferenceSession.create(m, { batch: 8, steps: 5 }), t);
      expect(expected.tokens).toBeGreaterThan(300);
      for (const threads of [1, 2, 3]) {
        const s = await session(m, threads);
        expect(s.threads).toBe(threads);
        for (const batchTokens of [1, 17, 200, 1 << 16]) {
          const got = await evaluateStream(s, slowly(pieces(t, batchTokens + threads)), { batchTokens });
          expect(got, `${threads} threads, batches of ${batchTokens}`).toEqual(expected);
        }
      }
    });
  }

  it('the reference kernels too, and a long sequence carried over batches', async () => {
    const m = model('char', 'none'), t = text('char', 9, 40);
    const expected = evaluateText(await InferenceSession.create(m, { batch: 4, steps: 3, kernels: 'reference' }), t);
    const s = await session(m, 2, 'reference', 4);
    expect(await evaluateStream(s, pieces(t, 1), { batchTokens: 10 })).toEqual(expected);
  });

  it('blank text is an error, as in memory', async () => {
    const s = await session(model('word', 'lines'), 2);
    await expect(evaluateStream(s, [' \n', '\n  '])).rejects.toThrow(/no text to evaluate/);
    expect(() => evaluateText(s, ' \n\n  ')).toThrow(/no text to evaluate/);
  });
});

describe('streamed scoring', () => {
  for (const [level, split] of cases) {
    it(`${level}, split ${split}: scoreStream = scoreSentences of the split text, for any batch and thread count`, async () => {
      const m = model(level, split), t = text(level, 4);
      const expected = scoreSentences(await InferenceSession.create(m, { batch: 8, steps: 5 }), splitSequences(t, split));
      expect(expected.length).toBeGreaterThan(0);
      for (const threads of [1, 2, 3]) {
        const s = await session(m, threads);
        for (const batchTokens of [1, 50, 1 << 16]) {
          const got = [];
          for await (const x of scoreStream(s, slowly(pieces(t, batchTokens)), { batchTokens })) got.push(x);
          expect(got, `${threads} threads, batches of ${batchTokens}`).toEqual(expected);
        }
      }
    });
  }

  it('the split can be another than the model\'s', async () => {
    const m = model('word', 'lines'), t = text('word', 6);
    const expected = scoreSentences(await InferenceSession.create(m, { batch: 8, steps: 5 }), splitSequences(t, 'paragraphs'));
    const got = [];
    for await (const x of scoreStream(await session(m, 2), [t], { split: 'paragraphs', batchTokens: 30 })) got.push(x);
    expect(got).toEqual(expected);
    expect(got.length).toBeLessThan(splitSequences(t, 'lines').length);
  });
});

describe('threads', () => {
  it('chunked scoring gives the same bits on 1 and 2 threads, for 32 chunks of a long stream', async () => {
    const m = model('char', 'lines');
    const t = text('char', 8, 400);
    const one = await session(m, 1, 'wasm', 32), two = await session(m, 2, 'wasm', 32);
    const a = await evaluateStream(one, [t]), b = await evaluateStream(two, [t]);
    expect(b).toEqual(a);
    expect(two.threads).toBe(2);
  });

  it('a session with workers can be closed and still computes on its own thread', async () => {
    const m = model('word', 'lines'), t = text('word', 2);
    const s = await openSession(m, { threads: 2, batch: 8, steps: 5 });
    const before = await evaluateStream(s, [t]);
    await s.close();
    expect(s.threads).toBe(1);
    expect(await evaluateStream(s, [t])).toEqual(before);
  });
});
