/**
 * Training windows: B parallel streams × T steps (char-rnn's scheme).
 *
 * The training stream (<eos> s1 <eos> s2 <eos> …) is cut into B contiguous
 * chunks of L = ⌊(N−1)/B⌋ input positions; window w gives stream b the inputs
 * at positions b·L + w·T … b·L + w·T + T − 1 and the tokens after them as
 * targets. Consecutive windows continue each stream, so the hidden state is
 * carried across them (truncated BPTT). An epoch is ⌊L/T⌋ windows. In lines and
 * paragraphs mode the order of the sequences is shuffled at every epoch (from
 * the run's Rng); the state is reset at each epoch start.
 */
import type { Rng } from '../core/rng.js';
import { EOS } from '../nn/network.js';
import { sequenceStarts } from './corpus.js';

export interface BatchPosition {
  epoch: number;
  window: number;
}

export class BatchStream {
  readonly B: number;
  readonly T: number;
  readonly windowsPerEpoch: number;
  /** the stream in its original order */
  private readonly source: Int32Array;
  /** the stream in this epoch's order */
  private current: Int32Array;
  private readonly starts: number[] | null;
  private readonly L: number;
  epoch = 0;
  window = 0;

  constructor(stream: Int32Array, B: number, T: number, shuffle: boolean) {
    this.source = stream;
    this.current = stream;
    this.B = B;
    this.T = T;
    this.L = Math.floor((stream.length - 1) / B);
    this.windowsPerEpoch = Math.floor(this.L / T);
    this.starts = shuffle ? sequenceStarts(stream) : null;
    if (this.windowsPerEpoch < 1) throw new RangeError('BatchStream: the stream is shorter than one window');
  }

  /** Set the order for epoch `epoch` (call once per epoch, before its first window). */
  beginEpoch(rng: Rng): void {
    this.window = 0;
    if (!this.starts || this.starts.length < 2) return;
    const order = Int32Array.from(this.starts.keys());
    rng.shuffle(order);
    const src = this.source, out = new Int32Array(src.length);
    let p = 0;
    for (const s of order) {
      const begin = this.starts[s];
      const end = s + 1 < this.starts.length ? this.starts[s + 1] : src.length - 1;
      out.set(src.subarray(begin, end), p);
      p += end - begin;
    }
    out[p] = EOS;
    this.current = out;
  }

  /** Write window `this.window` (time-major, row t·B + b) into the int32 heap; advance. */
  fill(i32: Int32Array, inputs: number, targets: number): void {
    this.fillSlice(i32, inputs, targets, 0, this.B);
    this.window++;
  }

  /** Write streams b0 … b0+Bc−1 of the current window (rows t·Bc + b − b0); does not advance. */
  fillSlice(i32: Int32Array, inputs: number, targets: number, b0: number, Bc: number): void {
    const { T, L } = this, s = this.current, base = this.window * T;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < Bc; b++) {
        const p = (b0 + b) * L + base + t;
        i32[inputs + t * Bc + b] = s[p];
        i32[targets + t * Bc + b] = s[p + 1];
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
