/**
 * recur score and recur eval without --threads: a small input is scored on one
 * thread (starting a worker costs more than it saves there), a larger one on
 * every core; --threads always wins. The sessions the commands open are watched
 * through the library entry they use.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recur } from '../helpers/cli.js';
import { ONE_THREAD_MAX_BYTES, inputBytes, threadsFor } from '../../src/cli/common.js';
import { LanguageModel } from '../../src/model/model.js';
import { modelConfig } from '../../src/model/config.js';
import { saveModel } from '../../src/model/model-file.js';
import { Vocab } from '../../src/data/vocab.js';
import { Rng } from '../../src/core/rng.js';

const opened: (number | undefined)[] = [];
vi.mock('../../src/index.js', async (actual) => {
  const lib = await actual<typeof import('../../src/index.js')>();
  return { ...lib, openSession: (m: Parameters<typeof lib.openSession>[0], o: Parameters<typeof lib.openSession>[1]) => (opened.push(o?.threads), lib.openSession(m, o)) };
});

const dir = mkdtempSync(join(tmpdir(), 'recur-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = join(dir, 'm.safetensors');
writeFileSync(model, saveModel(LanguageModel.create(modelConfig({ level: 'char', cell: 'gru', embed: 4, hidden: 8, layers: 1 }), new Vocab(['<eos>', '<unk>', 'a', 'b']), new Rng(1))));
const small = join(dir, 'small.txt'), large = join(dir, 'large.txt');
writeFileSync(small, 'ab\nba\n');
writeFileSync(large, 'abba\n'.repeat(Math.ceil((ONE_THREAD_MAX_BYTES + 1) / 5)));

describe('threads for scoring, when --threads is left out', () => {
  it('one for at most ONE_THREAD_MAX_BYTES bytes, else every core; a pipe counts as large', () => {
    expect(threadsFor(undefined, ONE_THREAD_MAX_BYTES)).toBe(1);
    expect(threadsFor(undefined, ONE_THREAD_MAX_BYTES + 1)).toBeUndefined();
    expect(threadsFor(3, 10)).toBe(3);
    expect(inputBytes(large)).toBeGreaterThan(ONE_THREAD_MAX_BYTES);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(inputBytes(fifo)).toBe(Infinity);
  });

  it('recur score: sentences, a small file or standard input on one thread; a large file on every core; --threads as given', async () => {
    const runs: [string[], string, number | undefined][] = [
      [['score', model, 'ab', 'ba'], '', 1],
      [['score', model, '--file', small], '', 1],
      [['score', model], 'ab\nba\n', 1],
      [['score', model, '--file', large, '--format', 'srilm'], '', undefined],
      [['score', model], 'abba\n'.repeat(1000), undefined],
      [['score', model, 'ab', '--threads', '2'], '', 2],
    ];
    for (const [args, stdin, want] of runs) {
      opened.length = 0;
      const r = await recur(args, stdin);
      expect(r.code, r.stderr).toBe(0);
      expect(opened, args.join(' ')).toEqual([want]);
    }
  });

  it('recur eval: a small file on one thread, a large one on every core, --threads as given', async () => {
    for (const [args, want] of [[[small], 1], [[large], undefined], [[small, '--threads', '2'], 2]] as const) {
      opened.length = 0;
      const r = await recur(['eval', model, ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(opened).toEqual([want]);
    }
  });
});
