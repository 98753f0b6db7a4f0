/**
 * recur's BatchStream before token sources (verbatim but for its name): the
 * whole stream in memory, shuffled sequence by sequence. The specification the
 * new BatchStream (data/batches.ts) must match on corpora of up to 2¹⁸
 * sequences, in memory or read from a store.
 */
import { EOS } from '../../src/core/ids.js';
import type { Rng } from '../../src/core/rng.js';
import { sequenceStarts, type TokenIds } from '../../src/data/corpus.js';

export class LegacyBatchStream {
  readonly B: number;
  readonly T: number;
  readonly windowsPerEpoch: number;
  /** the stream in its original order */
  private readonly source: TokenIds;
  /** start of each sequence in the source (at its <eos> input); null: no shuffling */
  private readonly starts: Uint32Array | null;
  /** this epoch's order of the sequences, and where each begins in the shuffled stream (plus the end) */
  private order: Uint32Array | null = null;
  private at: Uint32Array | null = null;
  private readonly L: number;
  /** the T + 1 ids a stream needs for one window */
  private readonly run: Int32Array;
  epoch = 0;
  window = 0;

  constructor(stream: TokenIds, B: number, T: number, shuffle: boolean) {
    this.source = stream;
    this.B = B;
    this.T = T;
    this.L = Math.floor((stream.length - 1) / B);
    this.windowsPerEpoch = Math.floor(this.L / T);
    const starts = shuffle ? sequenceStarts(stream) : null;
    this.starts = starts && starts.length >= 2 ? starts : null;
    this.run = new Int32Array(T + 1);
    if (this.windowsPerEpoch < 1) throw new RangeError('BatchStream: the stream is shorter than one window');
  }

  /**
   * Set the order for epoch `epoch` (call once per epoch, before its first
   * window). The shuffled stream is never built: only the order of the
   * sequences and their offsets in it, so a large corpus is not held twice.
   */
  beginEpoch(rng: Rng): void {
    this.window = 0;
    const starts = this.starts;
    if (!starts) return;
    const n = starts.length;
    const order = (this.order ??= new Uint32Array(n));
    for (let i = 0; i < n; i++) order[i] = i;
    rng.shuffle(order);
    const at = (this.at ??= new Uint32Array(n + 1));
    let p = 0;
    for (let i = 0; i < n; i++) {
      at[i] = p;
      p += this.length(order[i]);
    }
    at[n] = p; // the closing <eos>
  }

  /** Length of sequence s in the source, its opening <eos> included. */
  private length(s: number): number {
    const starts = this.starts!;
    return (s + 1 < starts.length ? starts[s + 1] : this.source.length - 1) - starts[s];
  }

  /** The ids at positions q … q + T of this epoch's stream, into `run`. */
  private read(q: number): void {
    const run = this.run, T = this.T, src = this.source;
    if (!this.starts) {
      for (let t = 0; t <= T; t++) run[t] = src[q + t];
      return;
    }
    const starts = this.starts, order = this.order!, at = this.at!, n = starts.length;
    // the last sequence that begins at or before q
    let lo = 0, hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (at[mid] <= q) lo = mid;
      else hi = mid;
    }
    let i = lo, off = q - at[i];
    for (let t = 0; t <= T; t++) {
      if (i >= n) {
        run[t] = EOS;
        continue;
      }
      run[t] = src[starts[order[i]] + off];
      if (++off === at[i + 1] - at[i]) {
        i++;
        off = 0;
      }
    }
  }

  /** Write window `this.window` (time-major, row t·B + b) into the int32 heap; advance. */
  fill(i32: Int32Array, inputs: number, targets: number): void {
    this.fillSlice(i32, inputs, targets, 0, this.B);
    this.window++;
  }

  /** Write streams b0 … b0+Bc−1 of the current window (rows t·Bc + b − b0); does not advance. */
  fillSlice(i32: Int32Array, inputs: number, targets: number, b0: number, Bc: number): void {
    const { T, L } = this, base = this.window * T, run = this.run;
    for (let b = 0; b < Bc; b++) {
      this.read((b0 + b) * L + base);
      for (let t = 0; t < T; t++) {
        i32[inputs + t * Bc + b] = run[t];
        i32[targets + t * Bc + b] = run[t + 1];
      }
    }
  }

  /** Move to the next window. */
  advance(): void {
    this.window++;
  }

  get epochDone(): boolean {
    return this.window >= this.windowsPerEpoch;
  }
}
