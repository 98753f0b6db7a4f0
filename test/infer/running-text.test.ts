/**
 * A running-text model (config running_text: its sequences were read in order
 * as one text, the state carried across <eos>). Evaluation reads a text the
 * same way: in memory, streamed in batches of any size, on two threads, and
 * dynamically; scoring sentences still scores each one alone; samples drawn one
 * after another go on from one another.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { HeapPlan } from '../../src/core/heap.js';
import { Vocab } from '../../src/data/vocab.js';
import { encodeSequences, splitSequences } from '../../src/data/corpus.js';
import { createKernels } from '../../src/kernels/index.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { Network } from '../../src/nn/network.js';
import { InferenceSession } from '../../src/infer/session.js';
import { openSession } from '../../src/infer/pool.js';
import { evaluateText, scoreSentences } from '../../src/infer/score.js';
import { evaluateStream, scoreStream } from '../../src/infer/streamed.js';
import { SAMPLE_DEFAULTS, sampleOne } from '../../src/infer/sample.js';
import { EOS } from '../../src/core/ids.js';

const TEXT = 'abc cab\nbca a\n\nc abcba bb\nab\ncc a b\n';

/** the same weights read as running text, and as sequences each from the zero state */
function models(): { running: LanguageModel; plain: LanguageModel } {
  const vocab = new Vocab(['<eos>', '<unk>', ' ', 'a', 'b', 'c']);
  const arch = { level: 'char', cell: 'gru', embed: 5, hidden: 9, layers: 2 } as const;
  const running = LanguageModel.create(modelConfig({ ...arch, running_text: true }), vocab, new Rng(3));
  for (let i = 0; i < running.params.length; i++) running.params[i] *= 4; // a state that matters
  const plain = new LanguageModel(modelConfig(arch), vocab, running.params);
  return { running, plain };
}

/** log p(stream[t+1] | stream[..t]) for every t, as one window of one stream on the reference kernels, the state carried across <eos>. */
async function passLogProbs(m: LanguageModel, stream: ArrayLike<number>): Promise<number[]> {
  const n = stream.length - 1;
  const plan = new HeapPlan();
  const net = new Network(plan, m.config, m.vocab.size, { B: 1, T: n, train: false, carryEos: true });
  net.attach(await createKernels('reference', plan.words));
  net.paramView().set(m.params);
  const ids = net.kernels.heap.i32, f = net.kernels.heap.f32;
  for (let t = 0; t < n; t++) {
    ids[net.inputs + t] = stream[t];
    ids[net.targets + t] = stream[t + 1];
  }
  net.resetState();
  net.forward(n, 1);
  net.logProbs();
  return Array.from(f.subarray(net.logp, net.logp + n));
}

/** The loss of the text read that way. */
async function onePass(m: LanguageModel): Promise<number> {
  const logp = await passLogProbs(m, encodeSequences(splitSequences(TEXT, 'lines'), m.vocab, m.tokenizer).stream);
  return -logp.reduce((a, b) => a + b, 0) / logp.length;
}

