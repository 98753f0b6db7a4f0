/**
 * Parity with PyTorch: the same weights (random, non-symmetric) give the same
 * per-token log-probabilities, and the training contract's one SGD step gives
 * the same updated weights, to 1e-4. Runs wherever Python with torch is
 * installed (.ci/run installs Debian's python3-torch); under CI it must run.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import { InferenceSession } from '../../src/infer/session.js';
import { scoreSentences } from '../../src/infer/score.js';
import type { ModelConfig } from '../../src/model/config.js';
import type { CellType } from '../../src/nn/config.js';
import { recur } from '../helpers/cli.js';
import { findTorchPython, randomLetters, randomModel, runTorch } from '../helpers/torch.js';

const py = findTorchPython();
if (!py && process.env.CI) throw new Error('CI needs Python with torch for the parity tests (apt-get install -y python3-torch)');
const dir = mkdtempSync(join(tmpdir(), 'recur-parity-'));

describe.skipIf(!py)('parity with PyTorch (nn.Embedding → nn.RNN/GRU/LSTM → nn.Linear)', () => {
  const cases: [CellType, number, Partial<ModelConfig>, string][] = [
    ['rnn', 1, {}, ''], ['gru', 1, {}, ''], ['lstm', 1, {}, ''], ['rnn', 2, {}, ''], ['gru', 2, {}, ''], ['lstm', 2, {}, ''],
    // vocabulary of 13: shortlist 5, clusters 5–8 and 9–12 (cluster hidden sizes 3 and 1 with div_value 2)
    ['gru', 1, { softmax: 'adaptive', cutoffs: [5, 9], div_value: 2, head_bias: true }, ', adaptive softmax'],
    ['lstm', 2, { softmax: 'adaptive', cutoffs: [6], div_value: 4, head_bias: false }, ', adaptive softmax without head bias'],
    ['gru', 1, { tie: true, embed: 6 }, ', tied decoder'],
  ];
  cases.forEach(([cell, layers, over, label], i) => {
    it(`${cell}, ${layers} layer(s)${label}: per-token log-probs and one SGD step agree to 1e-4`, async () => {
      const model = randomModel(cell, layers, 100 + i, over);
      const path = join(dir, `${cell}${layers}.safetensors`);
      writeFileSync(path, saveModel(model));
      const line = randomLetters(200 + i, 12);
      const ids = Array.from(line).map((c) => model.vocab.id(c));

      // forward: log p of x1..xn <eos>
      const torchLogp = JSON.parse(runTorch(py!, ['logprobs', path, JSON.stringify(ids)])) as number[];
      const session = await InferenceSession.create(model, { batch: 4, steps: 5 });
      const ours = scoreSentences(session, [line])[0].tokens.map((t) => t.logprob);
      expect(ours.length).toBe(torchLogp.length);
      for (let j = 0; j < ours.length; j++) expect(Math.abs(ours[j] - torchLogp[j])).toBeLessThan(1e-4);

      // one SGD step through the CLI's training contract
      const corpus = join(dir, `${cell}${layers}.txt`);
      writeFileSync(corpus, line + '\n');
      const out = join(dir, `${cell}${layers}-ours.safetensors`), ref = join(dir, `${cell}${layers}-torch.safetensors`);
      const run = await recur(['train', corpus, '--init', path, '--optimizer', 'sgd', '--lr', '0.5', '--batch', '1', '--seq-len', String(line.length + 1),
        '--steps', '1', '--clip', '0', '--val-frac', '0', '--samples', '0', '--quiet', '-o', out]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      runTorch(py!, ['sgd', path, JSON.stringify(ids), '0.5', ref]);
      const a = loadModel(readFileSync(out)), b = loadModel(readFileSync(ref));
      if (over.tie) {
        // PyTorch keeps one tensor under both names; so does our file
        const e = a.layout.views.find((v) => v.name === 'embedding.weight')!;
        expect(Array.from(a.params.subarray(a.layout.decoderWStored, a.layout.decoderWStored + e.size))).toEqual(Array.from(a.params.subarray(e.offset, e.offset + e.size)));
      }
      let worst = 0, moved = 0;
      for (let j = 0; j < a.params.length; j++) {
        worst = Math.max(worst, Math.abs(a.params[j] - b.params[j]));
        moved = Math.max(moved, Math.abs(a.params[j] - model.params[j]));
      }
      expect(moved).toBeGreaterThan(1e-3); // the step did something
      expect(worst).toBeLessThan(1e-4);
    });
  });
});
