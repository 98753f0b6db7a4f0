/**
 * Checkpoints through the command line (in process): resume continues exactly,
 * options must agree, a changed corpus is refused, `recur info` reads a
 * checkpoint, a diverging run leaves its last good checkpoint and model, and
 * the bad inputs "one enormous line" and "smaller than one batch".
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recur } from '../helpers/cli.js';
import { loadModel } from '../../src/model/model-file.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-ckpt-'));
const corpus = join(dir, 'names.txt');
writeFileSync(corpus, ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena'].join('\n').repeat(4) + '\n');
const small = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--kernels', 'reference', '--samples', '0', '--dropout', '0.2', '--eval-every', '5'];

const params = (path: string): Buffer => Buffer.from(loadModel(readFileSync(path)).params.buffer);

describe('recur train --resume', () => {
  it('continues a run exactly and may raise its limit', async () => {
    const whole = join(dir, 'whole.safetensors'), part = join(dir, 'part.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '24', '-o', whole])).code).toBe(0);
    const first = await recur(['train', corpus, ...small, '--steps', '9', '--checkpoint-every', '4', '-o', part]);
    expect(first.code).toBe(0);
    const ck = loadCheckpoint(readFileSync(part + '.ckpt'));
    expect(ck.state.step).toBe(9);
    expect((ck.run as { corpus: { path: string }[] }).corpus[0].path).toBe(corpus);
    const more = await recur(['train', '--resume', part + '.ckpt', '--steps', '24']);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toMatch(/resuming .* at step 9/);
    expect(params(part).equals(params(whole))).toBe(true);
    expect(loadCheckpoint(readFileSync(part + '.ckpt')).state.step).toBe(24);
  });

  it('refuses options that disagree with the checkpoint, naming the option', async () => {
    const out = join(dir, 'agree.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '3', '-o', out])).code).toBe(0);
    for (const [args, name] of [[['--hidden', '32'], '--hidden'], [['--lr', '0.1'], '--lr'], [['--seed', '2'], '--seed'], [[join(dir, 'other.txt')], 'corpus']] as const) {
      const r = await recur(['train', '--resume', out + '.ckpt', ...args, '--steps', '5']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').length).toBe(1);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(/disagrees with the checkpoint/);
    }
    // repeating an option with the same value is fine
    const same = await recur(['train', '--resume', out + '.ckpt', '--hidden', '16', corpus, '--steps', '4']);
    expect(same.code, same.stderr).toBe(0);
  });

  it('refuses a corpus that changed since the checkpoint, and a model given as a checkpoint', async () => {
    const text = join(dir, 'changing.txt'), out = join(dir, 'changing.safetensors');
    writeFileSync(text, 'abc\ndef\nghi\n'.repeat(20));
    expect((await recur(['train', text, ...small, '--steps', '2', '-o', out])).code).toBe(0);
    writeFileSync(text, 'abc\ndef\nghX\n'.repeat(20));
    const r = await recur(['train', '--resume', out + '.ckpt', '--steps', '4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^recur: corpus .*changing\.txt has changed since the checkpoint/);
    const valFile = join(dir, 'val.txt'), out2 = join(dir, 'withval.safetensors');
    writeFileSync(valFile, 'abc\ndef\n');
    expect((await recur(['train', text, ...small, '--val', valFile, '--steps', '2', '-o', out2])).code).toBe(0);
    writeFileSync(valFile, 'abc\ndeX\n');
    const v = await recur(['train', '--resume', out2 + '.ckpt', '--steps', '4']);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^recur: validation file .*val\.txt has changed since the checkpoint/);
    const m = await recur(['train', '--resume', out]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/is a model file, not a checkpoint/);
  });
});

describe('recur info on a checkpoint', () => {
  it('shows step, epoch, elapsed time, losses and the options of the run', async () => {
    const out = join(dir, 'info.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '12', '--val-frac', '0.2', '-o', out])).code).toBe(0);
    const r = await recur(['info', out + '.ckpt']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(checkpoint\)/);
    expect(r.stdout).toMatch(/step 12, epoch \d+\.\d\d/);
    expect(r.stdout).toMatch(/of training/);
    expect(r.stdout).toMatch(/train \d+\.\d{4}.*validation \d+\.\d{4} at step 10/);
    expect(r.stdout).toMatch(/hidden=16/);
    expect(r.stdout).toContain(corpus);
    const sample = await recur(['sample', out + '.ckpt']);
    expect(sample.code).toBe(1);
    expect(sample.stderr).toMatch(/^recur: .*info\.safetensors\.ckpt is a training checkpoint, not a model; use the model file/);
    const j = JSON.parse((await recur(['info', out + '.ckpt', '--json'])).stdout);
    expect(j).toMatchObject({ checkpoint: true, step: 12, config: { hidden: 16 } });
    expect(j.options.model.dropout).toBe(0.2);
  });
});

describe('a diverging run', () => {
  it('names the step, suggests --lr or --clip, and leaves the last good checkpoint and the model', async () => {
    const out = join(dir, 'diverge.safetensors');
    const r = await recur(['train', corpus, ...small, '--optimizer', 'sgd', '--lr', '1e6', '--clip', '0', '--steps', '50', '-o', out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('recur:'));
    expect(lines[0]).toMatch(/^recur: training diverged at step (\d+): .*lower --lr \(now 1000000\) or turn on --clip/);
    const failed = Number(/at step (\d+)/.exec(lines[0])![1]);
    expect(lines[1]).toMatch(/last good checkpoint \(step \d+\) is in .*diverge\.safetensors\.ckpt/);
    expect(lines[2]).toMatch(/model .* is in .*diverge\.safetensors/);
    const ck = loadCheckpoint(readFileSync(out + '.ckpt'));
    expect(ck.state.step).toBeLessThan(failed);
    expect(loadModel(readFileSync(out)).params.every(Number.isFinite)).toBe(true);
  });
});

describe('bad input', () => {
  it('a single enormous line (5 MB, no newline) trains in lines mode', async () => {
    const big = join(dir, 'one-line.txt'), out = join(dir, 'one-line.safetensors');
    const unit = 'the quick brown fox jumps over the lazy dog ';
    writeFileSync(big, unit.repeat(Math.ceil(5_000_000 / unit.length)));
    const r = await recur(['train', big, '--split', 'lines', '--hidden', '8', '--embed', '4', '--batch', '4', '--seq-len', '16', '--steps', '3', '--samples', '0', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/5\.00M training tokens in 1 sequences/);
    expect(existsSync(out)).toBe(true);
  });

  it('a corpus smaller than one batch shrinks the batch with a warning', async () => {
    const tiny = join(dir, 'tiny.txt'), out = join(dir, 'tiny.safetensors');
    writeFileSync(tiny, 'hello\nworld\n');
    const r = await recur(['train', tiny, '--val-frac', '0', '--batch', '32', '--seq-len', '64', '--hidden', '8', '--steps', '2', '--samples', '0', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the training text \(12 tokens\) is smaller than one window of 32×64; using --batch 1 and --seq-len 12/);
  });
});

describe('recur report on a checkpoint', () => {
  it('draws the run so far: its curves and where it stands', async () => {
    const out = join(dir, 'rep.safetensors');
    expect((await recur(['train', corpus, ...small, '--steps', '30', '--checkpoint-every', '10', '-o', out])).code).toBe(0);
    const page = join(dir, 'rep.html');
    const r = await recur(['report', out + '.ckpt', '-o', page]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/<path [^>]*class="curve" data-series="train loss"/);
    expect(html).toMatch(/data-series="validation loss"/);
    expect(html).toMatch(/running/);
  });
});
