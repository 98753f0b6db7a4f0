import { describe, expect, it } from 'vitest';
import { LrSchedule, annealFactor } from '../../src/train/schedule.js';

describe('learning-rate schedule', () => {
  it('warms up linearly, then holds the rate', () => {
    const s = new LrSchedule({ lr: 0.01, decay: 1, patience: 1, earlyStop: 0, warmup: 4 });
    expect([1, 2, 3, 4, 10].map((t) => s.rate(t))).toEqual([0.0025, 0.005, 0.0075, 0.01, 0.01]);
  });
  it('decays after `patience` evaluations without improvement and stops after `earlyStop`', () => {
    const s = new LrSchedule({ lr: 1, decay: 0.5, patience: 2, earlyStop: 5, warmup: 0 });
    const events = [3, 2, 2.5, 2.4, 2.1, 2.2, 2.3].map((l) => s.onValidation(l));
    expect(events).toEqual(['improved', 'improved', 'waiting', 'decayed', 'waiting', 'decayed', 'stop']);
    expect(s.rate(100)).toBe(0.25);
    expect(s.onValidation(1.9)).toBe('improved'); // an improvement resets both counts
    expect(s.state.sinceBest).toBe(0);
  });
  it('anneals to zero by a half cosine or linearly in the fraction of the run done, under warm-up and decay', () => {
    const cosine = [0, 0.25, 0.5, 1, 1.5].map((p) => annealFactor('cosine', p));
    [1, 0.5 + Math.SQRT1_2 / 2, 0.5, 0, 0].forEach((want, i) => expect(cosine[i]).toBeCloseTo(want, 15));
    expect([0, 0.25, 1, -1].map((p) => annealFactor('linear', p))).toEqual([1, 0.75, 0, 1]);
    expect(annealFactor('none', 0.9)).toBe(1);
    const s = new LrSchedule({ lr: 0.4, decay: 0.5, patience: 1, earlyStop: 0, warmup: 4, anneal: 'linear' });
    expect(s.rate(2, 0.5)).toBeCloseTo(0.4 * 0.5 * (2 / 4), 15); // warm-up scales the annealed rate
    s.onValidation(1);
    s.onValidation(2); // decayed to 0.2
    expect(s.rate(10, 0.75)).toBeCloseTo(0.2 * 0.25, 15);
    expect(s.rate(10)).toBe(0.2); // nothing done yet: the full rate
  });
});
