import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { InferenceSession } from '../../src/infer/session.js';
import { SAMPLE_DEFAULTS, chooseToken, sampleOne, type SampleOptions } from '../../src/infer/sample.js';
import { scoreSentences } from '../../src/infer/score.js';
import { LanguageModel } from '../../src/model/model.js';
import { modelConfig, type ModelConfig } from '../../src/model/config.js';
import { createKernels, type KernelSetName } from '../../src/kernels/index.js';
import { DRAW_BLOCK } from '../../src/kernels/kernels.js';

const cfg: ModelConfig = modelConfig({ level: 'char', cell: 'gru', embed: 4, hidden: 8, layers: 1 });
const vocab = new Vocab(['<eos>', '<unk>', 'a', 'b', 'c', 'd']);

function model(seed = 3, spread = 1.5): LanguageModel {
  const rng = new Rng(seed);
  const m = LanguageModel.create(cfg, vocab, rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] += spread * rng.normal();
  return m;
}

/** p(first token | <eos>) from the scorer (the probability of every one-token continuation). */
async function firstTokenProbs(m: LanguageModel): Promise<number[]> {
  const s = await InferenceSession.create(m, { batch: 8, steps: 4 });
  // score "x" for each x: the first token's probability is the same whatever follows
  return vocab.tokens.map((t, id) => (id < 2 ? NaN : scoreSentences(s, [t])[0].tokens[0].prob));
}

