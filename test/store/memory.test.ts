/**
 * Training from a token store needs memory for the model, the batch and fixed
 * buffers, not for the corpus: `recur train STORE` (a real child process, peak
 * RSS from process.resourceUsage) on a store ten times larger peaks within a
 * few megabytes of the smaller one (the shuffle blocks' offsets grow until
 * 2¹⁸ blocks, 2 MB; the validation pass is capped by valTokens). The same text
 * in memory would take about 4.5 bytes per corpus byte (test/data/memory.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareStore } from '../../src/store/prepare.js';
import { buildRecur, root } from '../helpers/build.js';
import { OPTS, tempDir } from '../helpers/store.js';

const SMALL = 4_000_000, LARGE = 40_000_000;
/** allowed growth of the peak, in MB, for 36 MB more corpus */
const MAX_GROWTH_MB = 16;

let build: ReturnType<typeof buildRecur>;
const dir = tempDir('store-memory');

beforeAll(() => {
  build = buildRecur('store-memory-test');
});

afterAll(() => {
  build?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function storeOf(bytes: number): Promise<string> {
  const source = readFileSync(join(root, 'corpora/dinos.txt'));
  const file = join(dir, `c${bytes}.txt`), fd = openSync(file, 'w');
  for (let n = 0; n < bytes; n += source.length) writeSync(fd, source);
  closeSync(fd);
  const out = join(dir, `c${bytes}.recur`);
  await prepareStore([file], { ...OPTS, valFrac: 0.1 }, { output: out, threads: 2 });
  rmSync(file);
  return out;
}

function peakMB(store: string): number {
  const r = spawnSync(process.execPath, ['--import', join(root, 'test/fixtures/maxrss.mjs'), build.launcher, 'train', store,
    '--hidden', '8', '--embed', '4', '--steps', '3', '--samples', '0', '-o', join(dir, 'm.safetensors'), '--force'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(/MAXRSS_KB (\d+)/.exec(r.stderr)![1]) / 1024;
}

describe('memory when training from a store', () => {
  it(`a store of ${LARGE / 1e6} MB of text peaks within ${MAX_GROWTH_MB} MB of one of ${SMALL / 1e6} MB`, async () => {
    const small = await storeOf(SMALL), large = await storeOf(LARGE);
    const a = peakMB(small), b = peakMB(large);
    console.log(`peak RSS training from a store: ${a.toFixed(0)} MB (${SMALL / 1e6} MB of text), ${b.toFixed(0)} MB (${LARGE / 1e6} MB)`);
    expect(b - a).toBeLessThan(MAX_GROWTH_MB);
  }, 120_000);
});
