/**
 * recur train on a token store, as a user runs it: it trains, its checkpoint
 * records the store (not its data) and resumes from it; a store changed since
 * then, a shard truncated or altered after preparation, a manifest of a newer
 * format are refused before training with an exit code and one line. A large
 * text is prepared into a temporary store (the threshold lowered to a few
 * bytes here), trained on like the same text in memory, and removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { readCheckpoint } from '../../src/cli/resume.js';
import { formatDuration } from '../../src/cli/common.js';
import { epochText, etaMs, progressFraction } from '../../src/cli/ui/status.js';
import { loadModel } from '../../src/model/model-file.js';
import { tempDir, writeFiles } from '../helpers/store.js';

const dir = tempDir('train-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The CLI in this process, with output captured and an environment of our own. */
async function recur(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readStdin: async () => '', stdinIsTTY: false, env: { NO_COLOR: '1', ...env }, cwd: process.cwd(),
    exit: (code: number): never => {
      throw new Error(`the CLI asked to exit at once with ${code}`);
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const names = ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena', 'mona', 'nils', 'olga', 'pia'];
const text = Array.from({ length: 10 }, (_, r) => names.map((n, i) => n + 'xyz'.slice(0, (i + r) % 4)).join('\n')).join('\n') + '\n';
const [corpus] = writeFiles(dir, { 'names.txt': text });
const SMALL = ['--hidden', '8', '--embed', '4', '--batch', '4', '--seq-len', '8', '--samples', '0', '--kernels', 'reference', '--threads', '1'];
let n = 0;
const next = (ext: string): string => path.join(dir, `f${n++}${ext}`);
const lastLine = (s: string): string => s.trim().split('\n').at(-1)!;

async function prepare(extra: string[] = []): Promise<string> {
  const out = next('.recur');
  const r = await recur(['prepare', corpus, '-o', out, '--shard-tokens', '50', '-q', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('recur train NAME.recur', () => {
  it('trains, records the store in its checkpoint, and resumes from it to the same model as a run left alone', async () => {
    const store = await prepare(['--val-frac', '0.2']);
    const alone = next('.safetensors'), half = next('.safetensors');
    const val = ['--eval-every', '4', '--val-tokens', '40'];
    expect((await recur(['train', store, ...SMALL, '--steps', '12', ...val, '-o', alone])).code).toBe(0);
    const first = await recur(['train', store, ...SMALL, '--steps', '5', ...val, '-o', half]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/\(token store\): .* training tokens/);
    expect(first.stderr).toMatch(/validation every 4 steps on [1-4]\d of the 200 validation tokens/);
    const ck = readCheckpoint(half + '.ckpt');
    expect(ck.record.corpus).toEqual([]);
    expect(ck.record.store?.path).toBe(path.resolve(store));
    expect(ck.record.store?.id).toMatch(/^[0-9a-f]{64}$/);
    // small: the identity, not the data
    expect(fs.statSync(half + '.ckpt').size).toBeLessThan(40_000);
    const resumed = await recur(['train', '--resume', half + '.ckpt', '--steps', '12']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = loadModel(fs.readFileSync(alone)), b = loadModel(fs.readFileSync(half));
    expect(Buffer.from(b.params.buffer)).toEqual(Buffer.from(a.params.buffer));
    expect(a.info.corpus).toEqual([path.basename(store)]);
  });

  it('a store prepared again since the checkpoint: refused, saying what changed', async () => {
    const store = await prepare(['--val-frac', '0.2']);
    const model = next('.safetensors');
    expect((await recur(['train', store, ...SMALL, '--steps', '3', '-o', model])).code).toBe(0);
    const again = await recur(['prepare', corpus, '-o', store, '--val-frac', '0.3', '--force', '-q']);
    expect(again.code).toBe(0);
    const r = await recur(['train', '--resume', model + '.ckpt', '--steps', '6']);
    expect(r.code, r.stderr).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^recur: the token store .* has changed since the checkpoint was written: its shard train-\d+\.bin .*; resume with the store the run was trained on$/);
  });

  it('a shard truncated, or altered, after preparation: refused before training', async () => {
    for (const damage of ['truncate', 'alter'] as const) {
      const store = await prepare();
      const shard = path.join(store, 'train-00001.bin');
      const b = fs.readFileSync(shard);
      if (damage === 'truncate') fs.writeFileSync(shard, b.subarray(0, b.length - 2));
      else {
        b[0] ^= 1;
        fs.writeFileSync(shard, b);
        const later = new Date(Date.now() + 5000);
        fs.utimesSync(shard, later, later);
      }
      const model = next('.safetensors');
      const r = await recur(['train', store, ...SMALL, '--steps', '2', '-o', model]);
      expect(r.code).toBe(1);
      const want = damage === 'truncate' ? /train-00001\.bin of the token store .* is \d+ bytes, the manifest says \d+: it was truncated or altered after preparation; prepare the store again$/
        : /train-00001\.bin of the token store .* does not match its checksum: it was altered after preparation; prepare the store again$/;
      expect(lastLine(r.stderr)).toMatch(want);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(model)).toBe(false);
    }
  });

  it('a manifest of a newer format: refused, saying to upgrade', async () => {
    const store = await prepare();
    const m = path.join(store, 'manifest.json');
    fs.writeFileSync(m, fs.readFileSync(m, 'utf8').replace('"recur-tokens/1"', '"recur-tokens/2"'));
    const r = await recur(['train', store, ...SMALL, '--steps', '2', '-o', next('.safetensors')]);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/was written in a newer format \(recur-tokens\/2\) than this recur reads \(recur-tokens\/1\); upgrade recur$/);
  });

  it('options the store decides: the same value is fine, another is a usage error; --val and a second input are refused', async () => {
    const store = await prepare(['--level', 'word']);
    expect((await recur(['train', store, ...SMALL, '--level', 'word', '--steps', '1', '-o', next('.safetensors')])).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['--level', 'char'], /--level char disagrees with the token store .* prepared with level word; leave it out, or prepare the store again/],
      [['--val', corpus], /--val does not go with a token store/],
      [[corpus], /is a token store: train on it alone/],
    ];
    for (const [extra, want] of cases) {
      const r = await recur(['train', store, ...SMALL, '--steps', '1', ...extra, '-o', next('.safetensors')]);
      expect(r.code, r.stderr).toBe(2);
      expect(lastLine(r.stderr)).toMatch(want);
    }
  });
});

describe('recur train on a large text', () => {
  const env = { RECUR_IN_MEMORY_MAX_BYTES: '100' };

  it('goes through a temporary store (with a progress line) to the model the text in memory gives, and leaves nothing behind; it resumes', async () => {
    const out = path.join(tempDir('train-cli-big'), 'm.safetensors');
    const inMemory = next('.safetensors');
    expect((await recur(['train', corpus, ...SMALL, '--steps', '9', '-o', inMemory])).code).toBe(0);
    const r = await recur(['train', corpus, ...SMALL, '--steps', '9', '-o', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/preparing .*names\.txt \(large text: read from disk while training\): .*MB\/s, ETA/);
    expect(Buffer.from(loadModel(fs.readFileSync(out)).params.buffer)).toEqual(Buffer.from(loadModel(fs.readFileSync(inMemory)).params.buffer));
    expect(fs.readdirSync(path.dirname(out)).sort()).toEqual(['m.safetensors', 'm.safetensors.ckpt']);
    // the checkpoint records the text, as for any text run, and resumes through a new temporary store
    expect(readCheckpoint(out + '.ckpt').record.corpus.map((c) => c.path)).toEqual([corpus]);
    const more = await recur(['train', '--resume', out + '.ckpt', '--steps', '12'], env);
    expect(more.code, more.stderr).toBe(0);
    expect(fs.readdirSync(path.dirname(out)).sort()).toEqual(['m.safetensors', 'm.safetensors.ckpt']);
  });

  it('--running-text: the end of the text validates, in memory, through a temporary store and from recur prepare --running-text alike', async () => {
    const args = [...SMALL, '--running-text', '--val-frac', '0.2', '--steps', '6', '--eval-every', '3'];
    const inMemory = next('.safetensors'), temporary = next('.safetensors'), fromStore = next('.safetensors');
    const mem = await recur(['train', corpus, ...args, '-o', inMemory]);
    expect(mem.code, mem.stderr).toBe(0);
    const tmp = await recur(['train', corpus, ...args, '-o', temporary], env);
    expect(tmp.code, tmp.stderr).toBe(0);
    const store = await prepare(['--running-text', '--val-frac', '0.2']);
    expect((await recur(['info', store])).stdout).toMatch(/validation +\d+ tokens .*; the end of each file \(running text\)/);
    const st = await recur(['train', store, ...args.filter((a, i) => a !== '--val-frac' && args[i - 1] !== '--val-frac'), '-o', fromStore]);
    expect(st.code, st.stderr).toBe(0);
    const params = (f: string): Buffer => Buffer.from(loadModel(fs.readFileSync(f)).params.buffer);
    expect(params(temporary)).toEqual(params(inMemory));
    expect(params(fromStore)).toEqual(params(inMemory));
    // a store that holds every fifth line out cannot validate a running text: one line that says what to do
    const spread = await prepare(['--val-frac', '0.2']);
    const bad = await recur(['train', spread, ...SMALL, '--running-text', '--steps', '2', '-o', next('.safetensors')]);
    expect(bad.code).toBe(2);
    expect(lastLine(bad.stderr)).toMatch(/^recur: --running-text reads the training text in order, and the token store .* holds every n-th sequence out for validation: prepare it again with --running-text \(the end of each file held out\) or give --val$/);
  });

  it('a text that fails to prepare: one line, no temporary store left', async () => {
    const d = tempDir('train-cli-bad');
    const [bad] = writeFiles(d, { 'bad.txt': Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28]), Buffer.from(text)]) });
    const r = await recur(['train', bad, ...SMALL, '--steps', '2', '-o', path.join(d, 'm.safetensors')], env);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/not valid UTF-8|invalid UTF-8|replace-invalid/);
    expect(fs.readdirSync(d)).toEqual(['bad.txt']);
  });
});

describe('a run whose epoch takes days', () => {
  it('shows the epoch to four decimals while under a tenth, and an ETA in days', () => {
    expect(epochText(0.00123)).toBe('0.0012');
    expect(epochText(0.5)).toBe('0.50');
    expect(epochText(0)).toBe('0.00');
    // 306,803 steps per epoch (702 MB of text at 32×64), 50 epochs, 100 steps done in 20 s
    const fraction = progressFraction({ epochs: 50 }, 100, 100 / 306_803, 20_000, 306_803)!;
    expect(formatDuration(etaMs(20_000, fraction)!)).toBe('35d12h');
    expect(formatDuration(47 * 3600_000)).toBe('47h00m');
  });
});
