/**
 * Faults met inside a preparation cut into many units over several threads:
 * a file that looks binary only far into it (after its first units ran), a
 * NUL after an ill-formed byte (binary wins, as in readText), an ill-formed
 * byte in a later range of a file (also where the threads first count lines
 * on the bytes), bytes replaced, an abort, and a write that fails half way
 * through a shard. Each gives what one thread reading whole files gives, and
 * a failure leaves nothing behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRecurError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { readText } from '../../src/node/files.js';
import { prepareStore, type PrepareOptions } from '../../src/store/prepare.js';
import { randomBytes } from '../helpers/random-text.js';
import { OPTS, entries, storeFiles, tempDir, writeFiles } from '../helpers/store.js';

const dir = tempDir('store-faults');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const text = 'one line of text\nanother line\n\nand a third\n'.repeat(40);
const [good1, good2] = writeFiles(dir, { 'good1.txt': text, 'good2.txt': text.toUpperCase() });
let n = 0;
const out = (): string => path.join(dir, `s${n++}.recur`);
const RUNS = [{ threads: 1 }, { threads: 2 }, { threads: 3 }].map((r) => ({ ...r, rangeBytes: 100, chunkBytes: 7 }));

describe('faults inside a preparation cut into units', () => {
  it('a file with a NUL far into it is skipped whole: the store is the one without it, for any thread count', async () => {
    const late = writeFiles(dir, { 'late.bin': Buffer.concat([Buffer.from(text), Buffer.from([0]), Buffer.from(text)]) })[0];
    // with a validation fraction the threads scan first; without one they count first
    for (const valFrac of [0.3, 0]) {
      const want = storeFiles(await prepareStorePlain([good1, good2], valFrac));
      for (const run of RUNS) {
        const skipped: string[] = [];
        const o = out();
        await prepareStore([good1, late, good2], { ...OPTS, valFrac }, { output: o, ...run, onSkip: (s) => skipped.push(`${path.basename(s.path)}: ${s.reason}`) });
        expect(skipped).toEqual([`late.bin: looks binary (a NUL byte at offset ${text.length})`]);
        const got = storeFiles(o), m = JSON.parse(got['manifest.json']);
        expect(m.skipped).toEqual([{ path: late, reason: `looks binary (a NUL byte at offset ${text.length})` }]);
        expect(m.sources.map((s: { path: string }) => s.path)).toEqual([good1, good2]);
        // the same streams and vocabulary as without the file
        for (const k of Object.keys(want)) if (k !== 'manifest.json') expect(got[k], `${k} ${JSON.stringify(run)}`).toBe(want[k]);
        expect({ ...m, skipped: [], sources: [] }).toEqual({ ...JSON.parse(want['manifest.json']), skipped: [], sources: [] });
      }
    }
  });

  it('a small file in one unit with the start of a file whose NUL comes in a later unit: the small file still counts', async () => {
    const [small, late, after] = writeFiles(dir, {
      'small.txt': 'a short file\nof two lines\n',
      'late2.bin': Buffer.concat([Buffer.from(text), Buffer.from([0]), Buffer.from(text)]),
      'after.txt': Array.from({ length: 12 }, (_, i) => `line ${i} after it\n`).join(''),
    });
    for (const valFrac of [0.3, 0]) {
      const want = storeFiles(await prepareStorePlain([small, after], valFrac));
      for (const run of RUNS) {
        const o = out();
        const m = await prepareStore([small, late, after], { ...OPTS, valFrac }, { output: o, ...run });
        expect(m.skipped).toEqual([{ path: late, reason: `looks binary (a NUL byte at offset ${text.length})` }]);
        const got = storeFiles(o);
        for (const k of Object.keys(want)) if (k !== 'manifest.json') expect(got[k], `${k} ${valFrac} ${JSON.stringify(run)}`).toBe(want[k]);
      }
    }
  });

  it('a NUL after an ill-formed byte: the file looks binary (skipped), as readText says', async () => {
    const [f] = writeFiles(dir, { 'both.txt': Buffer.concat([Buffer.from(text), Buffer.from([0xff]), Buffer.from(text), Buffer.from([0])]) });
    expect(() => readText(f)).toThrow('looks binary');
    for (const run of RUNS) {
      const m = await prepareStore([good1, f], OPTS, { output: out(), ...run });
      expect(m.skipped.map((s) => s.path)).toEqual([f]);
    }
  });

  it('an ill-formed byte in a later range of a file: readText\'s message, for any thread count, nothing left', async () => {
    const [f] = writeFiles(dir, { 'bad.txt': Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28]), Buffer.from(text)]) });
    const want = readTextError(f);
    expect(want).toContain(`byte 0xc3 at offset ${text.length}`);
    for (const run of RUNS) {
      const o = out();
      await expect(prepareStore([good1, f, good2], OPTS, { output: o, ...run })).rejects.toThrow(want);
      expect(entries(dir).filter((e) => e.includes(path.basename(o)))).toEqual([]);
    }
  });

  it('with a validation fraction (the threads count lines on the bytes first): bad bytes replaced give the store of one thread, and a strict run readText\'s message', async () => {
    const rng = new Rng(21);
    const bytes = Array.from({ length: 3 }, () => Buffer.from(randomBytes(rng, 600, 0.03)));
    const files = writeFiles(dir, { 'r1.txt': bytes[0], 'r2.txt': bytes[1], 'r3.txt': bytes[2] });
    for (const level of ['char', 'word'] as const) {
      const o: PrepareOptions = { ...OPTS, level, valFrac: 0.3, replaceInvalid: true };
      const first = out();
      await prepareStore(files, o, { output: first, threads: 1 });
      const want = storeFiles(first);
      for (const run of RUNS) {
        const got = out();
        await prepareStore(files, o, { output: got, ...run });
        expect(storeFiles(got), `${level} ${JSON.stringify(run)}`).toEqual(want);
      }
    }
    const [f] = writeFiles(dir, { 'bad-val.txt': Buffer.concat([Buffer.from(text), Buffer.from([0xe2, 0x80, 0x20]), Buffer.from(text)]) });
    const want = readTextError(f);
    expect(want).toContain(`byte 0xe2 at offset ${text.length}`);
    for (const run of RUNS) await expect(prepareStore([good1, f], { ...OPTS, valFrac: 0.3 }, { output: out(), ...run })).rejects.toThrow(want);
  });

  it('an abort stops it with an "aborted" error and removes the temporary folder', async () => {
    for (const run of RUNS) {
      const o = out(), ac = new AbortController();
      const p = prepareStore([good1, good2], OPTS, { output: o, ...run, chunkBytes: 1, signal: ac.signal, onProgress: () => ac.abort() });
      const e = await p.then(() => null, (x: unknown) => x);
      expect(isRecurError(e) && e.kind === 'aborted', String(e)).toBe(true);
      expect((e as Error).message).toBe('preparation interrupted; no store was written');
      expect(entries(dir).filter((x) => x.includes(path.basename(o)))).toEqual([]);
    }
  });

  for (const code of ['ENOSPC', 'EACCES'] as const) {
    it(`a write that fails half way through a shard (${code}): one line naming the store, nothing left`, async () => {
      for (const run of RUNS) {
        const o = out();
        let budget = 300; // bytes written before the disk "fills"
        const failing = {
          ...fs,
          writeSync: ((fd: number, b: Uint8Array, off?: number, len?: number) => {
            const want = len ?? b.length;
            if (budget <= 0) throw Object.assign(new Error(code), { code });
            const k = Math.min(want, budget);
            budget -= k;
            return fs.writeSync(fd, b, off ?? 0, k);
          }) as typeof fs.writeSync,
        };
        const why = code === 'ENOSPC' ? 'the disk is full (or the quota exceeded); free some space and try again'
          : `permission denied; choose a writable location or change the permissions of ${dir}`;
        await expect(prepareStore([good1, good2], OPTS, { output: o, ...run, fs: failing })).rejects.toThrow(`cannot write ${o}: ${why}`);
        expect(entries(dir).filter((e) => e.includes(path.basename(o)))).toEqual([]);
      }
    });
  }
});

function prepareStorePlain(files: string[], valFrac: number): Promise<string> {
  const o = out();
  return prepareStore(files, { ...OPTS, valFrac }, { output: o }).then(() => o);
}

/** The message readText gives for a file (one that is not UTF-8). */
function readTextError(f: string): string {
  try {
    readText(f, { role: 'corpus' });
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}
