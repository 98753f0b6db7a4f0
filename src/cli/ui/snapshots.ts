/**
 * Samples along the way: the trainer hands over the model after each
 * validation; we keep a bounded, evenly spread set of parameter copies and
 * sample from them after training (sampling needs an async session, and the
 * training loop should not wait for it).
 */
import { Rng, InferenceSession, SAMPLE_DEFAULTS, sampleOne, type KernelSetName, type LanguageModel, type RunSamples } from '../../index.js';

interface Snapshot {
  step: number;
  elapsedMs: number;
  valLoss: number;
  params: Float32Array;
}

/** Memory the kept parameter copies may take (a large word-level model keeps fewer). */
const BUDGET_BYTES = 64 * 2 ** 20;

export class SnapshotSampler {
  private snaps: Snapshot[] = [];
  constructor(private max = 8) {}

  /** For TrainOptions.onValidate. */
  readonly onValidate = (e: { step: number; elapsedMs: number; valLoss: number; model: () => LanguageModel }): void => {
    const params = e.model().params;
    this.max = Math.min(this.max, Math.max(1, Math.floor(BUDGET_BYTES / (2 * 4 * params.length))));
    this.snaps.push({ step: e.step, elapsedMs: e.elapsedMs, valLoss: e.valLoss, params });
    // over the budget: drop every other one but keep the first and the newest
    if (this.snaps.length > 2 * this.max) this.snaps = this.snaps.filter((_, i, a) => i % 2 === 0 || i === a.length - 1);
  };

  get count(): number {
    return this.snaps.length;
  }

  async sample(model: LanguageModel, perSnapshot: number, seed: number, kernels: KernelSetName): Promise<RunSamples[]> {
    if (this.snaps.length === 0 || perSnapshot <= 0) return [];
    const keep = this.snaps.length <= this.max
      ? this.snaps
      : this.max === 1 ? [this.snaps[this.snaps.length - 1]] : Array.from({ length: this.max }, (_, i) => this.snaps[Math.round((i * (this.snaps.length - 1)) / (this.max - 1))]);
    const session = await InferenceSession.create(model, { kernels });
    const out: RunSamples[] = [];
    for (const s of keep) {
      session.net.paramView().set(s.params);
      const rng = new Rng(seed);
      const texts: string[] = [];
      for (let i = 0; i < perSnapshot; i++) texts.push(sampleOne(session, { ...SAMPLE_DEFAULTS, maxLength: 80 }, rng).text);
      out.push({ step: s.step, elapsedMs: s.elapsedMs, valLoss: s.valLoss, texts });
    }
    return out;
  }
}
