/**
 * Where training reads token ids from: a stream in memory, or a token store's
 * shards on disk (store/reader.ts), behind one small interface, so that
 * BatchStream never holds a corpus it does not need to. Browser-safe.
 */
import { EOS } from '../core/ids.js';
import type { TokenIds } from './corpus.js';

/** A stream of token ids (<eos> s1 <eos> s2 <eos> …), read a range at a time. */
export interface TokenSource {
  /** ids in the stream (predicted tokens + 1) */
  readonly length: number;
  /** the ids at positions [pos, pos + n) into out[at, at + n) */
  read(pos: number, n: number, out: Int32Array, at: number): void;
}

export class ArrayTokenSource implements TokenSource {
  constructor(readonly ids: TokenIds) {}
  get length(): number {
    return this.ids.length;
  }
  read(pos: number, n: number, out: Int32Array, at: number): void {
    const ids = this.ids;
    for (let i = 0; i < n; i++) out[at + i] = ids[pos + i];
  }
}

/** Sequences from which shuffling goes by runs of K (docs/token-store.md): at most 2¹⁸ blocks. */
export const MAX_BLOCKS = 1 << 18;

/** K for a stream of n sequences. */
export function sequencesPerBlock(n: number): number {
  return Math.max(1, Math.ceil(n / MAX_BLOCKS));
}

/**
 * Shuffle blocks of an in-memory stream: block k begins at the opening <eos>
 * of sequence k·K (the store writes the same offsets to train-blocks.bin).
 */
export function blockStarts(stream: TokenIds): Float64Array {
  let n = 0;
  for (let p = 0; p < stream.length - 1; p++) if (stream[p] === EOS) n++;
  const K = sequencesPerBlock(n);
  const starts = new Float64Array(Math.ceil(n / K));
  let s = 0;
  for (let p = 0; p < stream.length - 1; p++) {
    if (stream[p] !== EOS) continue;
    if (s % K === 0) starts[s / K] = p;
    s++;
  }
  return starts;
}
