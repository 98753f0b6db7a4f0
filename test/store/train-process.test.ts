/**
 * `recur train` as a real child process, from a store and from a large text.
 *
 * Memory: training from a token store needs memory for the model, the batch and fixed
 * buffers, not for the corpus: `recur train STORE` (a real child process, peak
 * RSS from process.resourceUsage) on a store ten times larger peaks within a
 * few megabytes of the smaller one (the shuffle blocks' offsets grow until
 * 2¹⁸ blocks, 2 MB; the validation pass is capped by valTokens). The same text
 * in memory would take about 4.5 bytes per corpus byte (test/data/memory.test.ts).
 *
 * Ctrl-C with a temporary store (a large text, the threshold lowered to a few
 * bytes by RECUR_IN_MEMORY_MAX_BYTES): during its preparation the run stops
 * with 130 and leaves nothing beside the model path; during training it stops
 * with 130 after writing its checkpoint and model, and the store is gone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
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

function textOf(bytes: number, file: string): string {
  const source = readFileSync(join(root, 'corpora/dinos.txt'));
  const fd = openSync(file, 'w');
  for (let n = 0; n < bytes; n += source.length) writeSync(fd, source);
  closeSync(fd);
  return file;
}

async function storeOf(bytes: number): Promise<string> {
  const file = textOf(bytes, join(dir, `c${bytes}.txt`));
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

/** `recur train` on a text with the temporary-store threshold at 100 bytes; SIGINT once `ready` matches its output. */
function interrupt(text: string, outDir: string, ready: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [build.launcher, 'train', text, '--hidden', '16', '--embed', '8', '--early-stop', '0', '--steps', '1000000',
      '--samples', '0', '--json', '-o', join(outDir, 'm.safetensors')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RECUR_IN_MEMORY_MAX_BYTES: '100' } });
    let out = '', sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no progress: ${out}`));
    }, 60_000);
    const look = (d: Buffer): void => {
      out += d.toString();
      if (!sent && ready.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: out });
    });
  });
}

describe('Ctrl-C with a temporary store', () => {
  it('during its preparation: exit 130, one line, nothing left beside the model path', async () => {
    const outDir = join(dir, 'int-prepare');
    mkdirSync(outDir);
    const text = textOf(20_000_000, join(dir, 'prep.txt'));
    const r = await interrupt(text, outDir, /"type":"progress"/);
    rmSync(text);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('recur: interrupted while preparing the corpus; nothing was trained or written');
    expect(readdirSync(outDir)).toEqual([]);
  }, 90_000);

  it('during training: exit 130 with the checkpoint and the model written, and the store removed', async () => {
    const outDir = join(dir, 'int-train');
    mkdirSync(outDir);
    const text = textOf(300_000, join(dir, 'train.txt'));
    const r = await interrupt(text, outDir, /"type":"step"/);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/recur: interrupted at step \d+; checkpoint written to/);
    expect(readdirSync(outDir).sort()).toEqual(['m.safetensors', 'm.safetensors.ckpt']);
  }, 90_000);
});
