/**
 * A running-text model (config running_text: its sequences were read in order
 * as one text, the state carried across <eos>). Evaluation reads a text the
 * same way: in memory, streamed in batches of any size, on two threads, and
 * dynamically; scoring sentences still scores each one alone.
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
import { evaluateStream } from '../../src/infer/streamed.js';

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

/** The loss of the text as one window of one stream on the reference kernels, the state carried across <eos>. */
async function onePass(m: LanguageModel): Promise<number> {
  const enc = encodeSequences(splitSequences(TEXT, 'lines'), m.vocab, m.tokenizer), n = enc.stream.length - 1;
  const plan = new HeapPlan();
  const net = new Network(plan, m.config, m.vocab.size, { B: 1, T: n, train: false, carryEos: true });
  net.attach(await createKernels('reference', plan.words));
  net.paramView().set(m.params);
  const ids = net.kernels.heap.i32, f = net.kernels.heap.f32;
  for (let t = 0; t < n; t++) {
    ids[net.inputs + t] = enc.stream[t];
    ids[net.targets + t] = enc.stream[t + 1];
  }
  net.resetState();
  net.forward(n, 1);
  net.logProbs();
  let sum = 0;
  for (let t = 0; t < n; t++) sum -= f[net.logp + t];
  return sum / n;
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
});
