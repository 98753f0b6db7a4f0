/**
 * Memory grows with the corpus by a small constant factor: `recur train` on a
 * 5 MB corpus (a real child process, peak RSS from process.resourceUsage)
 * needs at most MAX_FACTOR bytes per corpus byte more than on a tiny corpus.
 * The token ids take 2 bytes per character (Uint16Array), the text (while it
 * is read and encoded) 1–2 more: about 4.5 here. Before typed ids and
 * preparation without per-line arrays it was about 11 (measured on 100 MB).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecur, root } from '../helpers/build.js';

const MAX_FACTOR = 8;
const SIZE = 5_000_000;

let build: ReturnType<typeof buildRecur>;
let dir: string;

beforeAll(() => {
  build = buildRecur('memory-test');
  dir = mkdtempSync(join(tmpdir(), 'recur-memory-'));
});

afterAll(() => {
  build?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function peakRss(corpus: string): number {
  const r = spawnSync(process.execPath, ['--import', join(root, 'test/fixtures/maxrss.mjs'), build.launcher, 'train', corpus,
    '--hidden', '8', '--embed', '4', '--steps', '3', '--samples', '0', '-o', join(dir, 'm.safetensors')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(/MAXRSS_KB (\d+)/.exec(r.stderr)![1]) * 1024;
}

describe('memory', () => {
  it(`training on ${SIZE / 1e6} MB of text needs at most ${MAX_FACTOR}× its size beyond the baseline`, () => {
    // lines of varied text, like a real corpus
    const source = readFileSync(join(root, 'corpora/dinos.txt'), 'utf8');
    const big = join(dir, 'big.txt'), tiny = join(dir, 'tiny.txt');
    writeFileSync(big, source.repeat(Math.ceil(SIZE / source.length)).slice(0, SIZE));
    writeFileSync(tiny, source);
    const base = peakRss(tiny), peak = peakRss(big);
    const factor = (peak - base) / SIZE;
    console.log(`peak RSS: ${(base / 1e6).toFixed(0)} MB on ${(source.length / 1e3).toFixed(0)} KB, ${(peak / 1e6).toFixed(0)} MB on ${SIZE / 1e6} MB (${factor.toFixed(1)} bytes per corpus byte)`);
    expect(factor).toBeLessThan(MAX_FACTOR);
  });
});
