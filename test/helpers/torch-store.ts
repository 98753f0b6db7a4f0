/**
 * STAND-IN for `recur prepare`, for the PyTorch trainer's tests only: writes a
 * token store in docs/token-store.md's format (recur-tokens/1) from recur's
 * in-memory corpus preparation (`prepareCorpus`: the same stream, vocabulary and
 * counts `recur train` builds from the same text). Shuffle blocks are the
 * sequence starts, K = ⌈sequences / 2¹⁸⌉ sequences per block.
 *
 * When `recur prepare` is on main, the tests that use this switch to it and
 * this file goes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareCorpus, type CorpusOptions, type PreparedCorpus } from '../../src/data/prepare.js';
import type { EncodedCorpus } from '../../src/data/corpus.js';
import type { Vocab } from '../../src/data/vocab.js';

export interface StoreInput {
  texts: string[];
  /** separate validation texts (instead of valFrac) */
  valTexts?: string[];
  options: CorpusOptions;
  /** the vocabulary to encode with (a model's), instead of counting one */
  vocab?: Vocab;
  /** ids per shard (small values spread a test stream over several shards) */
  shardTokens?: number;
}

const MAX_BLOCKS = 2 ** 18;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Write the store folder `dir` (created); returns what recur's preparation made, for comparison. */
export function writeStore(dir: string, input: StoreInput): PreparedCorpus {
  const prepared = prepareCorpus(input.texts, input.options, input.vocab, input.valTexts);
  const { vocab } = prepared;
  const dtype = vocab.size <= 65536 ? 'uint16' : 'uint32';
  const shardTokens = input.shardTokens ?? 268_435_456;
  mkdirSync(dir, { recursive: true });

  const part = (name: 'train' | 'val', enc: EncodedCorpus): Record<string, unknown> => {
    const ids = dtype === 'uint16' ? Uint16Array.from(enc.stream) : Uint32Array.from(enc.stream);
    const shards = [];
    for (let at = 0, k = 0; at < ids.length; at += shardTokens, k++) {
      const piece = ids.subarray(at, Math.min(ids.length, at + shardTokens));
      const bytes = new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
      const file = `${name}-${String(k).padStart(5, '0')}.bin`;
      writeFileSync(join(dir, file), bytes);
      shards.push({ file, tokens: piece.length, bytes: bytes.length, sha256: sha256(bytes) });
    }
    const out: Record<string, unknown> = { tokens: enc.tokens, sequences: enc.sequences, oov: enc.oov, chars: enc.chars, shards };
    if (name === 'train' && input.options.split !== 'none') {
      const starts: number[] = [];
      for (let p = 0; p < enc.stream.length - 1; p++) if (enc.stream[p] === 0) starts.push(p);
      const K = Math.ceil(starts.length / MAX_BLOCKS);
      const blocks = new BigUint64Array(starts.filter((_, i) => i % K === 0).map(BigInt));
      const bytes = new Uint8Array(blocks.buffer);
      writeFileSync(join(dir, 'train-blocks.bin'), bytes);
      out.blocks = { file: 'train-blocks.bin', count: blocks.length, sequencesPerBlock: K, sha256: sha256(bytes) };
    }
    return out;
  };

  const o = input.options;
  const parts = { train: part('train', prepared.train), val: prepared.val ? part('val', prepared.val) : null };
  const manifest = {
    format: 'recur-tokens/1',
    created: new Date().toISOString(),
    text: { level: o.level, split: o.split, tokenize: o.tokenize, lowercase: o.lowercase },
    vocabulary: input.vocab ? { maxVocab: null, minCount: null, from: 'model' } : { maxVocab: o.maxVocab, minCount: o.minCount, from: null },
    vocab: vocab.tokens,
    dtype,
    shardTokens,
    valFrac: input.valTexts ? 0 : o.valFrac,
    sources: [],
    skipped: [],
    parts,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return prepared;
}
