/**
 * Dynamic evaluation (model/dynamic.ts, recur eval --dynamic): every token's
 * log-probability agrees with PyTorch doing the same (score a segment, one
 * step on its mean cross-entropy, decay toward the trained weights, state
 * carried and reset at <eos>) on random non-symmetric weights; the figure does
 * not depend on how the text arrives; the model file is not changed; and
 * adapting helps on text that repeats.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { encodeSequences, splitSequences } from '../../src/data/corpus.js';
import { saveModel } from '../../src/model/model-file.js';
import { DynamicScorer } from '../../src/model/dynamic.js';
import { InferenceSession } from '../../src/infer/session.js';
import { evaluateStream } from '../../src/infer/streamed.js';
import { evaluateText } from '../../src/infer/score.js';
import type { ModelConfig } from '../../src/model/config.js';
import type { CellType } from '../../src/nn/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { recur } from '../helpers/cli.js';
import { LETTERS, findTorchPython, randomModel, runTorch } from '../helpers/torch.js';

const py = findTorchPython();
if (!py && process.env.CI) throw new Error('CI needs Python with torch for the parity tests (apt-get install -y python3-torch)');
const dir = mkdtempSync(join(tmpdir(), 'recur-dynamic-'));
/** Lines of random letters, each with a letter pattern that repeats within it and from line to line. */
function randomText(seed: number, lines: number): string {
  const rng = new Rng(seed);
  const motif = Array.from({ length: 5 }, () => LETTERS[rng.int(LETTERS.length)]).join('');
  return Array.from({ length: lines }, () => {
    const noise = Array.from({ length: 1 + rng.int(6) }, () => LETTERS[rng.int(LETTERS.length)]).join('');
    return motif + noise + motif;
  }).join('\n') + '\n';
}

function streamOf(model: LanguageModel, text: string): Int32Array {
  return encodeSequences(splitSequences(text, model.config.split), model.vocab, model.tokenizer).stream as Int32Array;
}

async function dynamicLogp(model: LanguageModel, stream: Int32Array, lr: number, decay: number, segment: number): Promise<Float32Array> {
  const scorer = await DynamicScorer.create(model, { lr, decay, segment, kernels: 'reference' });
  const out = new Float32Array(stream.length - 1);
  expect(scorer.continue(stream, stream.length, out)).toBe(stream.length - 1);
  return out;
}

describe.skipIf(!py)('dynamic evaluation agrees with PyTorch', () => {
  const cases: [CellType, number, Partial<ModelConfig>, number, string][] = [
    ['gru', 1, {}, 0, ''],
    ['lstm', 2, { softmax: 'adaptive', cutoffs: [5, 9], div_value: 2, head_bias: true }, 0.05, ', adaptive softmax, decay'],
    ['rnn', 1, { tie: true, embed: 6 }, 0.2, ', tied decoder, decay'],
  ];
  cases.forEach(([cell, layers, over, decay, label], i) => {
    it(`${cell}, ${layers} layer(s)${label}: every token's log-probability to 1e-4`, async () => {
      const model = randomModel(cell, layers, 300 + i, over);
      const path = join(dir, `m${i}.safetensors`);
      writeFileSync(path, saveModel(model));
      const stream = streamOf(model, randomText(400 + i, 6));
      // segments of 4 cross the <eos> between lines, where the state resets
      const ours = await dynamicLogp(model, stream, 0.5, decay, 4);
      const theirs = JSON.parse(runTorch(py!, ['dynamic', path, JSON.stringify(Array.from(stream)), '0.5', String(decay), '4'])) as number[];
      expect(theirs.length).toBe(ours.length);
      let worst = 0;
      for (let j = 0; j < ours.length; j++) worst = Math.max(worst, Math.abs(ours[j] - theirs[j]));
      expect(worst).toBeLessThan(1e-4);
      // and the steps changed the scores: the first segment is the static model's, later ones are not
      const fixed = await dynamicLogp(model, stream, 0, 0, 4);
      let moved = 0;
      for (let j = 0; j < ours.length; j++) moved = Math.max(moved, Math.abs(ours[j] - fixed[j]));
      expect(Array.from(ours.subarray(0, 4))).toEqual(Array.from(fixed.subarray(0, 4)));
      expect(moved).toBeGreaterThan(1e-2);
    });
  });
});

