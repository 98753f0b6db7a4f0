/**
 * Optimizer parity with PyTorch: recur's training step through the real code
 * path (train(): forward and backward over a window, clipGradNorm,
 * clipGradValue, Optimizer.step, in the trainer's order) against
 * torch.optim.SGD / Adam / Adagrad / RMSprop with weight_decay,
 * clip_grad_norm_ and clip_grad_value_ (test/fixtures/torch_ref.py `train`),
 * from the same random non-symmetric weights on the same windows, compared
 * after every one of 5 steps. There are 2 windows per epoch, so steps 2 and 4
 * continue a carried state and steps 3 and 5 begin a new epoch; 5 steps
 * exercise Adam's bias correction and every moment. Every case has weight
 * decay > 0, a max-norm below the gradient norm of every step (asserted: the
 * clipping really happens) and a clip value that clamps some of the
 * norm-clipped gradients (asserted from PyTorch's count).
 *
 * Tolerance: every weight within TOL = 1e-5 of (|θ| + the largest change of any
 * weight so far), plus K = 3 times what a relative jitter of 1e-5 (random signs)
 * in every gradient does to that weight in a second PyTorch run. Both sides
 * compute in float32 with different summation orders: losses agree to about
 * 1e-7 and the weights of most cases to a hundredth of TOL. The jitter term is
 * about as large as the first for SGD; it is there for the adaptive optimizers,
 * which divide by the gradient's own size: where the loss gradient and the
 * weight decay nearly cancel, an RMSprop or Adam step from that tiny gradient
 * is ill-conditioned (one weight of the 2-layer LSTM RMSprop case lands 5e-5
 * away), and such a weight can only agree as well as float32 decides it; the
 * jitter run measures that, weight by weight, instead of loosening TOL for all.
 * The negative controls show the test's reach: an update 0.1% off (the
 * learning rate × 1.001) fails it, for every optimizer.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/model/config.js';
import { saveModel } from '../../src/model/model-file.js';
import type { CellType } from '../../src/nn/config.js';
import { syncTiedDecoder } from '../../src/nn/params.js';
import type { OptimizerName } from '../../src/train/optimizer.js';
import { prepareTraining, trainOptions, type TrainEvent, type TrainState } from '../../src/train/trainer.js';
import type { KernelSetName } from '../../src/kernels/index.js';
import { toInput, train, type FlatOptions } from '../helpers/train.js';
import { findTorchPython, randomLetters, randomModel, runTorch } from '../helpers/torch.js';

const py = findTorchPython();
if (!py && process.env.CI) throw new Error('CI needs Python with torch for the parity tests (apt-get install -y python3-torch)');
const dir = mkdtempSync(join(tmpdir(), 'recur-optim-parity-'));

const B = 3, T = 5, STEPS = 5;

interface Case {
  optimizer: OptimizerName;
  cell: CellType;
  layers: number;
  lr: number;
  over?: Partial<ModelConfig>;
  kernels?: KernelSetName;
  threads?: number;
  label?: string;
}

const LR: Record<OptimizerName, number> = { sgd: 0.5, adam: 0.01, adagrad: 0.05, rmsprop: 0.01 };
// every optimizer with every cell (sgd and adagrad 1 layer, adam and rmsprop 2), then the other output layers and the benchmark's path
const cases: Case[] = (['sgd', 'adam', 'adagrad', 'rmsprop'] as const).flatMap((optimizer, k) =>
  (['rnn', 'gru', 'lstm'] as const).map((cell) => ({ optimizer, cell, layers: 1 + (k % 2), lr: LR[optimizer] })));
cases.push({ optimizer: 'adam', cell: 'gru', layers: 1, lr: 0.01, over: { softmax: 'adaptive', cutoffs: [5, 9], div_value: 2, head_bias: true }, label: 'adaptive softmax' });
cases.push({ optimizer: 'rmsprop', cell: 'lstm', layers: 1, lr: 0.01, over: { tie: true, embed: 6 }, label: 'tied decoder' });
cases.push({ optimizer: 'adam', cell: 'gru', layers: 2, lr: 0.01, kernels: 'wasm', threads: 2, label: 'wasm kernels on 2 threads' });
// the sum of the slices' gradients, clipping and the update shared out between 3 threads (uneven ranges)
for (const optimizer of ['sgd', 'adagrad', 'rmsprop'] as const) {
  cases.push({ optimizer, cell: 'gru', layers: 1, lr: LR[optimizer], threads: 3, label: `${optimizer}, the update on 3 threads` });
}

const WEIGHT_DECAY = 0.01, CLIP = 0.2, CLIP_VALUE = 0.02;
const TOL = 1e-5, PERTURB = 1e-5, K = 3;

interface TorchStep {
  loss: number;
  norm: number;
  clamped: number;
  params: number[];
}

describe.skipIf(!py)('optimizer parity with PyTorch (weight decay, clipping by norm and by value)', () => {
  const runs = cases.map((c, i) => {
    const model = randomModel(c.cell, c.layers, 300 + i, { split: 'none', ...c.over });
    const path = join(dir, `case${i}.safetensors`);
    writeFileSync(path, saveModel(model));
    // 3 rows of 10 positions: 2 windows of 3×5 per epoch (the text and architecture options are the model's)
    const o: FlatOptions = {
      texts: [randomLetters(400 + i, 29)], init: model, valFrac: 0, batch: B, seqLen: T, steps: STEPS, optimizer: c.optimizer, lr: c.lr,
      weightDecay: WEIGHT_DECAY, clip: CLIP, clipValue: CLIP_VALUE, dropout: 0, seed: 1, kernels: c.kernels ?? 'reference', threads: c.threads ?? 1,
      // a checkpoint after every step: the weights to compare
      checkpointEvery: 1, checkpointInterval: 0,
    };
    const input = toInput(o);
    const stream = Array.from(prepareTraining(input, trainOptions(input)).train.stream);
    return { c, model, path, o, stream };
  });
  // PyTorch's runs, each twice: as is, and with every gradient the optimizer sees times 1 ± PERTURB
  let torch: { ref: TorchStep[]; noisy: TorchStep[] }[] | null = null;
  const torchSteps = (i: number): { ref: TorchStep[]; noisy: TorchStep[] } => {
    if (!torch) {
      const jobs = join(dir, 'jobs.json');
      writeFileSync(jobs, JSON.stringify(runs.flatMap((r, k) => {
        const job = {
          model: r.path, stream: r.stream, B, T, steps: STEPS, optimizer: r.c.optimizer, lr: r.c.lr,
          weight_decay: WEIGHT_DECAY, clip: CLIP, clip_value: CLIP_VALUE,
        };
        return [job, { ...job, perturb: PERTURB, seed: k }];
      })));
      const out = JSON.parse(runTorch(py!, ['train', jobs])) as TorchStep[][];
      torch = runs.map((_, k) => ({ ref: out[2 * k], noisy: out[2 * k + 1] }));
    }
    return torch[i];
  };

  /** recur's run of case r (optionally with a changed option), its state after every step and its step events */
  async function ours(r: (typeof runs)[number], over: FlatOptions = {}): Promise<{ params: Float32Array[]; events: { loss: number; gradNorm: number }[] }> {
    const states: TrainState[] = [];
    const events: { loss: number; gradNorm: number }[] = [];
    const res = await train({
      ...r.o,
      ...over,
      checkpoint: (c: { state: TrainState }) => void states.push(c.state),
      onEvent: (e: TrainEvent) => {
        if (e.type === 'step') events.push(e);
        if (e.type === 'prepared') expect([e.batch, e.seqLen, e.windowsPerEpoch]).toEqual([B, T, 2]);
      },
    });
    expect(res.steps).toBe(STEPS);
    expect(res.threads).toBe(r.c.threads ?? 1);
    expect(states.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5]);
    // a tied decoder's own storage is a copy of the embedding, written when the model is saved
    const params = states.slice(1).map((s) => {
      const p = s.params.slice();
      syncTiedDecoder(p, r.model.layout);
      return p;
    });
    return { params, events };
  }

  /**
   * Per step, the worst |θ_recur − θ_torch| / (TOL·(|θ_torch| + max|Δθ_torch|) + K·|θ_noisy − θ_torch|):
   * below 1 when every weight agrees to TOL, each allowed in addition K times what
   * float32-sized noise in the gradients does to it in PyTorch's own run.
   */
  function errors(r: (typeof runs)[number], params: Float32Array[], t: { ref: TorchStep[]; noisy: TorchStep[] }): number[] {
    const start = r.model.params, n = start.length;
    return t.ref.map((ref, s) => {
      const noisy = t.noisy[s].params;
      expect(ref.params.length).toBe(n);
      let moved = 0;
      for (let j = 0; j < n; j++) moved = Math.max(moved, Math.abs(ref.params[j] - start[j]));
      let worst = 0;
      for (let j = 0; j < n; j++) {
        const d = Math.abs(params[s][j] - ref.params[j]), base = TOL * (Math.abs(ref.params[j]) + moved), extra = K * Math.abs(noisy[j] - ref.params[j]);
        worst = Math.max(worst, d / (base + extra));
      }
      return worst;
    });
  }

  runs.forEach((r, i) => {
    const { c } = r;
    it(`${c.optimizer}, ${c.cell} ${c.layers} layer(s)${c.label ? ', ' + c.label : ''}: the weights after each of ${STEPS} steps agree`, async () => {
      const { params, events } = await ours(r);
      const t = torchSteps(i), ref = t.ref;
      expect(ref.length).toBe(STEPS);
      for (let s = 0; s < STEPS; s++) {
        // the same window, loss and gradient norm; the clipping really happened, both kinds
        expect(Math.abs(events[s].loss - ref[s].loss) / ref[s].loss, `loss at step ${s + 1}`).toBeLessThan(1e-6);
        expect(Math.abs(events[s].gradNorm - ref[s].norm) / ref[s].norm, `gradient norm at step ${s + 1}`).toBeLessThan(1e-6);
        expect(events[s].gradNorm, `the norm exceeds --clip at step ${s + 1}`).toBeGreaterThan(CLIP);
        expect(ref[s].clamped, `clip_grad_value_ clamped some gradients at step ${s + 1}`).toBeGreaterThan(0);
      }
      const worst = errors(r, params, t);
      expect(Math.max(...worst)).toBeLessThan(1);
    });
  });

  // the comparison sees an update that is 0.1% off: the same runs with the learning rate × 1.001 fail it
  for (const optimizer of ['sgd', 'adam', 'adagrad', 'rmsprop'] as const) {
    it(`negative control: ${optimizer} with its learning rate 0.1% off fails the comparison`, async () => {
      const i = runs.findIndex((r) => r.c.optimizer === optimizer);
      const r = runs[i];
      const { params } = await ours(r, { lr: r.c.lr * 1.001 });
      const worst = errors(r, params, torchSteps(i));
      expect(Math.max(...worst)).toBeGreaterThan(1);
    });
  }
});
