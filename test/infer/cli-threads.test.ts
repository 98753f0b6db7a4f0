/**
 * The commands' --threads changes nothing they print (recur eval, recur score
 * --file, recur sample), and their progress line goes to standard error only,
 * only when asked or on a terminal, and is cleared when the file is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recur } from '../helpers/cli.js';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { saveModel } from '../../src/model/model-file.js';
import { ReadProgress, progressOn } from '../../src/cli/ui/read-progress.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', '.'];
let dir: string, model: string, text: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recur-cli-threads-'));
  const rng = new Rng(3);
  const m = LanguageModel.create(modelConfig({ level: 'word', cell: 'lstm', embed: 6, hidden: 10, layers: 1, split: 'lines' }), new Vocab(['<eos>', '<unk>', ...WORDS]), rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] += rng.normal();
  model = join(dir, 'm.safetensors');
  writeFileSync(model, saveModel(m));
  const lines = Array.from({ length: 500 }, (_, i) => Array.from({ length: 1 + (i % 13) }, (_, j) => (i * j) % 17 === 3 ? 'zebra' : WORDS[(i + 7 * j) % WORDS.length]).join(' '));
  text = join(dir, 'text.txt');
  writeFileSync(text, lines.join('\n') + '\n\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--threads', () => {
  for (const args of [['eval', '%m', '%t', '--json'], ['eval', '%m', '%t'], ['score', '%m', '-f', '%t', '--json'], ['score', '%m', '-f', '%t', '--format', 'kenlm'], ['sample', '%m', '-n', '3']]) {
    it(`recur ${args.join(' ')}: the same output on 1, 2 and 3 threads`, async () => {
      const a = args.map((x) => (x === '%m' ? model : x === '%t' ? text : x));
      const runs = await Promise.all([1, 2, 3].map((t) => recur([...a, '--threads', String(t)])));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(runs[0].stdout.length).toBeGreaterThan(50);
      expect(runs[1].stdout).toBe(runs[0].stdout);
      expect(runs[2].stdout).toBe(runs[0].stdout);
    });
  }

  it('is checked like every option', async () => {
    const r = await recur(['eval', model, text, '--threads', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--threads must be an integer ≥ 1|--threads must be/);
  });
});

describe('the progress line', () => {
  it('is drawn on standard error when on, with MB/s and the time left, and cleared at the end', () => {
    let err = '';
    const p = new ReadProgress({ write: (s: string) => (err += s) }, 'big.txt', true, 0);
    p.update(5_000_000, 20_000_000);
    expect(err).toMatch(/^\r\x1b\[Kbig\.txt: 5\.0 MB of 20\.0 MB \(25\.0%\), [\d.]+ MB\/s, .+ left$/);
    p.done();
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    let quiet = '';
    const q = new ReadProgress({ write: (s: string) => (quiet += s) }, 'big.txt', false, 0);
    q.update(1, 2);
    q.done();
    expect(quiet).toBe('');
  });

  it('is on for terminals unless the output is JSON, and when asked', () => {
    const tty = { write: () => 0, isTTY: true }, pipe = { write: () => 0, isTTY: false };
    expect(progressOn(undefined, false, tty, tty)).toBe(true);
    expect(progressOn(undefined, true, tty, tty)).toBe(false);
    expect(progressOn(undefined, false, pipe, tty)).toBe(false);
    expect(progressOn(undefined, false, tty, pipe)).toBe(false);
    expect(progressOn(true, true, pipe, pipe)).toBe(true);
  });

  it('never reaches standard output of recur eval --progress (and stderr holds no line once done)', async () => {
    const r = await recur(['eval', model, text, '--json', '--progress']);
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr.replace(/\r\x1b\[K[^\r]*/g, '')).toBe('');
  });
});
