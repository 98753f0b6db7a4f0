/**
 * The learning-rate schedule: a linear warm-up over the first `warmup` steps,
 * then the rate is multiplied by `decay` whenever validation has not improved
 * for `patience` evaluations in a row (as Mikolov's RNNLM and PyTorch's
 * ReduceLROnPlateau do); after `earlyStop` evaluations without improvement the
 * run stops. All of its state is plain numbers, saved in checkpoints.
 *
 * With `anneal`, the rate is also scaled down to zero over the run, by the
 * fraction p ∈ [0, 1] of it done (the trainer measures p against the run's
 * limit: steps, epochs or wall-clock time):
 *
 *   cosine: ½ (1 + cos π p)      (Loshchilov & Hutter's SGDR, one cycle)
 *   linear: 1 − p
 */
export const ANNEALS = ['none', 'cosine', 'linear'] as const;
export type Anneal = (typeof ANNEALS)[number];

/** The factor the anneal puts on the rate when a fraction `p` of the run is done. */
export function annealFactor(anneal: Anneal, p: number): number {
  const q = Math.min(1, Math.max(0, p));
  if (anneal === 'cosine') return 0.5 * (1 + Math.cos(Math.PI * q));
  if (anneal === 'linear') return 1 - q;
  return 1;
}

export interface ScheduleOptions {
  lr: number;
  /** multiply the rate by this on a plateau (1 = never) */
  decay: number;
  /** evaluations without improvement before decaying */
  patience: number;
  /** evaluations without improvement before stopping (0 = never) */
  earlyStop: number;
  /** steps of linear warm-up (0 = none) */
  warmup: number;
  /** the shape of the decay to zero over the run (default none) */
  anneal?: Anneal;
}

export interface ScheduleState {
  /** the rate after decays (before warm-up scaling) */
  lr: number;
  /** evaluations since the last improvement */
  sinceBest: number;
  /** evaluations since the last decay or improvement */
  sinceChange: number;
  best: number | null;
}

export class LrSchedule {
  readonly o: ScheduleOptions;
  state: ScheduleState;

  constructor(o: ScheduleOptions, state?: ScheduleState) {
    this.o = o;
    this.state = state ? { ...state } : { lr: o.lr, sinceBest: 0, sinceChange: 0, best: null };
  }

  /** The rate for step `step` (1-based), taken when a fraction `done` of the run is done. */
  rate(step: number, done = 0): number {
    const w = this.o.warmup;
    const lr = this.state.lr * annealFactor(this.o.anneal ?? 'none', done);
    return w > 0 && step < w ? (lr * step) / w : lr;
  }

  /** Record a validation loss; returns what happened. */
  onValidation(loss: number): 'improved' | 'decayed' | 'stop' | 'waiting' {
    const s = this.state;
    if (s.best === null || loss < s.best) {
      s.best = loss;
      s.sinceBest = 0;
      s.sinceChange = 0;
      return 'improved';
    }
    s.sinceBest++;
    s.sinceChange++;
    if (this.o.earlyStop > 0 && s.sinceBest >= this.o.earlyStop) return 'stop';
    if (this.o.decay < 1 && s.sinceChange >= this.o.patience) {
      s.lr *= this.o.decay;
      s.sinceChange = 0;
      return 'decayed';
    }
    return 'waiting';
  }
}
