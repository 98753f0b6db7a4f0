/**
 * Atomic writes.
 *
 * The crash test needs a separate process to kill, and that process cannot run
 * TypeScript. Rather than trusting a dist/ that may be stale, beforeAll
 * compiles src/ with the project's own tsc into a fresh directory under
 * node_modules/.cache (inside the project, so that the compiled modules still
 * resolve their dependencies such as seedrandom), about 2–3 s. The child,
 * test/fixtures/atomic-child.mjs, is plain JS that imports the compiled
 * atomic-write and model-file modules and saves two different multi-megabyte
 * models to the same path alternately until it is killed. The parent SIGKILLs
 * it at random moments and after each kill checks that the path holds a file
 * that loads and equals one of the two models exactly.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecurError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import type { LanguageModel } from '../../src/model/model.js';
import { LanguageModel as LM } from '../../src/model/model.js';
import { writeError, writeFileAtomic, writeFileAtomicSync } from '../../src/node/atomic-write.js';
import { modelConfig } from '../../src/model/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const child = path.join(root, 'test/fixtures/atomic-child.mjs');

const MIN_KILLS = 50;
const MAX_KILLS = 80;
const TIME_BUDGET_MS = 20_000;

let work: string;
let build: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-atomic-'));
  build = path.join(root, 'node_modules/.cache', `recur-atomic-test-${process.pid}`);
  fs.rmSync(build, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'),
    '--outDir', build, '--declaration', 'false', '--sourceMap', 'false'], { stdio: 'pipe' });
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (build) fs.rmSync(build, { recursive: true, force: true });
});

function bigModel(seed: number): LanguageModel {
  const tokens = ['<eos>', '<unk>', ...Array.from({ length: 60 }, (_, i) => String.fromCharCode(33 + i))];
  // 2-layer LSTM, H = 256: about 0.9 M parameters, a 3.6 MB file
  const cfg = modelConfig({ level: 'char', cell: 'lstm', embed: 64, hidden: 256, layers: 2 });
  return LM.create({ ...cfg }, new Vocab(tokens), new Rng(seed));
}

function sameParams(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('writeFileAtomic', () => {
  it('writes, replaces and leaves no temporary files (async and sync)', async () => {
    const target = path.join(work, 'plain.bin');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(target)]).toEqual([1, 2, 3]);
    writeFileAtomicSync(target, new Uint8Array([4, 5]));
    expect([...fs.readFileSync(target)]).toEqual([4, 5]);
    await writeFileAtomic(target, new Uint8Array(0));
    expect(fs.readFileSync(target).length).toBe(0);
    expect(fs.readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reports a missing directory as an input error naming the path', async () => {
    const target = path.join(work, 'no-such-dir', 'm.safetensors');
    for (const run of [() => writeFileAtomic(target, new Uint8Array(4)), async () => writeFileAtomicSync(target, new Uint8Array(4))]) {
      const e = await run().then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(RecurError);
      expect((e as RecurError).kind).toBe('input');
      expect((e as RecurError).message).toContain(target);
      expect((e as RecurError).message).toMatch(/does not exist; create it/);
      expect((e as RecurError).message).not.toContain('\n');
    }
  });

  it('refuses to replace a directory and removes its temporary file', async () => {
    const target = path.join(work, 'a-directory');
    fs.mkdirSync(target);
    for (const run of [() => writeFileAtomic(target, new Uint8Array(4)), async () => writeFileAtomicSync(target, new Uint8Array(4))]) {
      const e = await run().then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(RecurError);
      expect((e as RecurError).kind).toBe('input');
      expect((e as RecurError).message).toContain(target);
    }
    expect(fs.readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('maps permission, space and missing-directory failures to one-line messages', () => {
    // root ignores file modes, so the mapping is checked on the errors themselves
    const cases: [string, RegExp][] = [['EACCES', /permission denied/], ['ENOSPC', /disk is full|no space/i], ['ENOENT', /folder \/x does not exist/]];
    for (const [code, re] of cases) {
      const e = writeError('/x/m.bin', Object.assign(new Error(code), { code }));
      expect(e.kind).toBe('input');
      expect(e.message).toMatch(re);
      expect(e.message.split('\n').length).toBe(1);
    }
  });

  interface KillStats { kills: number; saves: number; torn: number; strayTemps: number; sawA: number; sawB: number; ms: number }

  /** Spawn writers and SIGKILL them at random moments, checking the file after each kill. */
  async function killLoop(modes: string[], minKills: number, maxKills: number, budgetMs: number, stopOnTorn = false): Promise<KillStats> {
    const a = bigModel(1), b = bigModel(2);
    const fileA = path.join(work, 'A.safetensors'), fileB = path.join(work, 'B.safetensors');
    fs.writeFileSync(fileA, saveModel(a));
    fs.writeFileSync(fileB, saveModel(b));
    const target = path.join(work, 'model.safetensors');
    fs.copyFileSync(fileA, target);

    const rng = new Rng(`atomic-kill-${modes.join()}`);
    const start = Date.now();
    const s: KillStats = { kills: 0, saves: 0, torn: 0, strayTemps: 0, sawA: 0, sawB: 0, ms: 0 };
    while (s.kills < maxKills && (s.kills < minKills || Date.now() - start < budgetMs)) {
      const mode = modes[s.kills % modes.length];
      const proc = spawn(process.execPath, [child, build, target, fileA, fileB, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
      // wait until the child is saving, then let it run for a random time (a few saves at most)
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (out.includes('ready')) {
            clearInterval(timer);
            resolve();
          } else if (proc.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`child exited early: ${err}`));
          }
        }, 1);
      });
      await new Promise((r) => setTimeout(r, rng.uniform(0, 80)));
      proc.kill('SIGKILL');
      await exited;
      s.kills++;
      s.saves += (out.match(/s\n/g) ?? []).length;

      for (const f of fs.readdirSync(work)) {
        if (f.startsWith('.model.safetensors.tmp-')) {
          s.strayTemps++;
          fs.rmSync(path.join(work, f));
        }
      }
      let loaded: LanguageModel | null = null;
      try {
        loaded = loadModel(fs.readFileSync(target), target);
      } catch {
        /* torn */
      }
      if (loaded && sameParams(loaded.params, a.params)) s.sawA++;
      else if (loaded && sameParams(loaded.params, b.params)) s.sawB++;
      else {
        s.torn++;
        if (stopOnTorn) break;
      }
    }
    s.ms = Date.now() - start;
    return s;
  }

  it(`never leaves a torn model file when the writer is SIGKILLed (≥ ${MIN_KILLS} kill points)`, async () => {
    const s = await killLoop(['async', 'sync'], MIN_KILLS, MAX_KILLS, TIME_BUDGET_MS);
    console.log(`atomic write: ${s.kills} kill points, ${s.saves} completed saves, ${s.strayTemps} kills mid-write (stray temp files), A ${s.sawA} / B ${s.sawB}, torn ${s.torn}, ${s.ms} ms`);
    expect(s.torn).toBe(0);
    expect(s.kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(s.sawA + s.sawB).toBe(s.kills);
    // the kills must actually land inside writes for the test to mean anything
    expect(s.strayTemps).toBeGreaterThan(0);
    expect(s.sawB).toBeGreaterThan(0);
    // ~20 s on an idle 2-core machine; each kill point spawns a process, which a busy machine slows down
  }, 240_000);

  it('control: the same kills do tear a plain fs.writeFileSync (so the test above can see tearing)', async () => {
    // it stops at the first torn file (a few kill points when the machine is idle; more when it is busy)
    const s = await killLoop(['direct'], 1, 200, 60_000, true);
    console.log(`atomic write control (plain writeFileSync): torn after ${s.kills} kill points`);
    expect(s.torn).toBeGreaterThan(0);
  }, 240_000);
});
