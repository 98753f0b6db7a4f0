/**
 * The one source of randomness. Every function that needs random numbers takes
 * an `Rng` argument; nothing calls Math.random. Same seed, same numbers, and the
 * state can be saved and restored (for exact resume of training).
 *
 * seedrandom's Alea generator: fast, 32-bit output, serialisable state.
 */
import seedrandom from 'seedrandom';

export interface RngState {
  prng: seedrandom.State.Alea;
  spare: number | null;
}

export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;
  private spareNormal: number | null = null;

  constructor(seed: string | number) {
    this.prng = seedrandom.alea(String(seed), { state: true });
  }

  /** Uniform in [0, 1), 53 bits of resolution. */
  next(): number {
    return this.prng.double();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng.double() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng.double();
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.prng.double();
    const v = this.prng.double();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: { length: number; [i: number]: T }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A serialisable snapshot; `Rng.restore(rng.state())` continues the same stream. */
  state(): RngState {
    return { prng: this.prng.state(), spare: this.spareNormal };
  }

  static restore(s: RngState): Rng {
    const r = new Rng(0);
    r.prng = seedrandom.alea('', { state: s.prng });
    r.spareNormal = s.spare;
    return r;
  }
}
