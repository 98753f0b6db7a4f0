/**
 * A checkpoint written by the last recur that wrote recur-ckpt/1 (fixtures in
 * test/fixtures/ckpt-v1, made as its README says) still resumes, exactly: the
 * run continued from its step-5 checkpoint ends with the bytes of the model
 * and state that version wrote after running to step 12 without a stop.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { loadModel } from '../../src/model/model-file.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { train } from '../../src/train/trainer.js';
import { recur } from '../helpers/cli.js';

const dir = join(__dirname, '../fixtures/ckpt-v1');
const fixture = (name: string): Uint8Array => readFileSync(join(dir, name));
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('recur-ckpt/1', () => {
  const step5 = loadCheckpoint(fixture('step5.ckpt'), 'step5.ckpt');
  const step12 = loadCheckpoint(fixture('step12.ckpt'), 'step12.ckpt');

  it('reads the run\'s options from its recorded flags', () => {
    expect(step5.state.step).toBe(5);
    expect(step5.state.tokens).toBe(5 * 4 * 8); // a counter the old format did not have: derived from the step
    expect(step5.options.model).toMatchObject({ cell: 'lstm', hidden: 8, embed: 4, dropout: 0.1 });
    expect(step5.options.optimizer).toMatchObject({ optimizer: 'adam', lr: 0.002, batch: 4, seqLen: 8 });
    expect(step5.options.events).toMatchObject({ evalEvery: 4, checkpointInterval: 300 });
    expect(step5.options.limits.steps).toBe(5);
    expect(step5.options.runtime).toMatchObject({ seed: 3, threads: 2, kernels: 'reference' });
  });

  it('resumes in the library exactly where the old version went on', async () => {
    const r = await train({ texts: [readFileSync(join(dir, 'corpus.txt'), 'utf8')], resume: step5, limits: { steps: 12 } });
    expect(r.steps).toBe(12);
    expect(bytes(r.state.params).equals(bytes(step12.state.params))).toBe(true);
    expect(bytes(r.model.params).equals(bytes(loadModel(fixture('step12.safetensors')).params))).toBe(true);
    expect(r.history.val.map((p) => p.loss)).toEqual(step12.state.history.val.map((p) => p.loss));
  });

  it('resumes on the command line (recur train --resume) with the same result', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'recur-ckpt1-'));
    copyFileSync(join(dir, 'corpus.txt'), join(tmp, 'corpus.txt'));
    // the checkpoint names its corpus by absolute path: point it at the copy
    const file = readSafetensors(fixture('step5.ckpt'));
    const run = JSON.parse(file.metadata.run);
    run.corpus[0].path = join(tmp, 'corpus.txt');
    const tensors = [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    writeFileSync(join(tmp, 'step5.ckpt'), writeSafetensors(tensors, { ...file.metadata, run: JSON.stringify(run) }));
    const out = join(tmp, 'out.safetensors');
    const r = await recur(['train', '--resume', join(tmp, 'step5.ckpt'), '--steps', '12', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(bytes(loadModel(readFileSync(out)).params).equals(bytes(loadModel(fixture('step12.safetensors')).params))).toBe(true);
    // the checkpoint it goes on writing is the new format
    expect(readSafetensors(readFileSync(join(tmp, 'step5.ckpt'))).metadata.format).toBe('recur-ckpt/1');
    expect(readSafetensors(readFileSync(out + '.ckpt')).metadata.format).toBe('recur-ckpt/2');
  });
});