describe('dynamic evaluation', () => {
  const model = randomModel('gru', 1, 500);
  const text = randomText(600, 40);

  it('learns a text that repeats, without changing the model it started from', async () => {
    const before = Float32Array.from(model.params);
    const session = await InferenceSession.create(model, { batch: 4, steps: 8, kernels: 'reference' });
    const fixed = evaluateText(session, text);
    const adapted = await evaluateStream(session, [text], { dynamic: { lr: 0.5, segment: 8 } });
    expect(adapted.tokens).toBe(fixed.tokens);
    expect(adapted.sequences).toBe(fixed.sequences);
    expect(adapted.loss).toBeLessThan(fixed.loss - 0.2);
    expect(Array.from(model.params)).toEqual(Array.from(before));
    // a learning rate of zero is the static evaluation (one stream instead of chunks: rounding only)
    const still = await evaluateStream(session, [text], { dynamic: { lr: 0, segment: 8 } });
    expect(Math.abs(still.loss - fixed.loss)).toBeLessThan(1e-6);
  });

  it('gives the same figure however the text arrives and however small the batches are', async () => {
    const session = await InferenceSession.create(model, { batch: 4, steps: 8, kernels: 'reference' });
    const o = { lr: 0.3, decay: 0.02, segment: 5 };
    const whole = await evaluateStream(session, [text], { dynamic: o });
    const pieces = text.match(/[\s\S]{1,7}/g)!;
    for (const batchTokens of [3, 11, 64]) {
      const cut = await evaluateStream(session, pieces, { batchTokens, dynamic: o });
      expect(cut).toEqual(whole);
    }
  });

  it('decay pulls toward the trained weights: with decay 1 the model stays one step from them, and learns less than without decay', async () => {
    const stream = streamOf(model, text);
    const full = await dynamicLogp(model, stream, 0.5, 1, 6);
    const fixed = await dynamicLogp(model, stream, 0, 0, 6);
    // θ ← θ − η g + 1·(θ₀ − θ) = θ₀ − η g: one step away from θ₀, never further
    let far = 0;
    for (let j = 0; j < full.length; j++) far = Math.max(far, Math.abs(full[j] - fixed[j]));
    expect(far).toBeGreaterThan(0);
    const adapted = await dynamicLogp(model, stream, 0.5, 0, 6);
    const mean = (a: Float32Array): number => a.reduce((s, x) => s - x, 0) / a.length;
    expect(mean(adapted)).toBeLessThan(mean(full));
  });

  it('recur eval --dynamic: the same figure as the library, and its settings need it', async () => {
    const path = join(dir, 'cli.safetensors'), file = join(dir, 'text.txt');
    writeFileSync(path, saveModel(model));
    writeFileSync(file, text);
    const run = await recur(['eval', path, file, '--dynamic', '0.5', '--dynamic-segment', '8', '--dynamic-decay', '0.01', '--kernels', 'reference', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const session = await InferenceSession.create(model, { batch: 1, steps: 8, kernels: 'reference' });
    const lib = await evaluateStream(session, [readFileSync(file, 'utf8')], { dynamic: { lr: 0.5, segment: 8, decay: 0.01 } });
    expect(JSON.parse(run.stdout).loss).toBeCloseTo(lib.loss, 12);
    const bad = await recur(['eval', path, file, '--dynamic-decay', '0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('recur: --dynamic-decay needs --dynamic, the learning rate of dynamic evaluation (a rate > 0)\n');
  });

  it('a rate so large that the weights overflow stops with a one-line error that says to lower it, in the library and the CLI', async () => {
    const session = await InferenceSession.create(model, { batch: 4, steps: 8, kernels: 'reference' });
    const diverged = /^dynamic evaluation diverged at token \d+: learning rate 1e\+300 made the weights non-finite after \d+ steps?; use a smaller rate$/;
    await expect(evaluateStream(session, [text], { dynamic: { lr: 1e300, segment: 8 } })).rejects.toThrow(diverged);
    const path = join(dir, 'diverge.safetensors'), file = join(dir, 'diverge.txt');
    writeFileSync(path, saveModel(model));
    writeFileSync(file, text);
    const run = await recur(['eval', path, file, '--dynamic', '1e300', '--kernels', 'reference', '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^recur: dynamic evaluation diverged at token \d+: .* use a smaller rate\n$/);
  });
});
