/**
 * Ctrl-C and SIGTERM on a real `recur train` process: it writes a checkpoint
 * and the best model so far, says where both are (one line each), exits with
 * 130 / 143, and the run continues from that checkpoint to the end. (No early
 * stopping: on a fast machine the run would otherwise end before the signal.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { buildRecur } from '../helpers/build.js';
import { recur } from '../helpers/cli.js';

let build: ReturnType<typeof buildRecur>;
let dir: string;
let corpus: string;

beforeAll(() => {
  build = buildRecur('signal-test');
  dir = mkdtempSync(join(tmpdir(), 'recur-signal-'));
  corpus = join(dir, 'names.txt');
  writeFileSync(corpus, ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena'].join('\n').repeat(20) + '\n');
});

afterAll(() => {
  build?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Start training, send `sig` once it has been stepping for a moment, collect the outcome. */
function interrupt(sig: 'SIGINT' | 'SIGTERM', out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [build.launcher, 'train', corpus, '--hidden', '32', '--batch', '8', '--seq-len', '16', '--eval-every', '5', '--early-stop', '0',
      '--steps', '1000000', '--samples', '0', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', sent = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no progress: ${stderr}`)); }, 30_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // "model: …" is printed when training starts; give it some steps, then interrupt
      if (!sent && /model: /.test(stderr)) {
        sent = true;
        setTimeout(() => child.kill(sig), 400);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('signals during training', () => {
  it('SIGINT writes a checkpoint and the best model, says where, exits 130; the run then resumes to the end', async () => {
    const out = join(dir, 'int.safetensors');
    const r = await interrupt('SIGINT', out);
    expect(r.code, r.stderr).toBe(130);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-2)).toMatch(new RegExp(`^recur: interrupted at step \\d+; checkpoint written to ${out}\\.ckpt`));
    expect(lines.at(-1)).toBe(`recur: the best model so far is in ${out}`);
    expect(r.stderr).toMatch(/⚠ interrupted after \d+ steps/);
    expect(r.stderr).not.toMatch(/✔/);
    const ck = loadCheckpoint(readFileSync(out + '.ckpt'));
    expect(ck.state.step).toBeGreaterThan(0);
    expect(loadModel(readFileSync(out)).config.hidden).toBe(32);

    // the same command again, without --resume, must not wipe the unfinished run
    const before = readFileSync(out + '.ckpt');
    const again = await recur(['train', corpus, '--hidden', '32', '--batch', '8', '--seq-len', '16', '--eval-every', '5', '--early-stop', '0', '--steps', '1000000', '--samples', '0', '-o', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`recur: ${out}.ckpt holds an unfinished run (step ${ck.state.step}); continue it with npx recur train --resume ${out}.ckpt, or start over with --force\n`);
    expect(readFileSync(out + '.ckpt').equals(before)).toBe(true);

    const target = ck.state.step + 6;
    const resumed = await recur(['train', '--resume', out + '.ckpt', '--steps', String(target)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`✔ ${target} steps`));
    expect(loadCheckpoint(readFileSync(out + '.ckpt')).state.step).toBe(target);
    // and it is the run that was never interrupted
    const straight = join(dir, 'straight.safetensors');
    const whole = await recur(['train', corpus, '--hidden', '32', '--batch', '8', '--seq-len', '16', '--eval-every', '5', '--early-stop', '0', '--steps', String(target), '--samples', '0', '-o', straight]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(Buffer.from(loadModel(readFileSync(out)).params.buffer).equals(Buffer.from(loadModel(readFileSync(straight)).params.buffer))).toBe(true);
  });

  it('SIGTERM does the same and exits 143', async () => {
    const out = join(dir, 'term.safetensors');
    const r = await interrupt('SIGTERM', out);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/checkpoint written to .*term\.safetensors\.ckpt/);
    expect(loadCheckpoint(readFileSync(out + '.ckpt')).state.step).toBeGreaterThan(0);
  });
});
