/**
 * Training windows: B parallel streams × T steps (char-rnn's scheme).
 *
 * The training stream (<eos> s1 <eos> s2 <eos> …) is cut into B contiguous
 * chunks of L = ⌊(N−1)/B⌋ input positions; window w gives stream b the inputs
 * at positions b·L + w·T … b·L + w·T + T − 1 and the tokens after them as
 * targets. Consecutive windows continue each stream, so the hidden state is
 * carried across them (truncated BPTT). An epoch is ⌊L/T⌋ windows. In lines and
 * paragraphs mode the order of the text is shuffled at every epoch (from the
 * run's Rng) in shuffle blocks: each sequence, or runs of K sequences when
 * there are more than 2¹⁸ (data/source.ts, docs/token-store.md); the state is
 * reset at each epoch start.
 *
 * The ids come from a TokenSource (a stream in memory or a store on disk),
 * T + 1 at a time per stream, so memory is the blocks' offsets (at most 2¹⁸)
 * whatever the corpus size.
 */
import { Rng, type RngState } from '../core/rng.js';
import { EOS } from '../core/ids.js';
import type { TokenIds } from './corpus.js';
import { ArrayTokenSource, blockStarts, type TokenSource } from './source.js';

/** Where the windows stand: the epoch, the windows done in it, and the Rng state its order was drawn from. */
export interface BatchPosition {
  epoch: number;
  window: number;
  epochRng: RngState;
}

export class BatchStream {
  readonly B: number;
  readonly T: number;
  readonly windowsPerEpoch: number;
  /** the stream in its original order */
  private readonly source: TokenSource;
  /** start of each shuffle block in the source (at an <eos> input); null: no shuffling */
  private readonly blocks: Float64Array | null;
  /** this epoch's order of the blocks, and where each begins in the shuffled stream (plus the end) */
  private order: Uint32Array | null = null;
  private at: Float64Array | null = null;
  private readonly L: number;
  /** the T + 1 ids a stream needs for one window */
  private readonly run: Int32Array;
  epoch = 0;
  window = 0;
  /** the Rng state this epoch's order was drawn from */
  private epochRng: RngState | null = null;

  /**
   * `shuffle`: true for an in-memory stream (its blocks are found in it), the
   * blocks' starts for a source on disk, false or null for none.
   */
  constructor(source: TokenIds | TokenSource, B: number, T: number, shuffle: boolean | Float64Array | null) {
    const src = 'read' in source ? source : new ArrayTokenSource(source);
    this.source = src;
    this.B = B;
    this.T = T;
    this.L = Math.floor((src.length - 1) / B);
    this.windowsPerEpoch = Math.floor(this.L / T);
    let blocks: Float64Array | null = null;
    if (shuffle instanceof Float64Array) blocks = shuffle;
    else if (shuffle) {
      if (!(src instanceof ArrayTokenSource)) throw new RangeError('BatchStream: a source on disk needs its block starts');
      blocks = blockStarts(src.ids);
    }
    this.blocks = blocks && blocks.length >= 2 ? blocks : null;
    this.run = new Int32Array(T + 1);
    if (this.windowsPerEpoch < 1) throw new RangeError('BatchStream: the stream is shorter than one window');
  }

  /**
   * Set the order for epoch `epoch` (call once per epoch, before its first
   * window). The shuffled stream is never built: only the order of the
   * blocks and their offsets in it.
   */
  beginEpoch(rng: Rng): void {
    this.window = 0;
    this.epochRng = rng.state();
    const blocks = this.blocks;
    if (!blocks) return;
    const n = blocks.length;
    const order = (this.order ??= new Uint32Array(n));
    for (let i = 0; i < n; i++) order[i] = i;
    rng.shuffle(order);
    const at = (this.at ??= new Float64Array(n + 1));
    let p = 0;
    for (let i = 0; i < n; i++) {
      at[i] = p;
      p += this.length(order[i]);
    }
    at[n] = p; // the closing <eos>
  }

  /** Length of block s in the source, its opening <eos> included. */
  private length(s: number): number {
    const blocks = this.blocks!;
    return (s + 1 < blocks.length ? blocks[s + 1] : this.source.length - 1) - blocks[s];
  }

  /** The ids at positions q … q + T of this epoch's stream, into `run`. */
  private read(q: number): void {
    const run = this.run, T = this.T;
    if (!this.blocks) {
      this.source.read(q, T + 1, run, 0);
      return;
    }
    const blocks = this.blocks, order = this.order!, at = this.at!, n = blocks.length;
    // the last block that begins at or before q
    let lo = 0, hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (at[mid] <= q) lo = mid;
      else hi = mid;
    }
    let i = lo, off = q - at[i];
    for (let t = 0; t <= T; ) {
      if (i >= n) {
        run[t++] = EOS;
        continue;
      }
      const take = Math.min(T + 1 - t, at[i + 1] - at[i] - off);
      this.source.read(blocks[order[i]] + off, take, run, t);
      t += take;
      i++;
      off = 0;
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

  /** Start the next epoch if this one is done (its order drawn from `rng`); true if it did. */
  nextEpochIfDone(rng: Rng): boolean {
    if (!this.epochDone) return false;
    this.epoch++;
    this.beginEpoch(rng);
    return true;
  }

  snapshot(): BatchPosition {
    if (!this.epochRng) throw new Error('BatchStream: no epoch has begun');
    return { epoch: this.epoch, window: this.window, epochRng: this.epochRng };
  }

  /** Continue from a position: the epoch's order is drawn again from the Rng state it was drawn from. */
  restore(p: BatchPosition): void {
    this.epoch = p.epoch;
    this.beginEpoch(Rng.restore(p.epochRng));
    this.window = p.window;
  }
}

/**
 * The batch and window that fit a stream: B and T as asked when the stream
 * holds at least one window, else a smaller B, else a shorter T.
 */
export function fitWindow(streamLength: number, B: number, T: number): { B: number; T: number } {
  const positions = streamLength - 1;
  if (Math.floor(positions / B) >= T) return { B, T };
  const b = Math.floor(positions / T);
  if (b >= 1) return { B: b, T };
  return { B: 1, T: Math.max(1, positions) };
}
