/**
 * `recur eval` reads its file as it streams: a 20 MB file is evaluated in
 * memory bounded by the scoring batch, not the file. Real child processes with
 * a JavaScript heap of HEAP_MB (reading the file whole, as recur eval did
 * before, runs out of it: its text and lines alone are larger), peak RSS from
 * process.resourceUsage: the peak on 20 MB may exceed the peak on a 2 MB file
 * by at most MAX_GROWTH (measured: ~27 MB, mostly the garbage collector's
 * slack; reading whole, without the heap limit, grew by ~78 MB, and by ~184 MB
 * on 60 MB, where streaming grew by ~52 MB).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecur, root } from '../helpers/build.js';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { saveModel } from '../../src/model/model-file.js';

const SIZE = 20_000_000;
const MAX_GROWTH = 45_000_000;
const HEAP_MB = 32;
const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'away', '.'];

let build: ReturnType<typeof buildRecur>;
let dir: string;

beforeAll(() => {
  build = buildRecur('infer-memory-test');
  dir = mkdtempSync(join(tmpdir(), 'recur-infer-memory-'));
  const m = LanguageModel.create(modelConfig({ level: 'word', cell: 'gru', embed: 8, hidden: 16, layers: 1, split: 'lines' }), new Vocab(['<eos>', '<unk>', ...WORDS]), new Rng(1));
  writeFileSync(join(dir, 'm.safetensors'), saveModel(m));
  // lines of 5–30 words, some not in the vocabulary
  const rng = new Rng(2), lines: string[] = [];
  let size = 0;
  while (size < SIZE) {
    const n = 5 + rng.int(26), w: string[] = [];
    for (let i = 0; i < n; i++) w.push(rng.next() < 0.02 ? 'zebra' : WORDS[rng.int(WORDS.length)]);
    const line = w.join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  writeFileSync(join(dir, 'big.txt'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'small.txt'), lines.slice(0, lines.length / 10).join('\n') + '\n');
}, 120_000);

afterAll(() => {
  build?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): { rss: number; stdout: string } {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', join(root, 'test/fixtures/maxrss.mjs'), build.launcher, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return { rss: Number(/MAXRSS_KB (\d+)/.exec(r.stderr)![1]) * 1024, stdout: r.stdout };
}

describe('streamed inference memory', () => {
  it(`recur eval on ${SIZE / 1e6} MB runs in a ${HEAP_MB} MB heap and grows the peak RSS by at most ${MAX_GROWTH / 1e6} MB over 2 MB`, () => {
    const model = join(dir, 'm.safetensors');
    const small = run(['eval', model, join(dir, 'small.txt'), '--json', '--threads', '2']);
    const big = run(['eval', model, join(dir, 'big.txt'), '--json', '--threads', '2']);
    const e = JSON.parse(big.stdout);
    expect(e.tokens).toBeGreaterThan(SIZE / 5); // it read the whole file
    console.log(`eval peak RSS: ${(small.rss / 1e6).toFixed(0)} MB on the small file, ${(big.rss / 1e6).toFixed(0)} MB on ${SIZE / 1e6} MB`);
    expect(big.rss - small.rss).toBeLessThan(MAX_GROWTH);
  }, 180_000);
});