describe('sampler', () => {
  it('the same seed gives the same samples; another seed other samples', async () => {
    const s = await InferenceSession.create(model());
    const draw = (seed: number): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => sampleOne(s, { ...SAMPLE_DEFAULTS, maxLength: 30 }, rng).text);
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('first-token frequencies match the model (with <unk> excluded and renormalised)', async () => {
    const m = model();
    const s = await InferenceSession.create(m);
    const probs = await firstTokenProbs(m);
    // the distribution over the first token without <unk>: p(<eos>) is not reachable from the scorer this way,
    // so compare the conditional distribution over a..d
    const known = probs.slice(2);
    const rng = new Rng(11);
    const counts = new Map<string, number>();
    const N = 20000;
    let letters = 0;
    for (let i = 0; i < N; i++) {
      const t = sampleOne(s, { ...SAMPLE_DEFAULTS, maxLength: 1 }, rng).tokens[0];
      if (t === undefined) continue; // drew <eos> first
      expect(t).not.toBe('<unk>');
      counts.set(t, (counts.get(t) ?? 0) + 1);
      letters++;
    }
    const total = known.reduce((a, b) => a + b, 0);
    vocab.tokens.slice(2).forEach((t, j) => {
      const expected = known[j] / total;
      const seen = (counts.get(t) ?? 0) / letters;
      // 4.5 standard errors
      expect(Math.abs(seen - expected)).toBeLessThan(4.5 * Math.sqrt((expected * (1 - expected)) / letters) + 1e-3);
    });
  });

  /** Kernels over a heap holding `logits` at 0 and the draw region after them. */
  async function drawHeap(logits: ArrayLike<number>, set: KernelSetName = 'reference') {
    const V = logits.length, draw = V;
    const k = await createKernels(set, 2 * V + Math.ceil(V / DRAW_BLOCK));
    k.heap.f32.set(logits, 0);
    return { k, V, draw, choose: (o: SampleOptions, rng: Rng) => chooseToken(k, 0, V, draw, o, rng) };
  }

  it('chooseToken follows the softmax exactly, and never picks <unk> unless allowed', async () => {
    const { choose, k } = await drawHeap([0.5, 3, -1, 0.2]); // logits for ids 0..3; id 1 = <unk> is the most likely
    const rng = new Rng(5);
    const o: SampleOptions = { ...SAMPLE_DEFAULTS };
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40000; i++) counts[choose(o, rng)]++;
    expect(counts[1]).toBe(0);
    expect(k.heap.f32[1]).toBe(3); // the banned score is put back
    const e = [0.5, -Infinity, -1, 0.2].map(Math.exp), z = e.reduce((a, b) => a + b, 0);
    counts.forEach((c, j) => expect(Math.abs(c / 40000 - e[j] / z)).toBeLessThan(0.01));
    const withUnk = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) withUnk[choose({ ...o, allowUnk: true }, rng)]++;
    expect(withUnk[1] / 20000).toBeGreaterThan(0.7);
  });

  for (const set of ['reference', 'simd'] as const) {
    it(`${set}: across many blocks of 64 the draws follow the softmax, and logZ is the log-normaliser`, async () => {
      const V = 333, gen = new Rng(7);
      const logits = Array.from({ length: V }, (_, j) => (j === 1 ? 40 : 2 * gen.normal() + (j % 64 === 63 ? 3 : 0)));
      const { k, draw } = await drawHeap(logits, set);
      const rng = new Rng(9), norm = { logZ: NaN };
      const counts = new Float64Array(V);
      const n = 60000;
      for (let i = 0; i < n; i++) counts[chooseToken(k, 0, V, draw, SAMPLE_DEFAULTS, rng, norm)]++;
      const m = Math.max(...logits), z = logits.reduce((a, l) => a + Math.exp(l - m), 0);
      expect(norm.logZ).toBeCloseTo(m + Math.log(z), 5);
      expect(counts[1]).toBe(0); // <unk> is e^30 times likelier than the rest, and never drawn
      const rest = logits.reduce((a, l, j) => (j === 1 ? a : a + Math.exp(l - m)), 0);
      let chi = 0;
      logits.forEach((l, j) => {
        if (j === 1) return;
        const expected = (n * Math.exp(l - m)) / rest;
        chi += (counts[j] - expected) ** 2 / expected;
      });
      // χ² with 331 degrees of freedom: mean 331, standard deviation 25.7; 5 of them above the mean
      expect(chi).toBeLessThan(331 + 5 * 25.7);
      // a skewed draw (every token shifted by one) would be far outside
      let shifted = 0;
      logits.forEach((l, j) => {
        if (j === 1 || j === 0) return;
        const expected = (n * Math.exp(logits[j - 1] - m)) / rest;
        if (j - 1 !== 1) shifted += (counts[j] - expected) ** 2 / expected;
      });
      expect(shifted).toBeGreaterThan(331 + 5 * 25.7);
    });
  }

  it('the wasm draw picks the same tokens as the reference draw', async () => {
    const V = 1001, gen = new Rng(3);
    const logits = Array.from({ length: V }, () => 3 * gen.normal());
    const a = await drawHeap(logits, 'reference'), b = await drawHeap(logits, 'simd');
    const ra = new Rng(4), rb = new Rng(4);
    let same = 0;
    for (let i = 0; i < 2000; i++) if (a.choose(SAMPLE_DEFAULTS, ra) === b.choose(SAMPLE_DEFAULTS, rb)) same++;
    expect(same).toBeGreaterThan(1990); // only a draw within float32 rounding of a boundary may differ
  });

  it('greedy, top-k 1 and a tiny temperature agree; top-p keeps the nucleus only', async () => {
    const { choose } = await drawHeap([0.1, -2, 1.5, 1.2, -0.3]);
    const rng = new Rng(1);
    expect(choose({ ...SAMPLE_DEFAULTS, greedy: true }, rng)).toBe(2);
    for (let i = 0; i < 50; i++) {
      expect(choose({ ...SAMPLE_DEFAULTS, topK: 1 }, rng)).toBe(2);
      expect(choose({ ...SAMPLE_DEFAULTS, temperature: 1e-3 }, rng)).toBe(2);
      // p ≈ [.16, –, .66(1.5)…]: the two largest (ids 2 and 3) hold > 0.6, so top-p 0.6 allows only them
      expect([2, 3]).toContain(choose({ ...SAMPLE_DEFAULTS, topP: 0.6 }, rng));
    }
  });

  it('stops at <eos> or at the length cap', async () => {
    const s = await InferenceSession.create(model(4, 0.5));
    const rng = new Rng(2);
    let ended = 0, capped = 0;
    for (let i = 0; i < 200; i++) {
      const r = sampleOne(s, { ...SAMPLE_DEFAULTS, maxLength: 6 }, rng);
      expect(r.tokens.length).toBeLessThanOrEqual(6);
      if (r.ended) ended++;
      else {
        expect(r.tokens.length).toBe(6);
        capped++;
      }
    }
    expect(ended).toBeGreaterThan(0);
    expect(capped).toBeGreaterThan(0);
  });

  it("a sample's logprob is the scorer's logprob of its text", async () => {
    const m = model(5, 0.7);
    const s = await InferenceSession.create(m, { batch: 4, steps: 8 });
    const rng = new Rng(3);
    let checked = 0;
    for (let i = 0; i < 30 && checked < 5; i++) {
      const r = sampleOne(s, { ...SAMPLE_DEFAULTS, maxLength: 40 }, rng);
      if (!r.ended) continue;
      expect(scoreSentences(s, [r.text])[0].logprob).toBeCloseTo(r.logprob, 4);
      checked++;
    }
    expect(checked).toBe(5);
  });

  it('a prime with unseen characters goes through <unk> instead of failing', async () => {
    const s = await InferenceSession.create(model());
    const r = sampleOne(s, { ...SAMPLE_DEFAULTS, prime: 'aZ', maxLength: 5 }, new Rng(1));
    expect(r.text.startsWith('aZ')).toBe(true);
  });
});

