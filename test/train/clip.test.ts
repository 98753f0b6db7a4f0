/**
 * Gradient clipping on cases worked out by hand: the global norm over the
 * region only, scaling by c / (‖g‖ + 1e−6) when ‖g‖ > c and not otherwise,
 * clamping to [−c, c] elementwise, and neither touching the heap outside its
 * region. (Agreement with PyTorch in the trainer: test/parity/optimizers.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue, gradNorm } from '../../src/train/clip.js';

/** The heap: a guard word, then the gradients at offset 1, then a guard word. */
function heap(g: number[]): Float32Array {
  return new Float32Array([99, ...g, -99]);
}

describe('clipGradNorm', () => {
  it('measures the norm of its region only: (3, 4) has norm 5', () => {
    expect(gradNorm(heap([3, 4]), 1, 2)).toBe(5);
    expect(gradNorm(heap([3, 4, 12]), 1, 3)).toBe(13);
  });

  it('scales (3, 4) with max-norm 1 by 1 / (5 + 1e-6) and returns the norm before clipping', () => {
    const f = heap([3, 4]);
    expect(clipGradNorm(f, 1, 2, 1)).toBe(5);
    const s = 1 / (5 + 1e-6);
    expect(f[1]).toBe(Math.fround(3 * s));
    expect(f[2]).toBe(Math.fround(4 * s));
    expect(f[1]).toBeCloseTo(0.6, 6);
    expect(f[2]).toBeCloseTo(0.8, 6);
    expect(gradNorm(f, 1, 2)).toBeCloseTo(1, 6);
    expect([f[0], f[3]]).toEqual([99, -99]);
  });

  it('keeps the direction: (1, −2, 2) with max-norm 1.5 becomes (0.5, −1, 1)', () => {
    const f = heap([1, -2, 2]);
    expect(clipGradNorm(f, 1, 3, 1.5)).toBe(3);
    expect(f[1]).toBeCloseTo(0.5, 6);
    expect(f[2]).toBeCloseTo(-1, 6);
    expect(f[3]).toBeCloseTo(1, 6);
  });

  it('leaves gradients at or below the max-norm alone, and max-norm 0 means off', () => {
    for (const [g, c] of [[[3, 4], 5], [[3, 4], 6], [[3, 4], 0], [[0, 0], 1]] as [number[], number][]) {
      const f = heap(g);
      clipGradNorm(f, 1, g.length, c);
      expect(Array.from(f)).toEqual([99, ...g, -99]);
    }
  });

  it('returns a non-finite norm as it is, so that the trainer can report divergence', () => {
    const f = heap([1, Infinity]);
    expect(clipGradNorm(f, 1, 2, 1)).toBe(Infinity);
    expect(clipGradNorm(heap([1, NaN]), 1, 2, 1)).toBeNaN();
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient to [−c, c] and leaves the others', () => {
    const f = heap([0.5, -0.5, 2, -3, 0.25, -0.25, 0]);
    clipGradValue(f, 1, 7, 0.3);
    expect(Array.from(f)).toEqual([99, 0.3, -0.3, 0.3, -0.3, 0.25, -0.25, 0, -99].map(Math.fround));
  });

  it('touches nothing outside its region', () => {
    const f = heap([5, -5]);
    clipGradValue(f, 2, 1, 1);
    expect(Array.from(f)).toEqual([99, 5, -1, -99]);
  });
});
