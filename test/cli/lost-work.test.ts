/**
 * No run, rerun or failure silently replaces what the user had: an unfinished
 * run's checkpoint is refused (--resume or --force), a diverged run leaves an
 * existing model alone and writes its own beside it, and every output path is
 * checked before the first step. Also what a finished run prints: samples as
 * JSON events, and samples of running text (split none) kept apart.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { recur } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-lost-'));
const corpus = join(dir, 'names.txt');
writeFileSync(corpus, ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon'].join('\n').repeat(8) + '\n');
const small = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--kernels', 'reference', '--samples', '0'];

/** Rewrite how a checkpoint's run record says its run stands (as a killed or interrupted run leaves it). */
function setStatus(path: string, status: string | undefined): void {
  const f = readSafetensors(readFileSync(path));
  const run = JSON.parse(f.metadata.run);
  if (status === undefined) delete run.status;
  else run.status = status;
  writeFileSync(path, writeSafetensors([...f.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), { ...f.metadata, run: JSON.stringify(run) }));
}

describe('a new run and an earlier run\'s checkpoint', () => {
  it('replaces a finished run\'s checkpoint, and says so', async () => {
    const out = join(dir, 'fin.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '3', '-o', out])).code).toBe(0);
    const r = await recur(['train', corpus, ...small, '--steps', '4', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: replacing the checkpoint of a finished run (step 3) in ${out}.ckpt`);
  });

  for (const status of ['running', 'interrupted', undefined]) {
    it(`refuses to replace a ${status ?? 'recur-ckpt/1-era (no status)'} run's checkpoint; --force starts over`, async () => {
      const out = join(dir, `unfinished-${status}.safetensors`);
      expect((await recur(['train', corpus, ...small, '--steps', '3', '-o', out])).code).toBe(0);
      setStatus(out + '.ckpt', status);
      const before = readFileSync(out + '.ckpt');
      const r = await recur(['train', corpus, ...small, '--steps', '5', '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`recur: ${out}.ckpt holds an unfinished run (step 3); continue it with npx recur train --resume ${out}.ckpt, or start over with --force\n`);
      expect(readFileSync(out + '.ckpt').equals(before)).toBe(true);
      const forced = await recur(['train', corpus, ...small, '--steps', '5', '--force', '-o', out]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toContain('note: starting over');
      expect(readFileSync(out + '.ckpt').equals(before)).toBe(false);
    });
  }
});

describe('a run that diverges', () => {
  it('leaves the model that was at -o alone and writes its own beside it', async () => {
    const out = join(dir, 'keep.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '4', '-o', out])).code).toBe(0);
    const good = readFileSync(out);
    const r = await recur(['train', corpus, ...small, '--optimizer', 'sgd', '--lr', '1000', '--clip', '0', '--steps', '30', '--force', '-o', out]);
    expect(r.code).toBe(1);
    expect(readFileSync(out).equals(good)).toBe(true);
    const beside = join(dir, 'keep.diverged.safetensors');
    expect(existsSync(beside)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`is in ${beside} \\(${out}, which was there before, is untouched\\)\\n$`));
    expect(r.stderr).toMatch(/diverged at step \d+: .*try a lower --lr \(now 1000\) or turn on --clip/);
  });
});

describe('output paths are checked before the first step', () => {
  it('-o naming a folder, a report in a missing folder, a folder that takes no files: one line, nothing written', async () => {
    const folder = join(dir, 'afolder');
    mkdirSync(folder);
    const cases: [string[], RegExp, string][] = [
      [['-o', folder], new RegExp(`^recur: model \\(-o\\) ${folder} is a folder; give a file path \\(e\\.g\\. ${folder}/model\\.safetensors\\)\\n$`), join(folder + '.ckpt')],
      [['-o', join(dir, 'r1.safetensors'), '--report', join(dir, 'nodir/r.html')], /^recur: report \(--report\): cannot write .*nodir\/r\.html: the folder .*nodir does not exist; create it first or choose another path\n$/, join(dir, 'r1.safetensors')],
      [['-o', '/proc/recur-test.safetensors'], /^recur: model \(-o\): cannot write \/proc\/recur-test\.safetensors: the folder \/proc exists but a file cannot be created in it/, '/proc/recur-test.safetensors.ckpt'],
      [['-o', join(dir, 'r2.safetensors'), '--checkpoint', folder], /^recur: checkpoint \(--checkpoint\) .*afolder is a folder/, join(dir, 'r2.safetensors')],
    ];
    for (const [args, re, notWritten] of cases) {
      const r = await recur(['train', corpus, ...small, '--steps', '2', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(existsSync(notWritten)).toBe(false);
    }
  });
});

describe('what a finished run prints', () => {
  it('--json: the samples are events too', async () => {
    const r = await recur(['train', corpus, ...small.slice(0, -2), '--samples', '2', '--steps', '3', '--json', '-o', join(dir, 'j.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const samples = events.filter((e) => e.type === 'sample');
    expect(samples).toHaveLength(2);
    for (const s of samples) expect(typeof s.text).toBe('string');
    expect(events.at(-1).type).toBe('done');
  });

  it('--split none: samples of running text are kept apart', async () => {
    const r = await recur(['train', corpus, ...small.slice(0, -2), '--samples', '3', '--split', 'none', '--steps', '3', '-o', join(dir, 'n.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n⁂\n')).toHaveLength(3);
  });
});
