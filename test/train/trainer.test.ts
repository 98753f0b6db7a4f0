import { describe, expect, it } from 'vitest';
import { BatchStream, fitWindow } from '../../src/data/batches.js';
import { Rng } from '../../src/core/rng.js';
import { EOS } from '../../src/core/ids.js';
import { InferenceSession } from '../../src/infer/session.js';
import { SAMPLE_DEFAULTS, sampleOne } from '../../src/infer/sample.js';
import { scoreSentences } from '../../src/infer/score.js';
import { options, train } from '../helpers/train.js';
import { prepareTexts } from '../../src/train/data.js';
import type { TrainEvent } from '../../src/train/trainer.js';
import { LanguageModel } from '../../src/model/model.js';

export { options };

describe('batches', () => {
  it('B streams × T steps, time-major, each target the next token', () => {
    const stream = Int32Array.from({ length: 21 }, (_, i) => 100 + i); // positions 0..20
    const b = new BatchStream(stream, 2, 3, false);
    expect(b.windowsPerEpoch).toBe(3); // L = 10 inputs per stream
    const i32 = new Int32Array(12);
    b.fill(i32, 0, 6);
    expect(Array.from(i32.subarray(0, 6))).toEqual([100, 110, 101, 111, 102, 112]);
    expect(Array.from(i32.subarray(6, 12))).toEqual([101, 111, 102, 112, 103, 113]);
    b.fill(i32, 0, 6);
    expect(Array.from(i32.subarray(0, 6))).toEqual([103, 113, 104, 114, 105, 115]);
  });
  it('the training contract: one line of n tokens, B = 1, T = n + 1 is exactly one window <eos> x → x <eos>', () => {
    const stream = Int32Array.from([0, 5, 6, 7, 0]);
    const b = new BatchStream(stream, 1, 4, true);
    expect(b.windowsPerEpoch).toBe(1);
    b.beginEpoch(new Rng(1));
    const i32 = new Int32Array(8);
    b.fill(i32, 0, 4);
    expect(Array.from(i32)).toEqual([0, 5, 6, 7, 5, 6, 7, 0]);
  });
  it('shuffling reorders whole sequences and keeps every token', () => {
    const stream = Int32Array.from([0, 2, 2, 0, 3, 0, 4, 4, 4, 0, 5, 0]);
    const b = new BatchStream(stream, 1, 11, true);
    b.beginEpoch(new Rng(3));
    const i32 = new Int32Array(22);
    b.fill(i32, 0, 11);
    const seen = Array.from(i32.subarray(0, 11)).concat([0]);
    expect([...seen].sort()).toEqual([...stream].sort());
    const seqs = seen.join(',').split(',0').filter((x) => x.length > 0).map((x) => x.replace(/^,?0?,?/, ''));
    expect(new Set(seqs)).toEqual(new Set(['2,2', '3', '4,4,4', '5']));
  });
  it('shuffled windows read exactly the stream made by laying the sequences out in the shuffled order', () => {
    // random sequences of 0–6 tokens; the reference builds the shuffled stream, BatchStream never does
    const r = new Rng(9), ids: number[] = [0];
    for (let s = 0; s < 200; s++) {
      for (let k = r.int(7); k > 0; k--) ids.push(2 + r.int(20));
      ids.push(0);
    }
    const stream = Uint16Array.from(ids);
    for (const [B, T] of [[3, 5], [7, 2], [1, 40]]) {
      const bs = new BatchStream(stream, B, T, true), rngA = new Rng(4), rngB = new Rng(4);
      const starts: number[] = [];
      for (let p = 0; p < stream.length - 1; p++) if (stream[p] === 0) starts.push(p);
      const L = Math.floor((stream.length - 1) / B);
      for (let epoch = 0; epoch < 3; epoch++) {
        bs.beginEpoch(rngA);
        const order = Int32Array.from(starts.keys());
        rngB.shuffle(order);
        const ref: number[] = [];
        for (const s of order) ref.push(...stream.subarray(starts[s], s + 1 < starts.length ? starts[s + 1] : stream.length - 1));
        ref.push(0);
        const i32 = new Int32Array(2 * B * T);
        for (let w = 0; w < bs.windowsPerEpoch; w++) {
          bs.fill(i32, 0, B * T);
          for (let t = 0; t < T; t++) {
            for (let b = 0; b < B; b++) {
              expect(i32[t * B + b]).toBe(ref[b * L + w * T + t]);
              expect(i32[B * T + t * B + b]).toBe(ref[b * L + w * T + t + 1]);
            }
          }
        }
      }
    }
  });
  it('a corpus smaller than one batch shrinks the batch, then the window', () => {
    expect(fitWindow(1000, 32, 64)).toEqual({ B: 15, T: 64 });
    expect(fitWindow(20, 32, 64)).toEqual({ B: 1, T: 19 });
  });
});

