import { describe, expect, it } from 'vitest';
import { LrSchedule } from '../../src/train/schedule.js';

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
});