describe('a running-text model', () => {
  it('is evaluated as one pass over the sequences in order, the state carried across <eos>', async () => {
    const { running, plain } = models();
    const session = await InferenceSession.create(running), alone = await InferenceSession.create(plain);
    const e = evaluateText(session, TEXT), reset = evaluateText(alone, TEXT);
    expect(e.sequences).toBe(5);
    expect(e.tokens).toBe(reset.tokens);
    expect(Math.abs(e.loss - (await onePass(running)))).toBeLessThan(1e-5);
    expect(Math.abs(e.loss - reset.loss)).toBeGreaterThan(1e-2); // the carried state matters here
    // the session still resets for the next caller
    expect(session.net.carryEos).toBe(false);
  });

  it('streamed in batches of any size, on two threads and dynamically with rate 0: the same loss', async () => {
    const { running } = models();
    const want = evaluateText(await InferenceSession.create(running), TEXT).loss;
    for (const batchTokens of [1, 4, 7, 1 << 16]) {
      const e = await evaluateStream(await InferenceSession.create(running), [TEXT.slice(0, 9), TEXT.slice(9)], { batchTokens });
      expect(Math.abs(e.loss - want), `batchTokens ${batchTokens}`).toBeLessThan(1e-6);
    }
    const two = await openSession(running, { threads: 2, batch: 32, steps: 4 });
    try {
      expect(two.threads).toBe(2);
      expect(Math.abs((await evaluateStream(two, [TEXT], { batchTokens: 8 })).loss - want)).toBeLessThan(1e-6);
    } finally {
      await two.close();
    }
    const still = await evaluateStream(await InferenceSession.create(running), [TEXT], { dynamic: { lr: 0, segment: 5 } });
    expect(Math.abs(still.loss - want)).toBeLessThan(1e-5);
  });

  it('scores each sentence alone, as the same weights without running text do', async () => {
    const { running, plain } = models();
    const sentences = TEXT.split('\n').filter((s) => s.length > 0);
    const a = scoreSentences(await InferenceSession.create(running), sentences);
    const b = scoreSentences(await InferenceSession.create(plain), sentences);
    expect(a.map((s) => s.logprob)).toEqual(b.map((s) => s.logprob));
  });

  it('draws samples that go on from one another: each from the state the one before left, across its <eos>', async () => {
    const { running, plain } = models();
    const o = { ...SAMPLE_DEFAULTS, maxLength: 9, prime: 'b' };
    const s = await InferenceSession.create(running), rng = new Rng(5);
    const first = sampleOne(s, o, rng), second = sampleOne(s, o, rng, 'continue');
    // the second sample's probabilities are those of one pass over <eos> first <eos> prime second
    const idsOf = (x: { tokens: string[]; ended: boolean }): number[] => [...x.tokens.map((t) => running.vocab.id(t)), ...(x.ended ? [EOS] : [])];
    const b = running.vocab.id('b'), head = [EOS, b, ...idsOf(first)];
    const stream = [...head, ...(first.ended ? [] : [EOS]), b, ...idsOf(second)];
    const logp = await passLogProbs(running, stream);
    const tail = logp.slice(stream.length - 1 - idsOf(second).length).reduce((x, y) => x + y, 0);
    expect(Math.abs(second.logprob - tail)).toBeLessThan(1e-4);
    expect(s.net.carryEos).toBe(false); // the session resets at <eos> again for the next caller (score)
    // not what a fresh start gives
    const again = await InferenceSession.create(running), rng2 = new Rng(5);
    sampleOne(again, o, rng2);
    const fresh = sampleOne(again, o, rng2);
    expect(fresh.tokens.join('') + fresh.logprob).not.toBe(second.tokens.join('') + second.logprob);
    // a model of independent sequences starts every sample fresh
    const p = await InferenceSession.create(plain), rng3 = new Rng(5);
    sampleOne(p, o, rng3);
    const q = await InferenceSession.create(plain), rng4 = new Rng(5);
    sampleOne(q, o, rng4);
    expect(sampleOne(p, o, rng3, 'continue')).toEqual(sampleOne(q, o, rng4));
  });

  it('scores sentences in order on request: each after the ones before it, the numbers of one pass and of recur eval, in batches of any size', async () => {
    const { running, plain } = models();
    const sentences = TEXT.split('\n').filter((x) => x.length > 0);
    const s = await InferenceSession.create(running);
    const ordered = scoreSentences(s, sentences, { inOrder: true });
    const flat = ordered.flatMap((x) => x.tokens.map((t) => t.logprob));
    const logp = await passLogProbs(running, encodeSequences(splitSequences(TEXT, 'lines'), running.vocab, running.tokenizer).stream);
    expect(flat.length).toBe(logp.length);
    expect(Math.max(...flat.map((x, i) => Math.abs(x - logp[i])))).toBeLessThan(1e-5);
    expect(Math.abs(-flat.reduce((a, b) => a + b, 0) / flat.length - evaluateText(s, TEXT).loss)).toBeLessThan(1e-6);
    expect(s.net.carryEos).toBe(false);
    // alone, every sentence after the first scores otherwise
    const alone = scoreSentences(s, sentences);
    expect(alone[0].logprob).toBe(ordered[0].logprob);
    for (let i = 1; i < sentences.length; i++) expect(Math.abs(alone[i].logprob - ordered[i].logprob)).toBeGreaterThan(1e-3);
    // streamed in batches of a few tokens, on a two-thread session: the same scores
    const two = await openSession(running, { threads: 2, batch: 32, steps: 4 });
    try {
      for (const batchTokens of [1, 4, 7]) {
        const got: number[] = [];
        for await (const x of scoreStream(two, [TEXT.slice(0, 9), TEXT.slice(9)], { inOrder: true, batchTokens })) got.push(x.logprob);
        expect(Math.max(...got.map((g, i) => Math.abs(g - ordered[i].logprob))), `batchTokens ${batchTokens}`).toBeLessThan(1e-5);
        expect(got.length).toBe(sentences.length);
      }
      expect(two.net.carryEos).toBe(false);
    } finally {
      await two.close();
    }
    // a model of independent sentences cannot
    const alone2 = await InferenceSession.create(plain);
    expect(() => scoreSentences(alone2, sentences, { inOrder: true })).toThrow(/needs a model trained on running text/);
  });
});