describe('trainer', () => {
  it('the same seed gives bit-identical weights; another seed does not', async () => {
    const o = options({ texts: ['hello there\ngeneral kenobi\nhello again\n'], steps: 6, dropout: 0.2 });
    const a = await train(o), b = await train(o), c = await train({ ...o, seed: 2 });
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(b.model.params.buffer))).toBe(true);
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(c.model.params.buffer))).toBe(false);
  });

  it('overfits a tiny corpus to near-zero loss and then reproduces it', async () => {
    const lines = ['the quick brown fox', 'jumps over', 'a lazy dog'];
    const r = await train(options({ texts: [lines.join('\n') + '\n'], hidden: 32, embed: 8, batch: 1, seqLen: 16, steps: 400, lr: 1e-2 }));
    const s = await InferenceSession.create(r.model);
    // the only uncertainty left is which line comes first; every later token is (nearly) certain
    for (const score of scoreSentences(s, lines)) {
      expect(score.tokens[0].prob).toBeGreaterThan(0.2);
      for (const t of score.tokens.slice(1)) expect(t.prob).toBeGreaterThan(0.95);
    }
    for (const l of lines) {
      const out = sampleOne(s, { ...SAMPLE_DEFAULTS, greedy: true, prime: l[0] }, new Rng(1));
      expect(out.text).toBe(l);
      expect(out.ended).toBe(true);
    }
  });

  it('keeps the parameters with the best validation loss', async () => {
    const text = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'abab' : 'cdcd') + 'x'.repeat(i % 5)).join('\n');
    const r = await train(options({ texts: [text], valFrac: 0.2, steps: 30, evalEvery: 3 }));
    expect(r.history.val.length).toBe(10);
    const best = Math.min(...r.history.val.map((v) => v.loss));
    expect(r.bestValLoss).toBe(best);
    expect(r.history.val.find((v) => v.loss === best)!.step).toBe(r.bestStep);
  });

  it('running text: the lines in their order (no shuffling: the seed changes nothing), validated on the end of the text', async () => {
    const text = Array.from({ length: 60 }, (_, i) => 'abc'.slice(i % 3) + 'cab'.slice(0, 1 + (i % 2))).join('\n') + '\n';
    const prepared: Extract<TrainEvent, { type: 'prepared' }>[] = [];
    const tailed = await train(options({ texts: [text], runningText: true, valFrac: 0.2, steps: 2, evalEvery: 1, onEvent: (e) => e.type === 'prepared' && prepared.push(e) }));
    const end = text.slice(text.indexOf('\n', Math.floor(text.length * 0.8)) + 1); // every character a token, every LF an <eos>
    expect(prepared[0].valTokens).toBe(end.length);
    expect(prepared[0].trainTokens).toBe(text.length - end.length);
    expect(tailed.history.val.length).toBe(2);
    // what it validated on: the lines after the first LF at 80% of the text, in order
    const val = prepareTexts({ texts: [text] }, tailed.options).val!;
    expect(Array.from(val.stream.subarray(1)).map((id) => (id === EOS ? '\n' : tailed.model.vocab.tokens[id])).join('')).toBe(end);
    const first = (await train(options({ texts: [text], runningText: true, steps: 1 }))).model;
    expect(first.config.running_text).toBe(true);
    // from the same weights, with no dropout, the seed only orders the lines
    const kept = { cell: undefined, embed: undefined, hidden: undefined, layers: undefined, level: undefined, split: undefined, tokenize: undefined, lowercase: undefined, maxVocab: undefined, minCount: undefined, valFrac: 0 };
    const run = async (init: LanguageModel, seed: number) => Array.from((await train(options({ texts: [text], init, seed, steps: 40, ...kept }))).model.params);
    const plain = new LanguageModel({ ...first.config, running_text: false }, first.vocab, first.params);
    expect(await run(first, 2)).toEqual(await run(first, 3));
    expect(await run(plain, 2)).not.toEqual(await run(plain, 3));
  });

  it('stops on the time limit and on an AbortSignal', async () => {
    const text = 'some text to learn\n'.repeat(50);
    const t = await train(options({ texts: [text], time: 0.3 }));
    expect(t.stopReason).toBe('time');
    const ac = new AbortController();
    const a = await train(options({ texts: [text], steps: 100000, signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.step === 3) ac.abort(); } }));
    expect(a.stopReason).toBe('aborted');
    expect(a.steps).toBe(3);
  });

  it('--anneal lowers the rate to zero over --steps, --epochs or --time', async () => {
    const text = 'some text to learn\n'.repeat(50);
    const rates = async (over: Record<string, unknown>): Promise<number[]> => {
      const lr: number[] = [];
      await train(options({ texts: [text], lr: 0.01, ...over, onEvent: (e) => { if (e.type === 'step') lr.push(e.lr); } }));
      return lr;
    };
    const linear = await rates({ steps: 6, anneal: 'linear' });
    expect(linear.length).toBe(6);
    linear.forEach((r, i) => expect(r).toBeCloseTo(0.01 * (1 - i / 6), 12));
    const cosine = await rates({ epochs: 2, anneal: 'cosine' });
    expect(cosine.length).toBeGreaterThan(4);
    cosine.forEach((r, i) => expect(r).toBeCloseTo(0.01 * 0.5 * (1 + Math.cos((Math.PI * i) / cosine.length)), 12));
    const timed = await rates({ time: 0.4, anneal: 'linear' });
    expect(timed.length).toBeGreaterThan(2);
    for (let i = 1; i < timed.length; i++) expect(timed[i]).toBeLessThanOrEqual(timed[i - 1]);
    expect(timed.at(-1)!).toBeLessThan(0.005); // the last step came after half the time
    expect(await rates({ steps: 3 })).toEqual([0.01, 0.01, 0.01]); // no anneal by default
  });

  it('a diverging run stops with a message naming the step and suggesting --lr', async () => {
    await expect(train(options({ texts: ['abcabc\nbcabca\n'.repeat(20)], optimizer: 'sgd', lr: 1e30, clip: 0, steps: 50 }))).rejects.toThrow(/diverged at step \d+.*lower lr/);
  });
});

describe('output layer default', () => {
  it('the adaptive softmax for vocabularies of 5,000 tokens or more, the full one below (or when tied)', async () => {
    const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i} w${(i * 7) % n} w${(i * 13) % n}`).join('\n');
    const big = await train(options({ texts: [words(5200)], level: 'word', embed: 8, hidden: 8, steps: 1, valFrac: 0 }));
    expect(big.model.vocab.size).toBeGreaterThanOrEqual(5000);
    expect(big.model.config.softmax).toBe('adaptive');
    expect(big.model.config.cutoffs).toEqual([2000]);
    const small = await train(options({ texts: [words(300)], level: 'word', embed: 8, hidden: 8, steps: 1, valFrac: 0 }));
    expect(small.model.config.softmax).toBe('full');
    const tied = await train(options({ texts: [words(5200)], level: 'word', embed: 8, hidden: 8, steps: 1, valFrac: 0, tie: true }));
    expect(tied.model.config.softmax).toBe('full');
  });
});
