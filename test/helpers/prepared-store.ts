/**
 * A token store for the PyTorch trainer's tests, made by `recur prepare`'s
 * library function from texts: each text becomes a file of its own beside the
 * store, and the store is prepared from those files (with a small shard size,
 * to spread a stream over several shards). Returns recur's in-memory
 * preparation of the same texts too (the stream `recur train` builds from them,
 * which the store equals: test/store/equivalence.test.ts), for comparisons.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareCorpus, type CorpusOptions, type PreparedCorpus } from '../../src/data/prepare.js';
import { prepareStore } from '../../src/store/prepare.js';

export interface StoreInput {
  texts: string[];
  /** separate validation texts (instead of valFrac) */
  valTexts?: string[];
  options: CorpusOptions;
  /** ids per shard (small values spread a test stream over several shards) */
  shardTokens?: number;
}

/** Prepare the store folder `dir` (it must not exist) from `input`'s texts. */
export async function writeStore(dir: string, input: StoreInput): Promise<PreparedCorpus> {
  const src = `${dir}.texts`;
  mkdirSync(join(src, 'val'), { recursive: true });
  const files = input.texts.map((t, i) => {
    const f = join(src, `${String(i).padStart(3, '0')}.txt`);
    writeFileSync(f, t);
    return f;
  });
  const val = input.valTexts?.map((t, i) => {
    const f = join(src, 'val', `${String(i).padStart(3, '0')}.txt`);
    writeFileSync(f, t);
    return f;
  });
  await prepareStore(files, { ...input.options, val }, { output: dir, threads: 1, shardTokens: input.shardTokens });
  return prepareCorpus(input.texts, input.options, undefined, input.valTexts);
}