describe('scorer', () => {
  it('scoring many sentences together equals scoring each alone; <eos> is the last token', async () => {
    const m = model(6, 0.8);
    const sentences = ['abc', 'dd', '', 'cab', 'aaaaaaaaaaaaab', 'bx'];
    const together = scoreSentences(await InferenceSession.create(m, { batch: 3, steps: 4 }), sentences);
    const alone = await InferenceSession.create(m, { batch: 1, steps: 64 });
    sentences.forEach((s, i) => {
      const one = scoreSentences(alone, [s])[0];
      expect(together[i].logprob).toBeCloseTo(one.logprob, 4);
      expect(together[i].tokens.at(-1)!.token).toBe('<eos>');
      expect(together[i].tokens.length).toBe(Array.from(s).length + 1);
      const sum = together[i].tokens.reduce((a, t) => a + t.logprob, 0);
      expect(sum).toBeCloseTo(together[i].logprob, 6);
      expect(together[i].perplexity).toBeCloseTo(Math.exp(-together[i].logprob / together[i].tokens.length), 6);
    });
    expect(together[2].tokens.map((t) => t.token)).toEqual(['<eos>']); // an empty sentence is just <eos>
    expect(together[5].oov).toBe(1);
  });
});

describe('adaptive softmax in inference', () => {
  it('the sampling distribution is normalised and equals the scorer’s probabilities', async () => {
    const tokens = ['<eos>', '<unk>', ...'abcdefghijklmn'.split('')];
    const rng = new Rng(9);
    const m = LanguageModel.create(modelConfig({ level: 'char', cell: 'gru', embed: 4, hidden: 8, layers: 1, softmax: 'adaptive', cutoffs: [5, 10], div_value: 2 }), new Vocab(tokens), rng);
    for (let i = 0; i < m.params.length; i++) m.params[i] += 0.5 * rng.normal();
    const s = await InferenceSession.create(m, { batch: 2, steps: 4 });
    const net = s.net, f = net.kernels.heap.f32, ids = net.kernels.heap.i32;
    ids[net.inputs] = 0;
    net.forward(1, 1);
    const off = net.scores(0);
    const p = Array.from(f.subarray(off, off + tokens.length), Math.exp);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // p(first token = x) from the scorer, for tokens in the shortlist and in both clusters
    for (const t of ['a', 'e', 'k']) expect(scoreSentences(s, [t])[0].tokens[0].prob).toBeCloseTo(p[m.vocab.id(t)], 5);
  });
});
